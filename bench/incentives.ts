/**
 * Incentives on the reference network: the full recalculation of 20 programs for every dealer,
 * one dealer's progress page data, and a posted batch reflected in progress — each next to the
 * bare SQL aggregation of the same transactions, measured in the same run.
 *
 *   npm run bench -- incentives --engine postgres --dealers 4000
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { createBenchDatabase, fmt, machine, median, type BenchEngine } from './lib';

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** 20 programs mixing every measure, tier mode, benefit and period. */
function programs(modelLines: string[]): Record<string, unknown>[] {
  const base = { currency: 'USD', startDate: '2026-01-01', endDate: '2026-12-31' };
  const ml = (i: number) => [modelLines[i % modelLines.length]!];
  const tiers = (a: string, b: string, c: string) => [
    { from: '0', value: a },
    { from: '5', value: b },
    { from: '15', value: c },
  ];
  const list: Record<string, unknown>[] = [];
  for (let i = 0; i < 4; i++) {
    list.push({
      ...base,
      code: `B-UNITS-R${i}`,
      name: 'units retro',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      qualifying: { modelLines: ml(i) },
      measure: 'units',
      tiers: tiers('100', '200', '300'),
      benefit: 'per_unit',
    });
    list.push({
      ...base,
      code: `B-UNITS-I${i}`,
      name: 'units incr',
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      qualifying: { modelLines: ml(i + 4) },
      measure: 'units',
      tiers: tiers('50', '150', '250'),
      tierMode: 'incremental',
      benefit: 'per_unit',
      capPerDealer: '20000.00',
    });
  }
  list.push({
    ...base,
    code: 'B-REV-I',
    name: 'revenue incr',
    measurementPeriod: 'program',
    payoutFrequency: 'quarter',
    measure: 'revenue',
    tiers: [
      { from: '0', value: '0.5' },
      { from: '2000000', value: '1.25' },
    ],
    tierMode: 'incremental',
    benefit: 'percent_of_revenue',
  });
  list.push({
    ...base,
    code: 'B-REV-R',
    name: 'revenue retro',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    qualifying: { modelLines: ml(9) },
    measure: 'revenue',
    tiers: [
      { from: '100000', value: '1' },
      { from: '500000', value: '2' },
    ],
    benefit: 'percent_of_revenue',
  });
  list.push({
    ...base,
    code: 'B-MSRP',
    name: 'msrp',
    measurementPeriod: 'program',
    payoutFrequency: 'month',
    qualifying: { powertrains: ['BEV'] },
    measure: 'units',
    tiers: [{ from: '1', value: '2.5' }],
    benefit: 'percent_of_msrp',
  });
  list.push({
    ...base,
    code: 'B-EV-LUMP',
    name: 'ev share',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    measure: 'ev_share',
    tiers: [
      { from: '10', value: '5000' },
      { from: '20', value: '15000' },
    ],
    benefit: 'lump_sum',
  });
  list.push({
    ...base,
    code: 'B-EV-UNIT',
    name: 'ev share unit',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    measure: 'ev_share',
    tiers: [{ from: '15', value: '75' }],
    benefit: 'per_unit',
  });
  list.push({
    ...base,
    code: 'B-GROWTH',
    name: 'growth',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    measure: 'growth',
    growthBasis: 'units',
    growthBenefitBase: 'increment',
    tiers: [
      { from: '0', value: '300' },
      { from: '10', value: '500' },
    ],
    benefit: 'per_unit',
  });
  list.push({
    ...base,
    code: 'B-GROWTH-ALL',
    name: 'growth all',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    measure: 'growth',
    growthBasis: 'revenue',
    tiers: [{ from: '5', value: '1' }],
    benefit: 'percent_of_revenue',
  });
  list.push({
    ...base,
    code: 'B-STAIR',
    name: 'stair step',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    eligibility: { requiresActiveAgreement: true },
    measure: 'agreement_attainment',
    tiers: [
      { from: '90', value: '150' },
      { from: '100', value: '300' },
    ],
    benefit: 'per_unit',
  });
  list.push({
    ...base,
    code: 'B-UNITS-P',
    name: 'units program',
    measurementPeriod: 'program',
    payoutFrequency: 'month',
    measure: 'units',
    tiers: tiers('10', '20', '30'),
    benefit: 'per_unit',
  });
  list.push({
    ...base,
    code: 'B-LUMP',
    name: 'lump',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    measure: 'units',
    tiers: [
      { from: '20', value: '1000' },
      { from: '40', value: '2500' },
    ],
    benefit: 'lump_sum',
  });
  return list;
}

