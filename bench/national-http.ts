/**
 * The national bench's parts that go through a server process (bench/national.ts): the OEM's
 * agreements table, the network's roll-ups, accuracy and exports, the dealer home under 100
 * connections, and a further 1M rows through the feed (bench/national-ingest.ts) — each next to
 * its bare floor in the same run.
 */
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { hashPassword } from '../src/server/modules/auth/auth.service';
import { createAccountsService } from '../src/server/modules/accounts/accounts.service';
import { fmt, loadTest, median, percentile, sampleRss, startServer } from './lib';
import { measureIngest } from './national-ingest';
import type { Recorder } from './national-record';

export type NationalOptions = {
  dealers: number;
  perDealerYear: number;
  lines: number;
  seed: number;
  runs: number;
  seconds: number;
  connections: number;
  /** rows of the ingest figure (1M) */
  ingestRows: number;
  /** the measured API server's port */
  port: number;
};

const log = (m: string) => console.log(`[national] ${m}`);

async function times(runs: number, fn: () => Promise<unknown>) {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    all.push(performance.now() - t0);
  }
  return { medianMs: Number(median(all).toFixed(1)), maxMs: Number(Math.max(...all).toFixed(1)) };
}

/** A figure and its floor: the service's median, the bare SQL's median, and their ratio. */
async function pair(runs: number, service: () => Promise<unknown>, bare: () => Promise<unknown>) {
  await service(); // warm
  const s = await times(runs, service);
  const b = await times(runs, bare);
  return {
    ...s,
    bareMedianMs: b.medianMs,
    ratioToBare: Number((s.medianMs / b.medianMs).toFixed(2)),
  };
}

async function drain(res: Response): Promise<number> {
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return bytes;
}

async function drainCopy(db: Db, sql: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of db.copyTo(sql)) bytes += chunk.length;
  return bytes;
}

