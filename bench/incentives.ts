/**
 * Incentives on the reference network: the full recalculation of 20 programs for every dealer,
 * one dealer's progress page data, and a posted batch reflected in progress — each next to the
 * bare SQL aggregation of the same transactions, measured in the same run.
 *
 *   npm run bench -- incentives --engine postgres --dealers 4000
 *
 * The clock is the real one (today, UTC): the demo history ends today and the posted batch is
 * dated today, so the feed's arrival stamp (now) is on time and the batch must show in progress.
 * `--reuse <database url>` runs on a database an earlier run kept (`--keep`, `--seed-only`),
 * without seeding.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import {
  createBenchDatabase,
  fmt,
  machine,
  median,
  reuseBenchDatabase,
  type BenchDatabase,
  type BenchEngine,
} from './lib';

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
export function benchPrograms(
  modelLines: string[],
  startDate: string,
  endDate: string,
): Record<string, unknown>[] {
  const base = { currency: 'USD', startDate, endDate };
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
  // Wholesale: invoices with grace days, a per-unit value finer than the cent, a percentage.
  list.push({
    ...base,
    code: 'B-INV-UNITS',
    name: 'invoice units',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    graceDays: 10,
    qualifying: { kinds: ['invoice'], modelLines: ml(2) },
    measure: 'units',
    tiers: tiers('12.345', '20.5', '33.3333'),
    benefit: 'per_unit',
  });
  list.push({
    ...base,
    code: 'B-INV-REV',
    name: 'invoice revenue',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    graceDays: 5,
    qualifying: { kinds: ['invoice'] },
    measure: 'revenue',
    tiers: [
      { from: '0', value: '0.15' },
      { from: '1000000', value: '0.35' },
    ],
    benefit: 'percent_of_revenue',
    capPerDealer: '9000.00',
  });
  return list;
}

function addMonths(month: string, n: number): string {
  const i = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

export async function runIncentivesBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      runs: { type: 'string', default: '3' },
      reuse: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'seed-only': { type: 'boolean', default: false },
    },
  });
  const engine = (values.reuse ? 'postgres' : values.engine) as BenchEngine;
  const runs = Number(values.runs);
  const today = new Date().toISOString().slice(0, 10);
  const month = today.slice(0, 7);
  // The programs run 12 months with the current month the 11th: ten closed months behind it.
  const startMonth = addMonths(month, -10);
  const startDate = `${startMonth}-01`;
  const endDate = new Date(
    Date.UTC(Number(startMonth.slice(0, 4)), Number(startMonth.slice(5, 7)) + 11, 0),
  )
    .toISOString()
    .slice(0, 10);
  const bench: Pick<BenchDatabase, 'db' | 'drop' | 'url'> = values.reuse
    ? await reuseBenchDatabase(values.reuse) // migrated first: a kept database gets new migrations
    : await createBenchDatabase(engine);
  const services = createServices({
    db: bench.db,
    env: parseEnv({ NODE_ENV: 'test' }),
    today: () => today,
  });
  let dealers = Number(values.dealers);
  let transactions: number;
  const t0 = Date.now();
  if (!values.reuse) {
    console.log(`incentives bench: ${engine}, ${dealers} dealers, today ${today} — ${machine()}`);
    const seeded = await seedDemo(services, {
      seed: 41,
      dealers,
      months: 24,
      endMonth: month,
      agreementLines: 4,
      batchSize: 250_000,
      withUsers: false,
    });
    // The history ends today; it arrived on its own dates (the feed stamps the wall clock).
    await bench.db.query(`delete from transactions where occurred_on > $1::date`, [today]);
    await bench.db.query(`delete from monthly_actuals where month = $1::date`, [`${month}-01`]);
    await bench.db.query(
      `insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
       select dealer_id, sku_id, $1::date, kind, sum(quantity), sum(amount), count(*) from transactions
       where occurred_on >= $1::date group by dealer_id, sku_id, kind`,
      [`${month}-01`],
    );
    await bench.db.query(`update transactions set received_at = least(occurred_on + 1, now())`);
    const ml = await bench.db.query<{ code: string }>('select code from model_lines order by code');
    const actor = {
      ...SYSTEM_ACTOR,
      id: -7,
      name: 'bench author',
      role: 'channel_manager' as const,
    };
    for (const p of benchPrograms(
      ml.rows.map((r) => r.code),
      startDate,
      endDate,
    )) {
      await services.incentives.createProgram({ actor, data: p });
      await services.incentives.publishProgram({ actor, code: p.code as string });
    }
    if (engine === 'postgres') await bench.db.query('vacuum analyze');
    transactions = seeded.transactions;
    console.log(`  seeded in ${fmt((Date.now() - t0) / 1000, 1)} s`);
    if (values['seed-only']) {
      await bench.db.close();
      console.log(`  kept: --reuse ${bench.url}`);
      return { url: bench.url };
    }
  } else {
    const n = await bench.db.query<{ d: number; t: number }>(
      `select (select count(*)::int from dealers) as d, (select count(*)::int from transactions) as t`,
    );
    dealers = n.rows[0]!.d;
    transactions = n.rows[0]!.t;
    console.log(`incentives bench: reusing ${dealers} dealers, today ${today} — ${machine()}`);
  }
  const counts = await bench.db.query<{ n: number; inYear: number; programs: number }>(
    `select (select count(*)::int from transactions) as n,
            (select count(*)::int from transactions where occurred_on between $1::date and $2::date) as "inYear",
            (select count(*)::int from programs where status = 'published') as programs`,
    [startDate, today],
  );
  const { inYear, programs: programCount } = counts.rows[0]!;
  console.log(
    `  ${fmt(counts.rows[0]!.n)} transactions, ${fmt(inYear)} dated ${startDate} to ${today}; ${programCount} programs`,
  );

  // The bare floor: the same transactions (the programs' dates up to today), aggregated per
  // dealer × SKU × kind × month and read by the client.
  // With the session settings the recalculation's large reads use (no JIT, 64 MB work_mem).
  const bare = await timeIt(runs, () =>
    bench.db.transaction(async (tx) => {
      await tx.query(`set local jit = off`);
      await tx.query(`set local work_mem = '64MB'`);
      return tx.query(
        `select dealer_id, sku_id, kind, date_trunc('month', occurred_on) as m, sum(quantity), sum(amount), count(*)
         from transactions where occurred_on between $1::date and $2::date group by 1, 2, 3, 4`,
        [startDate, today],
      );
    }),
  );
  let result: Awaited<ReturnType<typeof services.incentives.recalculateAll>> | undefined;
  const full = await timeIt(runs, async () => {
    result = await services.incentives.recalculateAll({ actor: SYSTEM_ACTOR });
  });
  console.log(
    `  full recalculation ${fmt(full)} ms (${JSON.stringify(result)}); bare SQL aggregation ${fmt(bare)} ms; ratio ${fmt(full / bare, 2)}`,
  );
  // Every settlement period that has started (all windows to date), once.
  let resultAll: typeof result;
  const fullAll = await timeIt(1, async () => {
    resultAll = await services.incentives.recalculateAll({ actor: SYSTEM_ACTOR, periods: 'all' });
  });
  console.log(`  every period to date ${fmt(fullAll)} ms (${JSON.stringify(resultAll)})`);

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
      `select sku_id, kind, sum(quantity), sum(amount) from transactions
       where dealer_id = (select id from dealers where code = $1) and occurred_on between $2::date and $3::date group by 1, 2`,
      [sample.rows[i++ % sample.rows.length]!.code, startDate, today],
    ),
  );
  console.log(
    `  one dealer's progress (${programCount} programs) median ${fmt(progress, 1)} ms; bare SQL of the dealer ${fmt(bareDealer, 1)} ms`,
  );

  // The finance accruals page of a monthly program and of a program-long incremental one
  // (every period to date, and the run-rate projection for every dealer). One run each.
  const accrualsMs: Record<string, number> = {};
  for (const code of ['B-UNITS-R0', 'B-REV-I']) {
    const t0 = performance.now();
    await services.incentives.getAccruals({ actor: SYSTEM_ACTOR, code });
    accrualsMs[code] = performance.now() - t0;
  }
  console.log(
    `  accruals: ${Object.entries(accrualsMs)
      .map(([code, ms]) => `${code} ${fmt(ms)} ms`)
      .join(', ')}`,
  );

  // A posted batch: 1,000 retail deliveries dated today (100 to one dealer, 900 to 49 others),
  // stamped on arrival by the feed (now), then the progress of the affected dealers is read.
  const ml0 = await bench.db.query<{ code: string }>(
    'select code from model_lines order by code limit 1',
  );
  const sku = await bench.db.query<{ code: string }>(
    `select s.code from skus s join model_lines m on m.id = s.model_line_id where m.code = $1 order by s.code limit 1`,
    [ml0.rows[0]!.code],
  );
  const affected = sample.rows.map((r) => r.code);
  const unitsOf = (x: { programs: { programCode: string; measureValue: string | null }[] }) =>
    Number(x.programs.find((p) => p.programCode === 'B-UNITS-R0')?.measureValue ?? 0);
  const before = new Map<string, number>();
  for (const code of affected) {
    before.set(
      code,
      unitsOf(
        await services.incentives.getDealerIncentives({ actor: SYSTEM_ACTOR, dealerCode: code }),
      ),
    );
  }
  const expected = new Map<string, number>();
  const stamp = Date.now();
  const rows = Array.from({ length: 1000 }, (_, k) => {
    const dealerCode = k < 100 ? affected[0]! : affected[1 + (k % 49)]!;
    expected.set(dealerCode, (expected.get(dealerCode) ?? 0) + 1);
    return {
      kind: 'retail_delivery',
      dealerCode,
      sku: sku.rows[0]!.code,
      quantity: 1,
      amount: '40000.00',
      currency: 'USD',
      occurredOn: today,
      source: 'bench',
      externalId: `FRESH-${stamp}-${k}`,
    };
  });
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
  const postMs = performance.now() - postStart;
  const first = await services.incentives.getDealerIncentives({
    actor: SYSTEM_ACTOR,
    dealerCode: affected[0]!,
  });
  const firstMs = performance.now() - postStart;
  let reflected = unitsOf(first) - before.get(affected[0]!)! === expected.get(affected[0]!) ? 1 : 0;
  for (const code of affected.slice(1)) {
    const after = await services.incentives.getDealerIncentives({
      actor: SYSTEM_ACTOR,
      dealerCode: code,
    });
    if (unitsOf(after) - before.get(code)! === expected.get(code)) reflected++;
  }
  const allMs = performance.now() - postStart;
  console.log(
    `  posted 1,000 in ${fmt(postMs)} ms; first affected dealer's progress read ${fmt(firstMs)} ms after the post began ` +
      `(B-UNITS-R0 ${before.get(affected[0]!)} → ${unitsOf(first)}); all ${affected.length} affected dealers read by ${fmt(allMs)} ms, ` +
      `${reflected}/${affected.length} show exactly their posted units`,
  );
  const out = {
    engine,
    dealers,
    today,
    programs: programCount,
    transactions,
    transactionsInPrograms: inYear,
    fullRecalc: result,
    fullRecalcMs: full,
    allPeriods: resultAll,
    allPeriodsMs: fullAll,
    bareAggregationMs: bare,
    ratio: full / bare,
    progressMedianMs: progress,
    bareDealerMs: bareDealer,
    accrualsMs,
    postMs,
    postToFirstProgressMs: firstMs,
    postToAllAffectedProgressMs: allMs,
    affectedDealersReflected: `${reflected}/${affected.length}`,
    machine: machine(),
  };
  writeFileSync(
    new URL('./results/incentives.md', import.meta.url),
    `\n${new Date().toISOString()}, ${machine()}\n\n\`\`\`json\n${JSON.stringify(out, null, 2)}\n\`\`\`\n`,
    { flag: 'a' },
  );
  await bench.db.close();
  if (!values.keep && !values.reuse) await bench.drop();
  else console.log(`  kept: --reuse ${bench.url}`);
  return out;
}
