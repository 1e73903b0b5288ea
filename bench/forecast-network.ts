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
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { addMonths, monthIndex } from '../src/shared/months';
import {
  generateNetwork,
  generateTransactions,
  type DemoOptions,
} from '../src/server/modules/demo/generator';
import { buildBaseline, type BaselineInput } from '../src/server/modules/forecasts/baseline';
import { forecastMany } from '../src/server/modules/forecasts/methods';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import { seedDemo } from '../src/server/modules/demo/seed';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { createBenchDatabase, machine, median, percentile, type BenchEngine } from './lib';

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

type Panel = {
  input: Omit<BaselineInput, 'horizon'>;
  /** holdout actuals per series, 12 months */
  holdout: number[][];
  regions: string[];
  lineBev: number[];
};

/** The demo network's history in memory: dealer × model line × month net sales, EV inputs. */
function panelOf(options: DemoOptions, holdoutMonths: number): Panel {
  const network = generateNetwork(options);
  const start = addMonths(options.endMonth, -(options.months - 1));
  const startIndex = monthIndex(start);
  const T = options.months;
  const historyLength = T - holdoutMonths;
  const lines = network.modelLines.map((l) => l.code);
  const lineOf = new Map(lines.map((c, i) => [c, i]));
  const skuLine = new Map(network.skus.map((s) => [s.code, lineOf.get(s.modelLineCode)!]));
  const skuBev = new Map(network.skus.map((s) => [s.code, s.powertrain === 'BEV']));
  const regions = [...new Set(network.dealers.map((d) => d.regionCode))].sort();
  const regionOf = new Map(regions.map((r, i) => [r, i]));
  const dealerOf = new Map(network.dealers.map((d, i) => [d.code, i]));
  const L = lines.length;
  const sales = new Float64Array(network.dealers.length * L * T);
  const evTotal = regions.map(() => new Array<number>(T).fill(0));
  const evBev = regions.map(() => new Array<number>(T).fill(0));
  const lineAll = new Array<number>(L).fill(0);
  const lineBevQ = new Array<number>(L).fill(0);
  for (const tx of generateTransactions(network, options)) {
    if (tx.kind !== 'retail_delivery' && tx.kind !== 'unwind') continue;
    const t = monthIndex(tx.occurredOn.slice(0, 7)) - startIndex;
    const d = dealerOf.get(tx.dealerCode)!;
    const l = skuLine.get(tx.sku)!;
    sales[(d * L + l) * T + t]! += tx.quantity;
    if (tx.kind === 'retail_delivery') {
      const r = regionOf.get(network.dealers[d]!.regionCode)!;
      evTotal[r]![t]! += tx.quantity;
      if (skuBev.get(tx.sku)) evBev[r]![t]! += tx.quantity;
      if (t >= historyLength - 12 && t < historyLength) {
        lineAll[l]! += tx.quantity;
        if (skuBev.get(tx.sku)) lineBevQ[l]! += tx.quantity;
      }
    }
  }
  const series: BaselineInput['series'][number][] = [];
  const holdout: number[][] = [];
  network.dealers.forEach((dealer, d) => {
    for (let l = 0; l < L; l += 1) {
      const all = Array.from(sales.subarray((d * L + l) * T, (d * L + l + 1) * T), (v) =>
        Math.max(0, v),
      );
      series.push({
        regionIndex: regionOf.get(dealer.regionCode)!,
        lineIndex: l,
        values: all.slice(0, historyLength),
      });
      holdout.push(all.slice(historyLength));
    }
  });
  const lineBev = lineAll.map((a, l) => (a > 0 ? lineBevQ[l]! / a : 0));
  return {
    input: {
      lastMonthOfYear: Number(addMonths(options.endMonth, -holdoutMonths).slice(5, 7)),
      regionCount: regions.length,
      lineCount: L,
      series,
      ev: evTotal.map((total, r) => ({
        total: total.slice(0, historyLength),
        bev: evBev[r]!.slice(0, historyLength),
      })),
      lineBevFraction: lineBev,
    },
    holdout,
    regions,
    lineBev,
  };
}

type Totals = { abs: number; actual: number };
const wapeOf = (t: Totals) => (100 * t.abs) / t.actual;

function dealerWape(actual: number[][], forecast: number[][], filter?: (i: number) => boolean) {
  const t: Totals = { abs: 0, actual: 0 };
  actual.forEach((a, i) => {
    if (filter && !filter(i)) return;
    a.forEach((v, h) => {
      t.abs += Math.abs(v - forecast[i]![h]!);
      t.actual += v;
    });
  });
  return wapeOf(t);
}

function regionWape(
  panel: Panel,
  forecast: number[][],
  filter?: (line: number) => boolean,
): number {
  const sums = new Map<number, { a: number[]; f: number[] }>();
  panel.input.series.forEach((s, i) => {
    if (filter && !filter(s.lineIndex)) return;
    const key = s.regionIndex * panel.input.lineCount + s.lineIndex;
    let g = sums.get(key);
    if (!g) {
      g = { a: new Array<number>(12).fill(0), f: new Array<number>(12).fill(0) };
      sums.set(key, g);
    }
    for (let h = 0; h < 12; h += 1) {
      g.a[h]! += panel.holdout[i]![h]!;
      g.f[h]! += forecast[i]![h]!;
    }
  });
  const t: Totals = { abs: 0, actual: 0 };
  for (const g of sums.values())
    g.a.forEach((v, h) => {
      t.abs += Math.abs(v - g.f[h]!);
      t.actual += v;
    });
  return wapeOf(t);
}

