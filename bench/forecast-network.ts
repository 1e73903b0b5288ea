/**
 * The forecast cycle's baseline on the demo network (issue 5), written to
 * bench/results/forecast-network.md:
 *
 * 1. accuracy: the demo network with its last 12 months held out; WAPE of the production baseline
 *    (pooled, reconciled, EV signal) against the spreadsheet method at dealer × model line × month
 *    and at region × model line × month, interval coverage, and the variants without pooling and
 *    without the EV signal;
 * 2. reference: the baseline engine on the reference network (4,000 dealers × 40 model lines,
 *    48 months of history, 18 months ahead): time and peak memory;
 * 3. database: a medium network seeded into PostgreSQL through the real ingest, the baseline job
 *    end to end, and one dealer's grid latency.
 *
 *   npx tsx bench/forecast-network.ts [--parts accuracy,reference,database] [--dealers 600]
 *     [--reference-dealers 4000] [--db-dealers 600] [--engine postgres|pglite]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { addMonths } from '../src/shared/months';
import type { DemoOptions } from '../src/server/modules/demo/generator';
import {
  buildBaseline,
  type BaselineInput,
  type BaselineResult,
} from '../src/server/modules/forecasts/baseline';
import { forecastMany } from '../src/server/modules/forecasts/methods';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import { seedDemo } from '../src/server/modules/demo/seed';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { createBenchDatabase, machine, median, percentile, type BenchEngine } from './lib';
import {
  coverage,
  dealerWape,
  panelOf,
  regionWape,
  wapeOf,
  type Panel,
  type Totals,
} from './forecast-panel';

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: 'accuracy,reference,database' },
    dealers: { type: 'string', default: '600' },
    'reference-dealers': { type: 'string', default: '4000' },
    'db-dealers': { type: 'string', default: '600' },
    engine: { type: 'string', default: 'postgres' },
    seed: { type: 'string', default: '42' },
  },
});
const parts = new Set(args.parts!.split(','));
const log = (m: string) => process.stderr.write(`[forecast-network] ${m}\n`);
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

const sections: string[] = [];

/** Coverage of region × model line and national line intervals over the held-out year. */
function aggregateCoverage(panel: Panel, base: BaselineResult) {
  const L = panel.input.lineCount;
  const regionActual = new Map<number, number[]>();
  const nationActual = new Map<number, number[]>();
  panel.input.series.forEach((s, i) => {
    for (const [map, key] of [
      [regionActual, s.regionIndex * L + s.lineIndex],
      [nationActual, s.lineIndex],
    ] as const) {
      const a = map.get(key) ?? new Array<number>(12).fill(0);
      panel.holdout[i]!.forEach((v, h) => (a[h]! += v));
      map.set(key, a);
    }
  });
  const rl = base.regionLines;
  const ra = rl.map((r) => regionActual.get(r.regionIndex * L + r.lineIndex)!);
  const nl = base.nationalLines;
  const na = nl.map((n) => nationActual.get(n.lineIndex)!);
  return {
    region80: coverage(
      ra,
      rl.map((r) => r.lower80),
      rl.map((r) => r.upper80),
    ),
    region95: coverage(
      ra,
      rl.map((r) => r.lower95),
      rl.map((r) => r.upper95),
    ),
    nation80: coverage(
      na,
      nl.map((r) => r.lower80),
      nl.map((r) => r.upper80),
    ),
    nation95: coverage(
      na,
      nl.map((r) => r.lower95),
      nl.map((r) => r.upper95),
    ),
  };
}

