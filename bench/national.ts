/**
 * The national network on one PostgreSQL server (issue 18 §1): 18,000 dealers × 36 months at the
 * US franchised average of ~940 retail deliveries a dealer a year (~50M transactions in the feed's
 * table), 40 model lines, 160 SKUs, an agreement per selling dealer, the incentive bench's
 * 20 programs and a forecast cycle — and its figures, each next to its bare floor in the same run.
 *
 *   npm run bench -- national --keep                       # seed, measure, keep the database
 *   npm run bench -- national --seed-only                  # seed and keep, measure later
 *   npm run bench -- national --database <url>             # measure a kept database
 *   options: --dealers 18000 --per-dealer-year 940 --lines 30 --runs 3 --seconds 20
 *            --connections 100 --ingest-rows 1000000 --port 3970 (the measured API server's)
 *            --parts size,incentives,forecast,agreements,network,home,ingest (home-three: the home's three requests)
 *
 * The clock: history runs to November 2026; the incentive programs run the calendar year 2026 and
 * the services measure as of 2026-11-30 (the current period holds data, as in the incentives
 * bench); the forecast cycle is November's, so its accuracy is measured on November's actuals.
 * The HTTP parts use a server process on the real clock.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { openPostgres } from '../src/server/db/postgres';
import { parseEnv } from '../src/server/env';
import { csvField } from '../src/server/db/db';
import { seedAgreements } from '../src/server/modules/agreements/agreements.seed';
import { generateNetwork, generateTransactionBatches } from '../src/server/modules/demo/generator';
import { loadNetwork } from '../src/server/modules/demo/seed';
import { STAGING_COLUMNS } from '../src/server/modules/transactions/transactions.repository';
import { createServices } from '../src/server/services';
import { spawnBaselineJob } from './baseline-job';
import { benchPrograms } from './incentives';
import { createBenchDatabase, dropDatabase, fmt, machine, median } from './lib';
import { measureOverHttp, type NationalOptions } from './national-http';
import { createRecorder, type Recorder } from './national-record';

export const NATIONAL_TODAY = '2026-11-30';
export const NATIONAL_END_MONTH = '2026-11';
const CYCLE_MONTH = '2026-11';
const log = (m: string) => console.log(`[national] ${m}`);

export async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Peak RSS of this process while `fn` runs. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const value = await fn();
    return { value, peak: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Seeds the national network. The ~50M rows of history go in with COPY into the feed's table (as
 * the feed's COPY path leaves them: one batch, received on the day of the sale) and are rolled up
 * by one grouped insert; through the feed's API they would take hours on two cores (its rate is
 * measured on its own, by the ingest part). The rest is the demo seed's own code: agreements (up to
 * `lines` lines) and the incentive bench's 20 programs. The issue's national network has no
 * vehicle pipeline or consents, so neither is seeded.
 */
