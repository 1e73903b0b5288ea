/**
 * `npm run cli -- insights:backtest --input <series.csv> --history 48 --horizon 12 --origins 3
 *  --growth 0.05 --elapsed 0,3,6,9 [--json] [--svg <file>] [--protocol walk-forward|cross-fit]
 *  [--calibration-origins 1]` (risk-backtest.ts explains the two recalibration protocols)
 *
 * Reads the same files as forecast:backtest (long `series,period,quantity`, the M3 wide file —
 * whole series, official hold-out included, since origins roll back from the end — or FRED), or
 * with `--demo` the demo network's past terms (each dealer's total and best-selling lines).
 * Exit codes: 0 success, 1 bad input file, 2 bad arguments.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  type BacktestSeries,
  parseFredCsv,
  parseLongCsv,
  parseM3Wide,
} from '../forecasts/backtest/input';
import {
  type CommandIo,
  defaultIo,
  parseArguments,
  positiveInteger,
  progressReporter,
  readSeriesSource,
  type SeriesSourceOptions,
  sourceName,
  withSeriesSource,
} from '../forecasts/backtest/command-kit';
import { ISOTONIC_SHRINKAGE } from './calibration';
import { type RiskBacktestReport, runRiskBacktest } from './risk-backtest';
import { reliabilitySvg } from './reliability-svg';

function growthRate(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= -1 || parsed > 10)
    throw new InvalidArgumentError('expected a number above -1 (0.05 = 5 % growth).');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError('expected 0 or a positive integer.');
  return Number(value);
}

function elapsedList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new InvalidArgumentError('expected month counts such as 0,3,6,9.');
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** Reads any of the backtest formats, detected from the header. */
export function readRiskSeries(text: string, fileName: string): BacktestSeries[] {
  const header = (text.split(/\r?\n/, 1)[0] ?? '').toLowerCase();
  if (header.includes('series_id') && header.includes('values'))
    return parseM3Wide(text).map((s) => ({ id: s.id, values: s.values, start: s.start }));
  if (header.includes('series') && header.includes('period')) return parseLongCsv(text);
  return [parseFredCsv(text, basename(fileName).replace(/\.csv$/i, ''))];
}

const f = (value: number, digits = 4) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function formatRiskTable(report: RiskBacktestReport): string {
  const header = [
    'elapsed',
    'cases',
    'base rate',
    'Brier',
    'base Brier',
    'gain %',
    'log loss',
    'ECE',
    'raw ECE',
    'run-rate Brier',
    'run-rate LL',
    'run-rate ECE',
    'run-rate iso Brier',
    'run-rate iso ECE',
    'other Brier',
    'other gain %',
    'other ECE',
  ];
  const rows = report.summary.map((s) => [
    String(s.elapsed),
    String(s.model.cases),
    f(s.model.baseRate, 3),
    f(s.model.brier),
    f(s.model.baseRateBrier),
    f(s.brierGainOverBaseRate, 1),
    f(s.model.logLoss),
    f(s.model.ece),
    f(s.raw.ece),
    f(s.runRate.brier),
    f(s.runRate.logLoss),
    f(s.runRate.ece),
    f(s.runRateIsotonic.brier),
    f(s.runRateIsotonic.ece),
    f(s.other.model.brier),
    f(s.other.brierGainOverBaseRate, 1),
    f(s.other.model.ece),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c]!)).join('  ');
  return [
    `insights:backtest: ${report.seriesCount} series, ${report.caseCount} cases, horizon ${report.horizon}, history ${report.history}, origins ${report.origins}, growth ${report.growth}, profile ${report.profile}, error model ${report.errorModel}, ${report.seconds.toFixed(1)} s`,
    `recalibration: ${report.recalibration}; ${report.calibrationCaseCount} calibration-only cases${report.summary.some((s) => s.uncalibrated > 0) ? `; uncalibrated (no earlier term): ${report.summary.map((s) => s.uncalibrated).join(' / ')}` : ''}`,
    line(header),
    line(header.map((_, c) => '-'.repeat(widths[c]!))),
    ...rows.map(line),
    '',
    'Brier/log loss/ECE (10 equal-width bins) of the recalibrated model; base Brier: always the observed base rate;',
    'run-rate: actual to date × horizon / elapsed (elapsed 0: last 12 months), Platt-calibrated on log(projection/commitment) (iso: isotonic), by the same protocol.',
    `other: the model recalibrated by the other protocol (${report.protocol === 'walk-forward' ? 'cross-fitted by series over the evaluated terms' : 'walk-forward, earlier terms only'}), same cases.`,
    '',
  ].join('\n');
}