function coverage(actual: number[][], lower: number[][], upper: number[][]): number {
  let inside = 0;
  let n = 0;
  actual.forEach((a, i) =>
    a.forEach((v, h) => {
      n += 1;
      if (v >= lower[i]![h]! && v <= upper[i]![h]!) inside += 1;
    }),
  );
  return (100 * inside) / n;
}

const sections: string[] = [];

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
  const started = Date.now();
  const base = await buildBaseline({ ...panel.input, horizon: 12 });
  const baselineMs = Date.now() - started;
  const noEv = await buildBaseline({ ...panel.input, horizon: 12, ev: undefined });
  const own = await forecastMany(
    panel.input.series.map((s) => s.values),
    { horizon: 12, profile: 'fast' },
  );
  const mean = base.cells.map((c) => c.mean);
  const spreadsheet = base.cells.map((c) => c.spreadsheet);
  const ownMean = own.map((f) => f.mean);
  const noEvMean = noEv.cells.map((c) => c.mean);
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
  const dw = {
    baseline: dealerWape(panel.holdout, mean),
    spreadsheet: dealerWape(panel.holdout, spreadsheet),
    own: dealerWape(panel.holdout, ownMean),
    noEv: dealerWape(panel.holdout, noEvMean),
  };
  const rw = {
    baseline: regionWape(panel, mean),
    spreadsheet: regionWape(panel, spreadsheet),
    spreadsheetRegion: wapeOf(regionSheetT),
    own: regionWape(panel, ownMean),
    noEv: regionWape(panel, noEvMean),
    bevBaseline: regionWape(panel, mean, bevLine),
    bevNoEv: regionWape(panel, noEvMean, bevLine),
    bevSpreadsheet: regionWape(panel, spreadsheet, bevLine),
  };
  const cov80 = coverage(
    panel.holdout,
    base.cells.map((c) => c.lower80),
    base.cells.map((c) => c.upper80),
  );
  const cov95 = coverage(
    panel.holdout,
    base.cells.map((c) => c.lower95),
    base.cells.map((c) => c.upper95),
  );
  const lower = (a: number, b: number) => `${fmt(100 * (1 - a / b))} %`;
  const bevLines = panel.lineBev.filter((f) => f >= 0.5).length;
  sections.push(`## 1. Accuracy on the demo network (last 12 months held out)

Demo network seed ${options.seed}, ${dealers} dealers, 40 model lines, 48 months ending ${options.endMonth}:
36 months of history (to ${addMonths(options.endMonth, -12)}), the 12 months after held out;
${n.toLocaleString('en-US')} dealer × model line series, ${panel.regions.length} regions. Baseline built in
${fmt(baselineMs / 1000)} s (${availableParallelism()} threads). Methods routed: ${Object.entries(
    base.stats.methods,
  )
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}.

| WAPE, 12 months held out | dealer × model line × month | region × model line × month |
| --- | ---: | ---: |
| **production baseline** (pooled, reconciled, EV signal) | **${fmt(dw.baseline)} %** | **${fmt(rw.baseline)} %** |
| baseline without the EV signal | ${fmt(dw.noEv)} % | ${fmt(rw.noEv)} % |
| dealer series forecast alone (no pooling; regions = sum of dealers) | ${fmt(dw.own)} % | ${fmt(rw.own)} % |
| spreadsheet method per dealer series (regions = sum of dealers) | ${fmt(dw.spreadsheet)} % | ${fmt(rw.spreadsheet)} % |
| spreadsheet method on each region × model line series | – | ${fmt(rw.spreadsheetRegion)} % |
| **baseline vs spreadsheet: WAPE lower by** | **${lower(dw.baseline, dw.spreadsheet)}** (target ≥ 25 %) | **${lower(rw.baseline, rw.spreadsheet)}** vs summed, ${lower(rw.baseline, rw.spreadsheetRegion)} vs region-level (target ≥ 40 %) |

BEV-heavy lines (≥ 50 % BEV deliveries; ${bevLines} lines), region × model line × month WAPE: with the EV signal
${fmt(rw.bevBaseline)} %, without ${fmt(rw.bevNoEv)} %, spreadsheet ${fmt(rw.bevSpreadsheet)} %.

Interval coverage of the dealer cells over the held-out year (nominal 80 % / 95 %): ${fmt(cov80)} % / ${fmt(cov95)} %.
`);
  log(
    `accuracy: dealer WAPE ${fmt(dw.baseline)} vs ${fmt(dw.spreadsheet)}; region ${fmt(rw.baseline)} vs ${fmt(rw.spreadsheet)} / ${fmt(rw.spreadsheetRegion)}`,
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
\`buildBaseline\` (calibration, dealer forecasts with the fast profile on ${availableParallelism()} worker threads,
region forecasts with the accurate profile, EV tilt, reconciliation). Load average at start ${fmt(load)}.

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
  try {
    const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
    const services = createServices({ db: bench.db, env, today: () => '2026-11-03' });
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
    await bench.db.close();
    await bench.drop();
  }
}

const started = Date.now();
if (parts.has('accuracy')) await accuracyPart();
if (parts.has('reference')) await referencePart();
if (parts.has('database')) await databasePart();
const doc = `# Forecast cycle on the demo network

Generated by \`npx tsx bench/forecast-network.ts --parts ${[...parts].join(',')}\` on ${new Date().toISOString().slice(0, 10)};
machine: ${machine()}; total ${fmt((Date.now() - started) / 1000)} s.

${sections.join('\n')}`;
const out = new URL('./results/forecast-network.md', import.meta.url);
writeFileSync(out, await prettier.format(doc, { parser: 'markdown' }));
log(`written ${out.pathname}`);