export async function measureOverHttp(
  db: Db,
  url: string,
  options: NationalOptions,
  parts: Set<string>,
  rec: Recorder,
  guard: (part: string, fn: () => Promise<unknown>) => Promise<void>,
) {
  if (!['agreements', 'network', 'home', 'home-three', 'ingest'].some((p) => parts.has(p))) return;
  const key = await createAccountsService({ db }).createApiKey({
    actor: SYSTEM_ACTOR,
    data: {
      name: 'national bench',
      role: 'oem_admin',
      regionCode: null,
      dealerCode: null,
      dealerGroupCode: null,
    },
  });
  const server = await startServer({ databaseUrl: url, port: options.port });
  const rss = sampleRss(server.pid);
  const headers = { authorization: `Bearer ${key.key}` };
  const fetchOk = async (path: string) => {
    // a request the loaded machine drops before an answer (undici's "fetch failed") is sent once more
    const res = await fetch(server.url + path, { headers }).catch((error: Error) => {
      log(`${path}: ${error.message} (${String(error.cause)}); once more`);
      return fetch(server.url + path, { headers });
    });
    if (res.status !== 200)
      throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const get = async (path: string) => drain(await fetchOk(path));
  const getText = async (path: string) => (await fetchOk(path)).text();
  const runs = options.runs;
  try {
    if (parts.has('agreements'))
      await guard('agreements', async () => {
        const figure = await pair(
          runs * 3,
          () => get('/api/v1/agreements?limit=50&sort=attainment'),
          () =>
            db.query(
              `select a.id, a.planned_by_period, (select sum(p.quantity) from agreement_period_actuals p where p.agreement_id = a.id) from agreements a`,
            ),
        );
        rec.record('agreementsTable', figure);
      });
    if (parts.has('network')) {
      const cycle = await db.query<{ id: number }>(
        `select id from forecast_cycles where status in ('locked', 'published') order by cycle_month desc limit 1`,
      );
      const cycleId = cycle.rows[0]?.id;
      /** Measures one network figure and saves it at once; a failure is saved and skipped. */
      const figure = (name: string, fn: () => Promise<unknown>) =>
        guard(`network.${name}`, async () => rec.record(`network.${name}`, await fn()));
      await figure('actualsByRegion', () =>
        pair(
          runs,
          () => get('/api/v1/actuals/regions?from=2025-12&to=2026-11'),
          () =>
            db.query(
              `select d.region_id, m.month, sum(m.quantity), sum(m.amount) from monthly_actuals m join dealers d on d.id = m.dealer_id where m.month between '2025-12-01' and '2026-11-01' group by 1, 2`,
            ),
        ),
      );
      await figure('agreementsRollupByRegion', () =>
        pair(
          runs,
          () => get('/api/v1/agreements/rollup?by=region'),
          () =>
            db.query(
              `select d.region_id, sum(p.quantity), sum(p.revenue) from agreement_period_actuals p join agreements a on a.id = p.agreement_id join dealers d on d.id = a.dealer_id group by 1`,
            ),
        ),
      );
      await figure('agreementsExport', () =>
        pair(
          runs,
          () => get('/api/v1/agreements/export'),
          () =>
            drainCopy(
              db,
              `copy (select a.*, (select sum(p.quantity) from agreement_period_actuals p where p.agreement_id = a.id) from agreements a) to stdout with (format csv)`,
            ),
        ),
      );
      await figure('transactionsExportOneMonth', () =>
        pair(
          Math.min(runs, 2),
          () => get('/api/v1/transactions/export?from=2026-11-01&to=2026-11-30'),
          () =>
            drainCopy(
              db,
              `copy (select t.kind, d.code, s.code, t.vin, t.quantity, t.amount, t.currency, t.occurred_on, t.source, t.external_id from transactions t join dealers d on d.id = t.dealer_id join skus s on s.id = t.sku_id where t.occurred_on between '2026-11-01' and '2026-11-30') to stdout with (format csv)`,
            ),
        ),
      );
      if (cycleId !== undefined) {
        await figure('forecastRollup', () =>
          pair(
            runs,
            () => get(`/api/v1/forecasts/cycles/${cycleId}/rollup`),
            () =>
              db.query(
                `select region_id, model_line_id, target_month, sum(baseline) from forecast_cells where cycle_id = $1 group by 1, 2, 3`,
                [cycleId],
              ),
          ),
        );
      }
      await figure('forecastAccuracy', () => measureAccuracy(db, getText, runs));
    }
    if (parts.has('home'))
      await guard('home', async () =>
        rec.record('dealerHome', await measureDealerHome(db, server.url, options, 'one')),
      );
    // the home as it was read before GET /dealers/{code}/home: three requests
    if (parts.has('home-three'))
      await guard('home-three', async () =>
        rec.record(
          'dealerHomeThreeRequests',
          await measureDealerHome(db, server.url, options, 'three'),
        ),
      );
  } finally {
    rec.record('serverPeakRssMiB', Math.round(rss.stop() / 2 ** 20));
    await server.stop();
  }
  if (parts.has('ingest'))
    await guard('ingest', async () =>
      rec.record('ingest', await measureIngest(db, url, options, key.key, rec)),
    );
}

/**
 * The network's forecast accuracy (`GET /forecasts/accuracy?by=region`: every locked or published
 * cycle's cells against the net sales of each month through the last complete one), next to its
 * bare SQL in the same run: the same cells joined to the roll-up's net sales per dealer × model
 * line × month, grouped by region, through the month the endpoint answered for. With no locked
 * cycle (the national seed has none: `--parts forecast` runs the baseline job and locks its cycle)
 * the figure says so instead of being left out.
 */
async function measureAccuracy(db: Db, get: (path: string) => Promise<string>, runs: number) {
  const cycles = await db.query<{ id: number; from: string }>(
    `select id, cycle_month::text as "from" from forecast_cycles where status in ('locked', 'published')`,
  );
  if (cycles.rows.length === 0)
    return { skipped: 'no locked or published forecast cycle: run with --parts forecast first' };
  let answer: { throughMonth: string | null; cells: number; actual: number } | undefined;
  const path = '/api/v1/forecasts/accuracy?by=region';
  const service = async () => {
    answer = JSON.parse(await get(path)) as typeof answer;
  };
  await service();
  if (!answer?.throughMonth) return { skipped: 'no complete month of actuals after the cycles' };
  const ids = cycles.rows.map((c) => c.id);
  const from = cycles.rows.map((c) => c.from).sort()[0]!;
  const through = `${answer.throughMonth}-01`;
  const bare = () =>
    db.query(
      `select c.region_id, count(*), sum(coalesce(a.q, 0)), sum(abs(coalesce(a.q, 0) - c.baseline)),
              sum(abs(coalesce(a.q, 0) - c.consensus))
       from forecast_cells c
       left join (select m.dealer_id, s.model_line_id, m.month, sum(m.quantity) as q
                  from monthly_actuals m join skus s on s.id = m.sku_id
                  where m.kind in ('retail_delivery', 'unwind') and m.month between $2::date and $3::date
                  group by 1, 2, 3) a
         on a.dealer_id = c.dealer_id and a.model_line_id = c.model_line_id and a.month = c.target_month
       where c.cycle_id = any($1::int[]) and c.target_month <= $3::date and c.consensus is not null
       group by 1`,
      [ids, from, through],
    );
  const figure = await pair(runs, service, bare);
  return {
    ...figure,
    cycles: ids.length,
    throughMonth: answer.throughMonth,
    cells: answer.cells,
    actualUnits: answer.actual,
  };
}

/**
 * The dealer home under `connections` dealers at once: each client reads what the home page reads
 * (the dealer, its monthly actuals, its last ten transactions) with its own session: `one`, the
 * web app's one request (GET /dealers/{code}/home); `three`, the three endpoints in turn (part
 * `home-three`, as the home was read before); against the bare health endpoint of the same server
 * in the same run. Latencies are per request.
 */
async function measureDealerHome(
  db: Db,
  serverUrl: string,
  options: NationalOptions,
  way: 'one' | 'three',
) {
  const dealers = await db.query<{ code: string }>(
    `select code from dealers where status = 'active' order by md5(code) limit $1`,
    [options.connections],
  );
  const hash = await hashPassword('bench-password');
  for (const [i, d] of dealers.rows.entries())
    await db.query(
      `insert into users (email, name, password_hash, role, dealer_id)
       select $1, $2, $3, 'dealer_principal', (select id from dealers where code = $4)
       where not exists (select 1 from users where email = $1)`,
      [`national${i}@dealer.test`, `National ${d.code}`, hash, d.code],
    );
  const cookies: string[] = [];
  for (let i = 0; i < dealers.rows.length; i++) {
    const res = await fetch(`${serverUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `national${i}@dealer.test`, password: 'bench-password' }),
    });
    if (res.status !== 200) throw new Error(`login ${i}: ${res.status}`);
    cookies.push(res.headers.get('set-cookie')!.split(';')[0]!);
  }
  const paths = (i: number) => {
    const code = encodeURIComponent(dealers.rows[i % dealers.rows.length]!.code);
    if (way === 'one') return [`/api/v1/dealers/${code}/home`];
    return [
      `/api/v1/dealers/${code}`,
      `/api/v1/dealers/${code}/actuals/monthly`,
      `/api/v1/transactions?dealer=${code}&limit=10`,
    ];
  };
  const n = options.connections;
  await loadTest(serverUrl, n, 3, (i) => ({ path: paths(i), cookie: cookies[i % cookies.length] }));
  const bare = await loadTest(serverUrl, n, options.seconds, () => ({ path: '/healthz' }));
  const home = await loadTest(serverUrl, n, options.seconds, (i) => ({
    path: paths(i),
    cookie: cookies[i % cookies.length],
  }));
  // one dealer's home alone, sequentially: what a single user waits
  const single: number[] = [];
  for (let k = 0; k < 60; k++) {
    const t0 = performance.now();
    await Promise.all(
      paths(k).map((p) =>
        fetch(serverUrl + p, { headers: { cookie: cookies[k % cookies.length]! } }).then(drain),
      ),
    );
    single.push(performance.now() - t0);
  }
  const result = {
    way,
    requestsPerHome: paths(0).length,
    homesPerSecond: Math.round(home.rps / paths(0).length),
    connections: n,
    seconds: options.seconds,
    home,
    bareEndpoint: bare,
    p99RatioToBare: Number((home.p99 / Math.max(bare.p99, 1)).toFixed(2)),
    singleDealerPageMs: {
      median: Number(median(single).toFixed(1)),
      p95: Number(percentile(single, 95).toFixed(1)),
    },
  };
  log(`dealer home ${JSON.stringify(result)}`);
  if (home.non2xx > 0 || home.errors > 0) throw new Error('dealer home answered errors under load');
  void fmt;
  return result;
}
