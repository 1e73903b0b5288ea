/**
 * A dealer's incentive progress under load (issue 12: 50 connections of one dealer took the
 * server from everyone), on a database the incentives bench kept (20 programs, 4,000 dealers):
 *
 *   npm run bench -- incentives --engine postgres --dealers 4000 --seed-only   (once)
 *   npm run bench -- progress-load --reuse <url> [--seconds 15] [--connections 50]
 *
 * In one run against one server process: the bare endpoint (/healthz) at 50 connections; the
 * progress of ONE dealer at 50 connections of that dealer (the attack); the progress of 50
 * dealers, one connection each; and meanwhile /readyz is asked every 50 ms by another client
 * (what everyone else sees). The per-user limit of costly routes is raised for the run (the bench
 * is one user hammering on purpose); the first, uncached computation of a dealer is timed apart.
 */
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/server/modules/auth/auth.service';
import { openPostgres } from '../src/server/db/postgres';
import { fmt, loadTest, machine, median, startServer } from './lib';

/** Asks /readyz every 50 ms until stopped: the slowest answer and the 99th percentile. */
function watchReadyz(url: string) {
  const times: number[] = [];
  let isRunning = true;
  const done = (async () => {
    while (isRunning) {
      const t0 = performance.now();
      await fetch(`${url}/readyz`).then((r) => r.text());
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    isRunning = false;
    await done;
    const sorted = [...times].sort((a, b) => a - b);
    return {
      count: sorted.length,
      p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      max: sorted.at(-1) ?? 0,
    };
  };
}

export async function runProgressLoadBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      reuse: { type: 'string' },
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
    },
  });
  if (!values.reuse) throw new Error('--reuse <database url> of a kept incentives bench database');
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const db = await openPostgres(values.reuse, 4);
  const dealers = (
    await db.query<{ code: string }>(
      `select code from dealers where status = 'active' order by id limit $1`,
      [connections],
    )
  ).rows.map((r) => r.code);
  const hash = await hashPassword('bench-password');
  for (const [i, code] of dealers.entries()) {
    await db.query(
      `insert into users (email, name, password_hash, role, dealer_id)
       values ($1, $2, $3, 'dealer_principal', (select id from dealers where code = $4))
       on conflict (email) do nothing`,
      [`progress${i}@dealer.test`, `Progress ${code}`, hash, code],
    );
  }
  await db.close();
  console.log(
    `progress-load bench: ${dealers.length} dealers, ${connections} connections, ${seconds} s — ${machine()}`,
  );
  const server = await startServer({
    databaseUrl: values.reuse,
    port: 3951,
    extraEnv: { COSTLY_RATE_LIMIT_PER_MINUTE: '100000000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
  });
  const cookies: string[] = [];
  for (let i = 0; i < dealers.length; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `progress${i}@dealer.test`, password: 'bench-password' }),
    });
    cookies.push(res.headers.get('set-cookie')!.split(';')[0]!);
  }
  const progressOf = (i: number) => `/api/v1/dealers/${dealers[i]!}/incentives`;
  // The first computation of each dealer (nothing cached), one at a time.
  const cold: number[] = [];
  for (let i = 0; i < dealers.length; i++) {
    const t0 = performance.now();
    const res = await fetch(server.url + progressOf(i), { headers: { cookie: cookies[i]! } });
    await res.text();
    if (!res.ok) throw new Error(`progress of ${dealers[i]} answered ${res.status}`);
    cold.push(performance.now() - t0);
  }
  const bare = await loadTest(server.url, connections, seconds, () => ({ path: '/healthz' }));
  let watch = watchReadyz(server.url);
  const oneDealer = await loadTest(server.url, connections, seconds, () => ({
    path: progressOf(0),
    cookie: cookies[0],
  }));
  const readyzOne = await watch();
  watch = watchReadyz(server.url);
  const manyDealers = await loadTest(server.url, connections, seconds, (i) => ({
    path: progressOf(i % dealers.length),
    cookie: cookies[i % dealers.length],
  }));
  const readyzMany = await watch();
  await server.stop();
  const result = {
    bench: 'progress-load',
    machine: machine(),
    dealers: dealers.length,
    connections,
    seconds,
    coldMedianMs: Number(median(cold).toFixed(1)),
    coldMaxMs: Number(Math.max(...cold).toFixed(1)),
    bareEndpoint: bare,
    oneDealer,
    readyzDuringOneDealer: readyzOne,
    manyDealers,
    readyzDuringManyDealers: readyzMany,
    rpsRatioToBare: Number((oneDealer.rps / bare.rps).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `  cold ${fmt(result.coldMedianMs, 1)} ms median; one dealer p99 ${oneDealer.p99} ms, 50 dealers p99 ${manyDealers.p99} ms; bare p99 ${bare.p99} ms`,
  );
  if (oneDealer.non2xx || manyDealers.non2xx) throw new Error('progress answered errors');
  return result;
}