async function accuracyPart() {
  const dealers = Number(args.dealers);
  const options: DemoOptions = {
    seed: Number(args.seed),
    dealers,
    months: 48,
    endMonth: '2026-10',
  };
  log(`accuracy: generating ${dealers} dealers × 48 months`);
  const panel = panelOf(options, 12);
  const n = panel.input.series.length;
  log(`accuracy: ${n} series; baseline`);
  const load = loadavg()[0] ?? 0;
  const started = Date.now();
  const base = await buildBaseline({ ...panel.input, horizon: 12 });
  const baselineMs = Date.now() - started;
  // Variants (point forecasts only: no interval calibration).
  const variant = (extra: Partial<BaselineInput>) =>
    buildBaseline({ ...panel.input, horizon: 12, maxCalibrationSeries: 0, ...extra });
  const withoutTilt = await variant({ evTilt: false });
  const noShock = await variant({ shockAdjustment: false });
  const noLaunch = await variant({ launchAnalogues: false });
  const previous = await variant({ shockAdjustment: false, launchAnalogues: false, evTilt: true });
  const own = await forecastMany(
    panel.input.series.map((s) => s.values),
    { horizon: 12, profile: 'fast', calibration: 'default' },
  );
  const mean = base.cells.map((c) => c.mean);
  const spreadsheet = base.cells.map((c) => c.spreadsheet);
  const means = (r: BaselineResult) => r.cells.map((c) => c.mean);
  // The spreadsheet method applied to each region × model line series (not summed from dealers).
  const regionSheet = new Map(
    base.regionLines.map((r) => [r.regionIndex * panel.input.lineCount + r.lineIndex, r]),
  );
  const regionSheetT: Totals = { abs: 0, actual: 0 };
  const regionActual = new Map<number, number[]>();
  panel.input.series.forEach((s, i) => {
    const key = s.regionIndex * panel.input.lineCount + s.lineIndex;
    const a = regionActual.get(key) ?? new Array<number>(12).fill(0);
    panel.holdout[i]!.forEach((v, h) => (a[h]! += v));
    regionActual.set(key, a);
  });
  for (const [key, a] of regionActual)
    a.forEach((v, h) => {
      regionSheetT.abs += Math.abs(v - regionSheet.get(key)!.spreadsheet[h]!);
      regionSheetT.actual += v;
    });
  const bevLine = (l: number) => (panel.lineBev[l] ?? 0) >= 0.5;
  const row = (r: BaselineResult | number[][]) => {
    const m = Array.isArray(r) ? r : means(r);
    return {
      dealer: dealerWape(panel.holdout, m),
      region: regionWape(panel, m),
      bev: regionWape(panel, m, bevLine),
    };
  };
  const w = {
    baseline: row(mean),
    withoutTilt: row(withoutTilt),
    noShock: row(noShock),
    noLaunch: row(noLaunch),
    previous: row(previous),
    own: row(own.map((f) => f.mean)),
    spreadsheet: row(spreadsheet),
  };
  const sheetRegion = wapeOf(regionSheetT);
  const dealerCov = (lo: 'lower80' | 'lower95', hi: 'upper80' | 'upper95', pick?: number[]) => {
    const idx = pick ?? base.cells.map((_, i) => i);
    return coverage(
      idx.map((i) => panel.holdout[i]!),
      idx.map((i) => base.cells[i]![lo]),
      idx.map((i) => base.cells[i]![hi]),
    );
  };
  const byMethod = Object.keys(base.stats.methods)
    .sort()
    .map((method) => {
      const idx = base.cells.flatMap((c, i) => (c.method === method ? [i] : []));
      return `| dealer cells, ${method} (${idx.length.toLocaleString('en-US')} series) | ${fmt(dealerCov('lower80', 'upper80', idx))} % | ${fmt(dealerCov('lower95', 'upper95', idx))} % |`;
    })
    .join('\n');
  const byHorizon = [
    [1, 3],
    [4, 6],
    [7, 12],
  ]
    .map(([from, to]) => {
      const slice = (rows: number[][]) => rows.map((r) => r.slice(from! - 1, to));
      const a = slice(panel.holdout);
      const c = (lo: 'lower80' | 'lower95', hi: 'upper80' | 'upper95') =>
        coverage(a, slice(base.cells.map((x) => x[lo])), slice(base.cells.map((x) => x[hi])));
      return `| dealer cells, months ${from}–${to} ahead | ${fmt(c('lower80', 'upper80'))} % | ${fmt(c('lower95', 'upper95'))} % |`;
    })
    .join('\n');
  const agg = aggregateCoverage(panel, base);
  const lower = (a: number, b: number) => `${fmt(100 * (1 - a / b))} %`;
  const bevLines = panel.lineBev.filter((f) => f >= 0.5).length;
  const cal = base.calibration;
  const wapeRow = (label: string, r: { dealer: number; region: number; bev: number }) =>
    `| ${label} | ${fmt(r.dealer)} % | ${fmt(r.region)} % | ${fmt(r.bev)} % |`;
  sections.push(`## 1. Accuracy on the demo network (last 12 months held out)

Demo network seed ${options.seed}, ${dealers} dealers, 40 model lines, 48 months ending ${options.endMonth}:
36 months of history (to ${addMonths(options.endMonth, -12)}), the 12 months after held out;
${n.toLocaleString('en-US')} dealer × model line series, ${panel.regions.length} regions. Baseline (with the interval
calibration) built in ${fmt(baselineMs / 1000)} s on ${availableParallelism()} threads, load average ${fmt(load)} at the start.
Methods routed: ${Object.entries(base.stats.methods)
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )}. Shock months taken out (history months, 0-based): ${base.stats.shockMonths.join(', ') || 'none'};
discontinued lines: ${base.stats.discontinuedLines.length}; lines forecast as launches by analogy: ${base.stats.launchedLines.length}.

### WAPE

The target compares the baseline with the spreadsheet method **applied at the level being scored**: per
dealer series for dealer cells, on the region × model line totals for region cells (the fairer
comparison: summed from dealers the spreadsheet scores worse, which would flatter the baseline).

| WAPE, 12 months held out | dealer × model line × month | region × model line × month | BEV-heavy lines (${bevLines}), region × line |
| --- | ---: | ---: | ---: |
${wapeRow('**production baseline** (shock-adjusted, launches by analogy, EV tilt, pooled, reconciled)', w.baseline)}
${wapeRow('without the EV tilt (`evTilt: false`)', w.withoutTilt)}
${wapeRow('without the shock adjustment', w.noShock)}
${wapeRow('without launches by analogy', w.noLaunch)}
${wapeRow('the previous baseline (neither, EV tilt on)', w.previous)}
${wapeRow('dealer series forecast alone (no pooling; regions = sum of dealers)', w.own)}
${wapeRow('spreadsheet method per dealer series (regions = sum of dealers)', w.spreadsheet)}
| spreadsheet method on each region × model line series | – | ${fmt(sheetRegion)} % | – |

| target | measured | |
| --- | ---: | --- |
| dealer cells: baseline WAPE ≥ 25 % lower than the spreadsheet per dealer series | **${lower(w.baseline.dealer, w.spreadsheet.dealer)}** lower | ${w.baseline.dealer <= 0.75 * w.spreadsheet.dealer ? 'met' : 'missed'} |
| region cells: baseline WAPE ≥ 40 % lower than the spreadsheet on region totals | **${lower(w.baseline.region, sheetRegion)}** lower | ${w.baseline.region <= 0.6 * sheetRegion ? 'met' : 'missed'} |
| region cells: … than the spreadsheet summed from dealers | ${lower(w.baseline.region, w.spreadsheet.region)} lower | ${w.baseline.region <= 0.6 * w.spreadsheet.region ? 'met' : 'missed'} |

### Interval coverage over the held-out year (nominal 80 % / 95 %)

Calibrated on the final reconciled forecasts re-run from history month ${cal.originHistory} (${cal.originHorizon} months
ahead, ${cal.sampledSeries.toLocaleString('en-US')} dealer series): tables ${[
    cal.regular,
    cal.intermittent,
    cal.zero,
    cal.region,
    cal.nation,
  ]
    .map((t) => `\`${t.source}\``)
    .join(', ')}.

