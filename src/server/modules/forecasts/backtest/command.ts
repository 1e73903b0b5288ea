/**
 * `npm run forecast:backtest -- --input <file.csv> --horizon 12 --history 48 --origins 3 [--json]`
 * (or `--demo` for the demo network's history instead of a file).
 *
 * Exit codes: 0 success, 1 bad input file (the message names the row), 2 bad arguments.
 */
import { basename } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BACKTEST_METHODS,
  type BacktestMethod,
  type BacktestReport,
  isBacktestMethod,
  runBacktest,
} from './backtest';
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
} from './command-kit';
import {
  type BacktestSeries,
  m3BacktestSeries,
  parseFredCsv,
  parseLongCsv,
  parseM3Wide,
} from './input';

export type { CommandIo } from './command-kit';

export type BacktestFormat = 'long' | 'm3' | 'fred';

function methodList(value: string): BacktestMethod[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !isBacktestMethod(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(
      `unknown method(s) ${unknown.join(', ')}; choose from ${BACKTEST_METHODS.join(', ')}.`,
    );
  }
  return names as BacktestMethod[];
}

type ParsedOptions = SeriesSourceOptions & {
  format: BacktestFormat;
  horizon: number;
  history: number;
  origins: number;
  step?: number;
  methods?: BacktestMethod[];
  json?: boolean;
  progress: boolean;
};

/** Reads the input file in the given format into backtest series. */
export function readBacktestSeries(
  text: string,
  format: BacktestFormat,
  options: { horizon: number; history: number; fileName: string },
): BacktestSeries[] {
  if (format === 'm3') return m3BacktestSeries(parseM3Wide(text), options.horizon, options.history);
  if (format === 'fred')
    return [parseFredCsv(text, basename(options.fileName).replace(/\.csv$/i, ''))];
  return parseLongCsv(text);
}

function formatNumber(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** The report as a plain-text table. */
export function formatReportTable(report: BacktestReport): string {
  const header = [
    'method',
    'sMAPE',
    'MASE',
    'WAPE %',
    'bias %',
    `med |err| ${report.horizon}m total`,
    'med |err| total %',
    'mean |err| total %',
    'total MASE',
    'cov 80%',
    'cov 95%',
    'series',
    'windows',
    'ms/window',
  ];
  const rows = report.methods.map((m) => [
    m.method,
    formatNumber(m.smape, 2),
    formatNumber(m.mase, 3),
    formatNumber(m.wape, 1),
    formatNumber(m.bias, 1),
    formatNumber(m.medianTotalAbsError, 1),
    formatNumber(m.medianTotalAbsPctError, 1),
    formatNumber(m.meanTotalAbsPctError, 2),
    formatNumber(m.totalMase, 3),
    formatNumber(m.coverage80, 1),
    formatNumber(m.coverage95, 1),
    String(m.series),
    String(m.windows),
    formatNumber(m.msPerWindow, 3),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ');
  return [
    `backtest: ${report.seriesCount} series, ${report.windowCount} windows, horizon ${report.horizon}, history ${report.history}, origins ${report.origins} (step ${report.step} months), ${report.seconds.toFixed(1)} s`,
    line(header),
    line(header.map((_, c) => '-'.repeat(widths[c]!))),
    ...rows.map(line),
    '',
    'sMAPE and MASE as in M4 (MASE scaled by the in-sample seasonal naive error, period 12); WAPE and bias pooled over all cells;',
    `total: the ${report.horizon}-month total's error; total MASE scales it by the in-sample seasonal naive error of ${report.horizon}-month totals;`,
    "coverage: share of actuals inside the calibrated 80%/95% intervals (mstl-ets-model-intervals: the model's own intervals).",
    '',
  ].join('\n');
}

export async function runBacktestCommand(
  argv: string[],
  io: CommandIo = defaultIo,
): Promise<number> {
  const program = withSeriesSource(
    new Command('forecast:backtest').description(
      'Backtest the forecasting methods and the production combination on monthly series.',
    ),
    io,
    'CSV file to read',
  )
    .addOption(
      new Option(
        '--format <format>',
        'long: series,period,quantity; m3: the M3 wide file (official hold-out protocol); fred: DATE,VALUE',
      )
        .choices(['long', 'm3', 'fred'])
        .default('long'),
    )
    .option('--horizon <months>', 'months forecast at each origin', positiveInteger, 12)
    .option(
      '--history <months>',
      'months of history the methods see (at most)',
      positiveInteger,
      48,
    )
    .option('--origins <count>', 'rolling origins per series', positiveInteger, 3)
    .option('--step <months>', 'months between origins (default: the horizon)', positiveInteger)
    .option(
      '--methods <list>',
      `comma-separated subset of: ${BACKTEST_METHODS.join(', ')}`,
      methodList,
    )
    .option('--json', 'print the report as JSON');
  const options = parseArguments<ParsedOptions>(program, argv, io);
  if (typeof options === 'number') return options;
  const series = await readSeriesSource(options, io, (text, fileName) =>
    readBacktestSeries(text, options.format, { ...options, fileName }),
  );
  if (typeof series === 'number') return series;
  if (series.length === 0) {
    io.stderr(
      `${sourceName(options)}: no series with at least ${options.history} months before the hold-out\n`,
    );
    return 1;
  }

  const progress = progressReporter('backtest', io, options.progress, 1000);
  const report = await runBacktest(series, {
    horizon: options.horizon,
    history: options.history,
    origins: options.origins,
    step: options.step,
    methods: options.methods,
    onProgress: progress.onProgress,
  });
  progress.finish();
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportTable(report));
  return 0;
}