export async function runIncentivesBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      runs: { type: 'string', default: '3' },
    },
  });
  const engine = values.engine as BenchEngine;
  const dealers = Number(values.dealers);
  const runs = Number(values.runs);
  const today = '2026-10-20';
  console.log(`incentives bench: ${engine}, ${dealers} dealers — ${machine()}`);
  const bench = await createBenchDatabase(engine);
  const services = createServices({
    db: bench.db,
    env: parseEnv({ NODE_ENV: 'test' }),
    today: () => today,
  });
  const t0 = Date.now();
  const seeded = await seedDemo(services, {
    seed: 41,
    dealers,
    months: 24,
    endMonth: '2026-10',
    agreementLines: 4,
    batchSize: 250_000,
    withUsers: false,
  });
  // Backfilled history arrived on its own dates (the feed stamps the wall clock otherwise).
  await bench.db.query(`update transactions set received_at = occurred_on + 1`);
  if (engine === 'postgres') await bench.db.query('vacuum analyze');
  const inYear = await bench.db.query<{ n: number }>(
    `select count(*)::int as n from transactions where occurred_on >= '2025-11-01'`,
  );
  console.log(
    `  seeded ${fmt(seeded.transactions)} transactions (${fmt(inYear.rows[0]!.n)} in the last 12 months) in ${fmt((Date.now() - t0) / 1000, 1)} s`,
  );
  const ml = await bench.db.query<{ code: string }>('select code from model_lines order by code');
  const actor = { ...SYSTEM_ACTOR, id: -7, name: 'bench author', role: 'channel_manager' as const };
  for (const p of programs(ml.rows.map((r) => r.code))) {
    await services.incentives.createProgram({ actor, data: p });
    await services.incentives.publishProgram({ actor, code: p.code as string });
  }

  const bare = await timeIt(runs, () =>
    bench.db.query(
      `select dealer_id, sku_id, kind, date_trunc('month', occurred_on) as m, sum(quantity), sum(amount), count(*) from transactions where occurred_on between '2026-01-01' and '2026-10-31' group by 1, 2, 3, 4`,
    ),
  );
  let result: unknown;
  const full = await timeIt(runs, async () => {
    result = await services.incentives.recalculateAll({ actor: SYSTEM_ACTOR });
  });
  console.log(
    `  full recalculation ${fmt(full)} ms (${JSON.stringify(result)}); bare SQL aggregation ${fmt(bare)} ms; ratio ${fmt(full / bare, 2)}`,
  );

  const sample = await bench.db.query<{ code: string }>(
    `select code from dealers where status = 'active' order by id limit 50`,
  );
  let i = 0;
  const progress = await timeIt(runs * 10, () =>
    services.incentives.getDealerIncentives({
      actor: SYSTEM_ACTOR,
      dealerCode: sample.rows[i++ % sample.rows.length]!.code,
    }),
  );
  const bareDealer = await timeIt(runs * 10, () =>
    bench.db.query(
      `select sku_id, kind, sum(quantity), sum(amount) from transactions where dealer_id = (select id from dealers where code = $1) and occurred_on >= '2026-01-01' group by 1, 2`,
      [sample.rows[i++ % sample.rows.length]!.code],
    ),
  );
  console.log(
    `  one dealer's progress (20 programs) median ${fmt(progress, 1)} ms; bare SQL of the dealer ${fmt(bareDealer, 1)} ms`,
  );

  const target = sample.rows[0]!.code;
  const sku = await bench.db.query<{ code: string }>(
    `select s.code from skus s join model_lines m on m.id = s.model_line_id where m.code = $1 limit 1`,
    [ml.rows[0]!.code],
  );
  const before = await services.incentives.getDealerIncentives({
    actor: SYSTEM_ACTOR,
    dealerCode: target,
  });
  const rows = Array.from({ length: 1000 }, (_, k) => ({
    kind: 'retail_delivery',
    dealerCode: k < 100 ? target : sample.rows[1 + (k % 49)]!.code,
    sku: sku.rows[0]!.code,
    quantity: 1,
    amount: '40000.00',
    currency: 'USD',
    occurredOn: '2026-10-19',
    source: 'bench',
    externalId: `FRESH-${k}`,
  }));
  const postStart = performance.now();
  await services.transactions.ingest({
    actor: SYSTEM_ACTOR,
    format: 'json',
    body: (async function* () {
      let r = 0;
      for (const value of rows) yield { row: ++r, value };
    })(),
    byteLimit: Infinity,
  });
  const after = await services.incentives.getDealerIncentives({
    actor: SYSTEM_ACTOR,
    dealerCode: target,
  });
  const freshMs = performance.now() - postStart;
  const unitsOf = (x: typeof before) =>
    x.programs.find((p) => p.programCode === 'B-UNITS-R0')?.measureValue;
  console.log(
    `  posted 1,000 and read progress in ${fmt(freshMs)} ms; B-UNITS-R0 measure ${unitsOf(before)} → ${unitsOf(after)}`,
  );
  const out = {
    engine,
    dealers,
    transactions: seeded.transactions,
    fullRecalcMs: full,
    bareAggregationMs: bare,
    ratio: full / bare,
    progressMedianMs: progress,
    bareDealerMs: bareDealer,
    postToProgressMs: freshMs,
    machine: machine(),
  };
  writeFileSync(
    new URL('./results/incentives.md', import.meta.url),
    `# Incentives benchmark\n\n${machine()}\n\n\`\`\`json\n${JSON.stringify(out, null, 2)}\n\`\`\`\n`,
    { flag: 'a' },
  );
  await bench.db.close();
  await bench.drop();
  return out;
}