| level | 80 % | 95 % |
| --- | ---: | ---: |
| **dealer × model line × month** | **${fmt(dealerCov('lower80', 'upper80'))} %** | **${fmt(dealerCov('lower95', 'upper95'))} %** |
| **region × model line × month** | **${fmt(agg.region80)} %** | **${fmt(agg.region95)} %** |
| **model line × month, national** | **${fmt(agg.nation80)} %** | **${fmt(agg.nation95)} %** |
${byHorizon}
${byMethod}
`);
  log(
    `accuracy: dealer WAPE ${fmt(w.baseline.dealer)} vs ${fmt(w.spreadsheet.dealer)}; region ${fmt(w.baseline.region)} vs ${fmt(w.spreadsheet.region)} / ${fmt(sheetRegion)}`,
  );
}

async function referencePart() {
  const dealers = Number(args['reference-dealers']);
  const options: DemoOptions = {
    seed: Number(args.seed),
    dealers,
    months: 48,
    endMonth: '2026-10',
  };
  log(`reference: generating ${dealers} dealers × 48 months`);
  const genStarted = Date.now();
  const panel = panelOf(options, 0);
  const genMs = Date.now() - genStarted;
  const { holdout: _, ...rest } = panel;
  void _;
  void rest;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const load = loadavg()[0] ?? 0;
  const started = Date.now();
  const result = await buildBaseline({
    ...panel.input,
    horizon: 18,
    onProgress: (p, m) => {
      if (Math.round(p) % 10 === 0) log(`reference: ${fmt(p, 0)} % ${m}`);
    },
  });
  const ms = Date.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  sections.push(`## 2. The reference network's baseline

${dealers.toLocaleString('en-US')} dealers × 40 model lines = ${result.stats.series.toLocaleString('en-US')} series of 48 months,
18 months ahead (${(result.stats.series * 18).toLocaleString('en-US')} cells), ${result.stats.regionSeries} region × model line series;
\`buildBaseline\` (the interval calibration re-running the pipeline on ${result.calibration.sampledSeries.toLocaleString('en-US')} sampled series from
${result.calibration.originHorizon} months back, dealer forecasts with the fast profile on ${availableParallelism()} worker threads, region forecasts
with the accurate profile, reconciliation). Engine only: the job end to end, with PostgreSQL, is in
\`bench/results/forecast-job.md\`. Load average at start ${fmt(load)}.

| measure | value |
| --- | ---: |
| baseline time | **${fmt(ms / 1000)} s** (target < 120 s) |
| process RSS before / peak | ${mb(rssBefore)} / **${mb(peak)}** (target < 2 GB; includes the in-memory history) |
| generating the history in memory (not part of the job) | ${fmt(genMs / 1000)} s |
| methods | ${Object.entries(result.stats.methods)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ')} |
`);
  log(`reference: ${fmt(ms / 1000)} s, peak ${mb(peak)}`);
}

