/**
 * Agreements on the reference network: the OEM's network table, one agreement's progress, and how
 * fast a posted batch shows in progress — each next to the bare SQL aggregate of the same data.
 *
 *   npm run bench -- agreements --engine postgres --dealers 4000 --lines 30
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import {
  createBenchDatabase,
  fmt,
  machine,
  median,
  reuseBenchDatabase,
  startServer,
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

export async function runAgreementsBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      lines: { type: 'string', default: '30' },
      runs: { type: 'string', default: '15' },
      // keep the seeded database (its URL is printed) / measure an already seeded one
      keep: { type: 'boolean', default: false },
      database: { type: 'string' },
    },
  });
  const engine = values.engine as BenchEngine;
  const runs = Number(values.runs);
  const options = {
    seed: 31,
    dealers: Number(values.dealers),
    months: 36,
    endMonth: '2026-10',
    agreementLines: Number(values.lines),
    batchSize: 250_000,
  };
  console.log(
    `agreements bench: ${engine}, ${options.dealers} dealers, ${options.agreementLines} lines — ${machine()}`,
  );
  const bench = values.database
    ? await reuseBenchDatabase(values.database)
    : await createBenchDatabase(engine);
  const env = parseEnv({ NODE_ENV: 'test' });
  const today = '2026-11-15';
  const services = createServices({ db: bench.db, env, today: () => today });
  const t0 = Date.now();
  const seeded = values.database
    ? (
        await bench.db.query<{ transactions: number; agreements: number }>(
          'select (select count(*)::int from transactions) as transactions, (select count(*)::int from agreements) as agreements',
        )
      ).rows[0]!
    : await seedDemo(services, {
        ...options,
        withUsers: true,
        onProgress: ({ rows }) => process.stderr.write(`\r  ${fmt(rows)} transactions`),
      });
  process.stderr.write('\n');
  console.log(
    `  ${values.database ? 'reused' : 'seeded'} ${fmt(seeded.transactions)} transactions and ${fmt(seeded.agreements)} agreements in ${fmt((Date.now() - t0) / 1000, 1)} s${values.keep ? ` (kept: ${bench.url})` : ''}`,
  );
  const stats = await bench.db.query<{ lines: number; cells: number }>(
    'select (select count(*)::int from agreement_lines) as lines, (select count(*)::int from agreement_line_actuals) as cells',
  );
  console.log(
    `  ${fmt(stats.rows[0]!.lines)} agreement lines, ${fmt(stats.rows[0]!.cells)} line × period actual cells`,
  );
  const key = await services.accounts.createApiKey({
    actor: SYSTEM_ACTOR,
    data: {
      name: 'bench',
      role: 'oem_admin',
      regionCode: null,
      dealerCode: null,
      dealerGroupCode: null,
    },
  });
  const sample = await bench.db.query<{ id: number; dealer: string }>(
    `select a.id, d.code as dealer from agreements a join dealers d on d.id = a.dealer_id order by a.id limit 200`,
  );
  if (engine === 'postgres') await bench.db.query('vacuum analyze');
  if (engine === 'pglite') await bench.db.close();
  const server = await startServer({
    databaseUrl: bench.url,
    dataDir: bench.dataDir,
    port: 3960,
    extraEnv: {},
  });
  const headers = { authorization: `Bearer ${key.key}` };
  const get = async (path: string) => {
    const res = await fetch(server.url + path, { headers });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await get('/api/v1/agreements?limit=50');
  const networkTable = await timeIt(runs, () => get('/api/v1/agreements?limit=50&sort=attainment'));
  const rollupRegion = await timeIt(runs, () => get('/api/v1/agreements/rollup?by=region'));
  const rollupModelLine = await timeIt(runs, () => get('/api/v1/agreements/rollup?by=model_line'));
  let i = 0;
  const progress = await timeIt(runs * 4, () =>
    get(`/api/v1/agreements/${sample.rows[i++ % sample.rows.length]!.id}/progress`),
  );

  // bare SQL in the same run: the same aggregates straight from the tables
  const db = engine === 'pglite' ? null : await bench.reopen();
  let bareTable = NaN;
  let bareRaw = NaN;
  let bareProgress = NaN;
  if (db) {
    bareTable = await timeIt(runs, () =>
      db.query(
        `select a.id, a.planned_by_period, (select sum(p.quantity) from agreement_period_actuals p where p.agreement_id = a.id) from agreements a`,
      ),
    );
    bareRaw = await timeIt(3, () =>
      db.query(
        `select ls.agreement_id, sum(m.quantity) from agreements a join agreement_line_skus ls on ls.agreement_id = a.id join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = ls.sku_id and m.kind = any(a.counted_kinds) and m.month >= a.start_month and m.month < (a.start_month + make_interval(months => a.months))::date group by 1`,
      ),
    );
    let j = 0;
    bareProgress = await timeIt(runs * 4, () =>
      db.query(
        `select line_no, period_index, quantity, revenue from agreement_line_actuals where agreement_id = $1`,
        [sample.rows[j++ % sample.rows.length]!.id],
      ),
    );
  }

  // freshness: a batch of 1,000 sales for dealers with agreements, then read progress right away
  const target = sample.rows[0]!;
  const skus = await (db ?? bench.db).query<{ code: string }>(
    `select s.code from agreement_line_skus ls join skus s on s.id = ls.sku_id where ls.agreement_id = $1 limit 1`,
    [target.id],
  );
  const before = (await get(`/api/v1/agreements/${target.id}/progress`)) as {
    totals: { termToDate: { actualQuantity: number } };
  };
  const rows = Array.from({ length: 1000 }, (_, k) => ({
    kind: 'retail_delivery',
    dealerCode: k < 100 ? target.dealer : sample.rows[1 + (k % (sample.rows.length - 1))]!.dealer,
    sku: skus.rows[0]!.code,
    quantity: 1,
    amount: '40000.00',
    currency: 'USD',
    occurredOn: '2026-11-10',
    source: 'bench',
    externalId: `FRESH-${t0}-${k}`,
  }));
  const postStart = performance.now();
  const post = await fetch(`${server.url}/api/v1/transactions`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(rows),
  });
  const postMs = performance.now() - postStart;
  const readStart = performance.now();
  const after = (await get(`/api/v1/agreements/${target.id}/progress`)) as {
    totals: { termToDate: { actualQuantity: number } };
  };
  const readMs = performance.now() - readStart;
  const reflected =
    after.totals.termToDate.actualQuantity - before.totals.termToDate.actualQuantity;
  await server.stop();
  await db?.close();
  if (engine === 'postgres') await bench.db.close();
  if (!values.keep && !values.database) await bench.drop();
  const result = {
    bench: 'agreements',
    engine,
    machine: machine(),
    dealers: options.dealers,
    transactions: seeded.transactions,
    agreements: seeded.agreements,
    networkTableMedianMs: Number(networkTable.toFixed(1)),
    rollupByRegionMedianMs: Number(rollupRegion.toFixed(1)),
    rollupByModelLineMedianMs: Number(rollupModelLine.toFixed(1)),
    bareTableSqlMedianMs: Number(bareTable.toFixed(1)),
    bareRawAggregateMedianMs: Number(bareRaw.toFixed(1)),
    progressMedianMs: Number(progress.toFixed(1)),
    bareProgressSqlMedianMs: Number(bareProgress.toFixed(2)),
    freshness: {
      postStatus: post.status,
      postMs: Math.round(postMs),
      firstReadAfterPostMs: Math.round(readMs),
      reflectedUnits: reflected,
      expectedUnits: 100,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}