type Parsed = SeriesSourceOptions & {
  history: number;
  horizon: number;
  origins: number;
  growth: number;
  elapsed: number[];
  json?: boolean;
  svg?: string;
  jsonOut?: string;
  profile: 'accurate' | 'fast';
  recalibration: 'platt' | 'isotonic' | 'none';
  isotonicShrinkage: number;
  protocol: 'walk-forward' | 'cross-fit';
  calibrationOrigins: number;
  errorModel: 'fitted' | 'app';
  draws: number;
  limit?: number;
  progress: boolean;
};

export async function runRiskBacktestCommand(
  argv: string[],
  io: CommandIo = defaultIo,
): Promise<number> {
  const program = withSeriesSource(
    new Command('insights:backtest').description(
      'Backtest the calibrated probability of reaching a commitment on monthly series.',
    ),
    io,
    'CSV file (long series,period,quantity; M3 wide; or FRED)',
  )
    .option(
      '--history <months>',
      'months of history the forecast sees (at most)',
      positiveInteger,
      48,
    )
    .option('--horizon <months>', 'months in a term', positiveInteger, 12)
    .option('--origins <count>', 'terms per series, rolling back from the end', positiveInteger, 3)
    .option(
      '--growth <rate>',
      'commitment = (1 + growth) × the 12 months before the term',
      growthRate,
      0.05,
    )
    .option(
      '--elapsed <list>',
      'elapsed months at which the probability is computed',
      elapsedList,
      [0, 3, 6, 9],
    )
    .addOption(
      new Option('--profile <profile>', 'forecast combination')
        .choices(['accurate', 'fast'])
        .default('accurate'),
    )
    .addOption(
      new Option('--recalibration <kind>', 'recalibration')
        .choices(['platt', 'isotonic', 'none'])
        .default('isotonic'),
    )
    .option(
      '--isotonic-shrinkage <k>',
      "isotonic blocks shrunk toward the identity, n / (n + k) of the observed rate (the app's k; 0: plain isotonic)",
      nonNegativeInteger,
      ISOTONIC_SHRINKAGE,
    )
    .addOption(
      new Option(
        '--protocol <protocol>',
        'recalibration fitted on earlier terms only (walk-forward) or cross-fitted by series over every evaluated term (cross-fit, the former protocol)',
      )
        .choices(['walk-forward', 'cross-fit'])
        .default('walk-forward'),
    )
    .option(
      '--calibration-origins <count>',
      'terms before the first evaluated one, only to recalibrate the evaluated terms walk-forward (not scored)',
      nonNegativeInteger,
      1,
    )
    .addOption(
      new Option(
        '--error-model <model>',
        "fitted: each origin's error model from the batch's training windows; app: the app's defaults (with --profile fast, the app's raw probability)",
      )
        .choices(['fitted', 'app'])
        .default('fitted'),
    )
    .option('--draws <count>', 'Monte Carlo draws per case', positiveInteger, 1000)
    .option('--limit <count>', 'only the first N series (development)', positiveInteger)
    .option('--json', 'print the report (every case) as JSON')
    .option('--svg <file>', 'write a reliability diagram (SVG)')
    .option('--json-out <file>', 'also write the JSON report (every case) to a file');
  const options = parseArguments<Parsed>(program, argv, io);
  if (typeof options === 'number') return options;
  if (options.elapsed.some((e) => e >= options.horizon)) {
    io.stderr(`--elapsed: every value must be below the horizon (${options.horizon})\n`);
    return 2;
  }
  let series = await readSeriesSource(options, io, readRiskSeries);
  if (typeof series === 'number') return series;
  if (options.limit) series = series.slice(0, options.limit);
  const progress = progressReporter('insights:backtest', io, options.progress, 2000);
  const report = runRiskBacktest(series, {
    ...options,
    onProgress: progress.onProgress,
  });
  progress.finish();
  if (report.caseCount === 0) {
    io.stderr(
      `${sourceName(options)}: no series long enough for ${options.origins} terms of ${options.horizon} months\n`,
    );
    return 1;
  }
  if (options.svg) await writeFile(options.svg, reliabilitySvg(report));
  if (options.jsonOut) await writeFile(options.jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatRiskTable(report));
  return 0;
}