async function databasePart() {
  const dealers = Number(args['db-dealers']);
  const engine = args.engine as BenchEngine;
  log(`database: seeding ${dealers} dealers × 36 months into ${engine}`);
  const bench = await createBenchDatabase(engine);
  const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
  const services = createServices({ db: bench.db, env, today: () => '2026-11-03' });
  try {
    const seedStarted = Date.now();
    const { transactions } = await seedDemo(services, {
      seed: Number(args.seed),
      dealers,
      months: 36,
      endMonth: '2026-10',
    });
    const seedMs = Date.now() - seedStarted;
    log(`database: ${transactions} transactions in ${fmt(seedMs / 1000)} s; baseline job`);
    const jobStarted = Date.now();
    const cycle = await services.forecasts.createCycle({
      actor: SYSTEM_ACTOR,
      data: { cycleMonth: '2026-11', horizon: 18, historyMonths: 48 },
    });
    await services.jobs.settle(BASELINE_JOB_KIND);
    const jobMs = Date.now() - jobStarted;
    const job = await services.jobs.getJob({ id: cycle.baselineJobId! });
    if (job.status !== 'succeeded') throw new Error(`baseline job ${job.status}: ${job.message}`);
    const { rows } = await bench.db.query<{ code: string; cells: number }>(
      `select d.code, (select count(*)::int from forecast_cells c where c.cycle_id = $1) as cells
       from dealers d join monthly_actuals ma on ma.dealer_id = d.id where d.status = 'active'
       group by d.code order by sum(ma.quantity) desc limit 1`,
      [cycle.id],
    );
    const biggest = rows[0]!.code;
    const times: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const s = performance.now();
      await services.forecasts.getDealerGrid({
        actor: SYSTEM_ACTOR,
        id: cycle.id,
        dealerCode: biggest,
      });
      times.push(performance.now() - s);
    }
    const warm = times.slice(5);
    sections.push(`## 3. In the database: the baseline job and one dealer's grid (${engine})

${dealers} dealers × 36 months seeded through the real ingest (${transactions.toLocaleString('en-US')} transactions,
${fmt(seedMs / 1000)} s). Cycle 2026-11, 18 months ahead: ${rows[0]!.cells.toLocaleString('en-US')} cells.

| measure | value |
| --- | ---: |
| baseline job end to end (load history, forecast, reconcile, write cells) | **${fmt(jobMs / 1000)} s** |
| one dealer's grid (${biggest}, the biggest dealer: 40 lines × 18 months + 12 months history + edits), service call, median / p95 of 25 | **${fmt(median(warm), 1)} ms** / ${fmt(percentile(warm, 95), 1)} ms (target < 200 ms) |
`);
    log(`database: job ${fmt(jobMs / 1000)} s, grid median ${fmt(median(warm))} ms`);
  } finally {
    await services.jobs.stopWorkers(); // on the server the job went through pg-boss
    await bench.db.close();
    await bench.drop();
  }
}

const started = Date.now();
if (parts.has('accuracy')) await accuracyPart();
if (parts.has('reference')) await referencePart();
if (parts.has('database')) await databasePart();
// Sections of parts not run this time are kept from the previous file (each says how it was made).
const out = new URL('./results/forecast-network.md', import.meta.url);
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
const kept = [...previous.matchAll(/^## (\d)\. [\s\S]*?(?=^## \d\. |(?![\s\S]))/gm)]
  .filter((m) => !sections.some((s) => s.startsWith(`## ${m[1]}. `)))
  .map((m) => m[0]);
const all = [...sections, ...kept].sort((a, b) => a.slice(3, 4).localeCompare(b.slice(3, 4)));
const doc = `# Forecast cycle on the demo network

Generated by \`npx tsx bench/forecast-network.ts\`: section${sections.length > 1 ? 's' : ''} ${sections.map((s) => s.slice(3, 4)).join(', ')} by \`--parts ${[...parts].join(',')}\` on ${new Date().toISOString().slice(0, 10)}
(machine: ${machine()}; ${fmt((Date.now() - started) / 1000)} s)${kept.length > 0 ? '; the other sections from earlier runs, as they say' : ''}.

${all.join('\n')}`;
writeFileSync(out, await prettier.format(doc, { parser: 'markdown' }));
log(`written ${out.pathname}`);