async function seedNational(options: NationalOptions): Promise<string> {
  const bench = await createBenchDatabase('postgres');
  const { db } = bench;
  const services = createServices({
    db,
    env: parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    today: () => NATIONAL_TODAY,
  });
  const started = Date.now();
  const demo = {
    seed: options.seed,
    dealers: options.dealers,
    months: 36,
    endMonth: NATIONAL_END_MONTH,
    deliveriesPerDealerYear: options.perDealerYear,
  };
  const network = generateNetwork(demo);
  await loadNetwork(db, network);
  const ids = await db.query<{ kind: string; id: number; code: string }>(
    `select 'd' as kind, id, code from dealers union all select 's', id, code from skus`,
  );
  const dealerId = new Map(ids.rows.filter((r) => r.kind === 'd').map((r) => [r.code, r.id]));
  const skuId = new Map(ids.rows.filter((r) => r.kind === 's').map((r) => [r.code, r.id]));
  const batch = await db.query<{ id: number }>(
    `insert into ingest_batches (actor, format, row_count, inserted, duplicates, id_floor, rolled_up_at)
     values ('national bench seed', 'csv', 0, 0, 0, 0, now()) returning id`,
  );
  const batchId = batch.rows[0]!.id;
  // a bulk load: the feed table's secondary indexes and unique keys are dropped for the COPY and
  // rebuilt by sorting afterwards (random inserts into the VIN and key indexes of a table far
  // larger than shared_buffers fell to ~40k rows/s)
  const indexes = await db.query<{ name: string; def: string; constraint: string | null }>(
    `select i.indexname as name, i.indexdef as def,
            (select pg_get_constraintdef(c.oid) from pg_constraint c where c.conindid = (quote_ident(i.indexname))::regclass) as constraint
     from pg_indexes i where i.schemaname = 'public' and i.tablename = 'transactions'
       and i.indexname not in (select conname from pg_constraint where contype = 'p')`,
  );
  for (const ix of indexes.rows)
    await db.query(
      ix.constraint
        ? `alter table transactions drop constraint ${ix.name}`
        : `drop index ${ix.name}`,
    );
  let rows = 0;
  let shown = 0;
  // generating the next chunk (this process) overlaps the COPY of the last one (the server)
  let copying: Promise<void> = Promise.resolve();
  for (const chunk of generateTransactionBatches(network, demo, 200_000)) {
    const csv = chunk
      .map(
        (t) =>
          `${t.kind},${dealerId.get(t.dealerCode)},${skuId.get(t.sku)},${t.vin ?? ''},${t.quantity},${t.amount},${t.currency},${t.occurredOn},${t.source},${csvField(t.externalId)},${batchId},${t.occurredOn}\n`,
      )
      .join('');
    await copying;
    copying = db.copyFrom(
      `copy transactions (${STAGING_COLUMNS}, batch_id, received_at) from stdin with (format csv)`,
      [csv],
    );
    rows += chunk.length;
    if (rows - shown >= 5_000_000) {
      shown = rows;
      const s = (Date.now() - started) / 1000;
      log(
        `  ${fmt(rows)} transactions in ${fmt(s)} s (${fmt(rows / s)}/s), load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  }
  await copying;
  log(
    `copied ${fmt(rows)} transactions in ${fmt((Date.now() - started) / 1000)} s; rebuilding ${indexes.rows.length} indexes`,
  );
  await db.query(`set maintenance_work_mem = '2GB'`);
  for (const ix of indexes.rows)
    await db.query(
      ix.constraint
        ? `alter table transactions add constraint ${ix.name} ${ix.constraint}`
        : ix.def,
    );
  await db.query(`update ingest_batches set row_count = $2, inserted = $2 where id = $1`, [
    batchId,
    rows,
  ]);
  log(`indexes rebuilt at ${fmt((Date.now() - started) / 1000)} s; rolling up`);
  await db.query(
    `insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
     select dealer_id, sku_id, date_trunc('month', occurred_on)::date, kind, sum(quantity), sum(amount), count(*)
     from transactions group by 1, 2, 3, 4`,
  );
  await db.query('analyze');
  const agreements = await seedAgreements(db, { today: NATIONAL_TODAY, maxLines: options.lines });
  log(`rolled up; ${fmt(agreements)} agreements at ${fmt((Date.now() - started) / 1000)} s`);
  const lines = await db.query<{ code: string }>('select code from model_lines order by code');
  const actor = { ...SYSTEM_ACTOR, id: -7, name: 'bench author', role: 'channel_manager' as const };
  for (const p of benchPrograms(
    lines.rows.map((r) => r.code),
    '2026-01-01',
    '2026-12-31',
  )) {
    await services.incentives.createProgram({ actor, data: p });
    await services.incentives.publishProgram({ actor, code: p.code as string });
  }
  await db.query('vacuum analyze');
  log(`seeded in ${fmt((Date.now() - started) / 1000)} s in all (agreements, 20 programs, vacuum)`);
  await services.jobs.stopWorkers();
  await db.close();
  return bench.url!;
}

async function sizeOf(db: Db) {
  const totals = await db.query<{
    bytes: string;
    dealers: number;
    transactions: string;
    agreements: number;
    lines: number;
    programs: number;
  }>(
    `select pg_database_size(current_database())::text as bytes,
            (select count(*)::int from dealers) as dealers,
            (select count(*)::text from transactions) as transactions,
            (select count(*)::int from agreements) as agreements,
            (select count(*)::int from agreement_lines) as lines,
            (select count(*)::int from programs where status = 'published') as programs`,
  );
  const top = await db.query<{ name: string; bytes: string }>(
    `select c.relname as name, pg_total_relation_size(c.oid)::text as bytes from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') order by pg_total_relation_size(c.oid) desc limit 8`,
  );
  const t = totals.rows[0]!;
  return {
    databaseGiB: Number((Number(t.bytes) / 2 ** 30).toFixed(2)),
    dealers: t.dealers,
    transactions: Number(t.transactions),
    agreements: t.agreements,
    agreementLines: t.lines,
    programs: t.programs,
    largestTablesMiB: Object.fromEntries(
      top.rows.map((r) => [r.name, Math.round(Number(r.bytes) / 2 ** 20)]),
    ),
  };
}

async function measureIncentives(db: Db, runs: number, rec: Recorder) {
  const services = createServices({
    db,
    env: parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    today: () => NATIONAL_TODAY,
  });
  // the bare floors, with the session settings the recalculation's large reads use: the
  // programs' year to date aggregated per dealer × SKU × kind × month and read by the client,
  // from the raw feed and from the monthly roll-up (what the recalculation reads for programs
  // whose rules allow it; statements.repository.ts)
  const bareRead = (sql: string) => () =>
    db.transaction(async (tx) => {
      await tx.query(`set local jit = off`);
      await tx.query(`set local work_mem = '64MB'`);
      return tx.query(sql, [NATIONAL_TODAY]);
    });
  const bare = await timeIt(
    runs,
    bareRead(
      `select dealer_id, sku_id, kind, date_trunc('month', occurred_on) as m, sum(quantity), sum(amount), count(*)
       from transactions where occurred_on between '2026-01-01' and $1::date group by 1, 2, 3, 4`,
    ),
  );
  rec.record('incentives.bareAggregationMs', bare.map(Math.round));
  const bareRollUp = await timeIt(
    runs,
    bareRead(
      `select dealer_id, sku_id, kind, month, quantity, amount, row_count
       from monthly_actuals where month between '2026-01-01' and $1::date`,
    ),
  );
  rec.record('incentives.bareRollUpReadMs', bareRollUp.map(Math.round));
  let summary: unknown;
  const full: number[] = [];
  const { peak } = await withPeakRss(async () => {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      summary = await services.incentives.recalculateAll({ actor: SYSTEM_ACTOR });
      full.push(performance.now() - t0);
      rec.record('incentives.fullRecalcMs', full.map(Math.round));
    }
  });
  await services.jobs.stopWorkers();
  const result = {
    fullRecalcMs: full.map(Math.round),
    fullRecalcMedianMs: Math.round(median(full)),
    bareAggregationMedianMs: Math.round(median(bare)),
    ratioToBare: Number((median(full) / median(bare)).toFixed(2)),
    bareRollUpReadMedianMs: Math.round(median(bareRollUp)),
    processPeakRssMiB: Math.round(peak / 2 ** 20),
    summary,
  };
  rec.record('incentives', result);
  log(
    `incentives: full recalculation ${fmt(result.fullRecalcMedianMs)} ms (bare ${fmt(result.bareAggregationMedianMs)} ms, ×${result.ratioToBare}; roll-up read ${fmt(result.bareRollUpReadMedianMs)} ms)`,
  );
  return result;
}

/** Removes an earlier run's cycle of the month (and every row keyed by it), then runs the job. */
async function measureForecast(db: Db, url: string) {
  const old = await db.query<{ id: number }>(
    `select id from forecast_cycles where cycle_month = $1::date`,
    [`${CYCLE_MONTH}-01`],
  );
  if (old.rows.length > 0) {
    const ids = old.rows.map((r) => r.id);
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'cycle_id'
       and table_name not in (select table_name from information_schema.views where table_schema = 'public')`,
    );
    for (let pass = 0; pass < 3; pass++)
      for (const { table_name } of tables.rows)
        await db
          .query(`delete from ${table_name} where cycle_id = any($1::int[])`, [ids])
          .catch(() => undefined);
    await db.query(`delete from forecast_cycles where id = any($1::int[])`, [ids]);
  }
  log('forecast: running the baseline job in a child process');
  const report = await spawnBaselineJob(url, {
    cycleMonth: CYCLE_MONTH,
    today: '2026-11-03',
    historyMonths: 36,
    horizon: 18,
  });
  // lock it, so its accuracy can be measured against November's actuals
  const services = createServices({
    db,
    env: parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    today: () => '2026-11-25',
  });
  await services.forecasts.transition({
    actor: SYSTEM_ACTOR,
    id: report.cycleId,
    transition: 'lock',
  });
  await services.jobs.stopWorkers();
  const series = await db.query<{ n: number }>(
    `select count(*)::int as n from (select distinct dealer_id, model_line_id from forecast_cells where cycle_id = $1) s`,
    [report.cycleId],
  );
  const result = {
    cycleId: report.cycleId,
    series: series.rows[0]!.n,
    cells: report.cells,
    jobSeconds: Number((report.ms / 1000).toFixed(1)),
    jobPeakRssMiB: Math.round(report.rssPeak / 2 ** 20),
    phases: report.phases.map((p) => `${(p.atMs / 1000).toFixed(1)} s ${p.message}`),
    methods: report.methods,
  };
  log(
    `forecast: ${fmt(result.series)} series, ${fmt(result.cells)} cells in ${result.jobSeconds} s, peak ${fmt(result.jobPeakRssMiB)} MiB`,
  );
  return result;
}

export async function runNationalBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dealers: { type: 'string', default: '18000' },
      'per-dealer-year': { type: 'string', default: '940' },
      lines: { type: 'string', default: '30' },
      seed: { type: 'string', default: '61' },
      runs: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '100' },
      'ingest-rows': { type: 'string', default: '1000000' },
      port: { type: 'string', default: '3970' },
      parts: { type: 'string', default: 'size,incentives,forecast,agreements,network,home,ingest' },
      keep: { type: 'boolean', default: false },
      'seed-only': { type: 'boolean', default: false },
      database: { type: 'string' },
    },
  });
  const options: NationalOptions = {
    dealers: Number(values.dealers),
    perDealerYear: Number(values['per-dealer-year']),
    lines: Number(values.lines),
    seed: Number(values.seed),
    runs: Number(values.runs),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    ingestRows: Number(values['ingest-rows']),
    port: Number(values.port),
  };
  log(
    `${machine()}; load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')}`,
  );
  const url = values.database ?? (await seedNational(options));
  if (values['seed-only']) {
    log(`kept: --database ${url}`);
    return { url };
  }
  const parts = new Set(values.parts!.split(','));
  const db = await openPostgres(url, 8);
  const rec = createRecorder({
    bench: 'national',
    machine: machine(),
    loadAtStart: loadavg(),
    startedAt: new Date().toISOString(),
    parts: [...parts],
    options,
  });
  log(`figures are saved as they are measured to ${rec.file}`);
  const result = rec.result;
  // a part that fails is recorded (failed.<part>) and the run goes on with the next
  const guard = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      const e = error as Error;
      rec.record(
        `failed.${name}`,
        `${e.stack ?? String(e)}${e.cause ? `\ncause: ${String(e.cause)}` : ''}`,
      );
    }
  };
  if (parts.has('size')) await guard('size', async () => rec.record('size', await sizeOf(db)));
  if (parts.has('incentives'))
    await guard('incentives', () => measureIncentives(db, options.runs, rec));
  if (parts.has('forecast'))
    await guard('forecast', async () => rec.record('forecast', await measureForecast(db, url)));
  await measureOverHttp(db, url, options, parts, rec, guard);
  rec.record('loadAtEnd', loadavg());
  await db.close();
  if (!values.database && !values.keep) await dropDatabase(url);
  else log(`kept: --database ${url}`);
  console.log(JSON.stringify(result, null, 2));
  return result;
}
