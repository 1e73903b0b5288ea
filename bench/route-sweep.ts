/**
 * Every GET route without path parameters (the lists and reports of the OpenAPI document), once
 * each as a network user, a regional manager and a dealer principal, against the app served over
 * HTTP on a kept copy of the reference network. It finds the reads that are slow at the
 * reference scale (a slow read by one user is a queue for the others), not a figure to track:
 * each route is timed twice and the second is kept, next to a bare endpoint (`/readyz`).
 *
 *   npm run bench -- route-sweep --database <url> [--over 500] [--port 3990] [--timeout 60]
 *
 * The copy needs the demo users (`npm run bench -- insights --keep --seed-only` seeds them).
 * Exports (`…/export`, CSV or PDF downloads) and event streams are skipped: their time is their
 * size or their life. The sweep starts once the database is idle (the server may start the
 * nightly risk run when the copy's last one is from another day).
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { DEMO_PASSWORD } from '../src/server/modules/demo/seed';
import pg from 'pg';
import { ROUTE_COSTS } from '../src/server/http/route-costs';
import { fmt, machine, median, startServer } from './lib';

const USERS = {
  network: 'admin@forecourt.test',
  region: 'region@forecourt.test',
  dealer: 'dealer@forecourt.test',
} as const;

type Timed = { path: string; role: string; status: number; ms: number };

async function login(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

async function timedGet(url: string, cookie: string, timeoutS: number) {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      headers: { cookie },
      signal: AbortSignal.timeout(timeoutS * 1000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Waits (at most 5 minutes) until the database has run no other statement for 5 s. */
async function untilIdle(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let quiet = 0;
    for (let i = 0; i < 300 && quiet < 5; i += 1) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`,
      );
      quiet = rows[0]!.n === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await client.end();
  }
}

export async function runRouteSweepBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string' },
      over: { type: 'string', default: '500' },
      port: { type: 'string', default: '3990' },
      timeout: { type: 'string', default: '60' },
    },
  });
  if (!values.database) throw new Error('--database <url>: a kept copy of the reference network');
  const over = Number(values.over);
  const timeoutS = Number(values.timeout);
  console.log(`route-sweep bench: ${machine()}, load ${loadavg()[0]!.toFixed(2)}`);
  const server = await startServer({
    databaseUrl: values.database,
    port: Number(values.port),
    extraEnv: { LOGIN_RATE_LIMIT_PER_MINUTE: '1000' },
  });
  try {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && !path.includes('{') && !path.endsWith('/export'))
      .filter(([path]) => ROUTE_COSTS[`GET ${path}`] !== 'stream')
      .map(([path]) => path)
      .sort();
    await untilIdle(values.database);
    const bare: number[] = [];
    for (let i = 0; i < 20; i += 1) bare.push((await timedGet(`${server.url}/readyz`, '', 10)).ms);
    const results: Timed[] = [];
    for (const [role, email] of Object.entries(USERS)) {
      const cookie = await login(server.url, email);
      for (const path of paths) {
        await timedGet(server.url + path, cookie, timeoutS); // warm-up (and any cache)
        const { status, ms } = await timedGet(server.url + path, cookie, timeoutS);
        results.push({ path, role, status, ms });
      }
    }
    const slow = results.filter((r) => r.ms >= over).sort((a, b) => b.ms - a.ms);
    console.log(
      `  ${paths.length} GET routes × ${Object.keys(USERS).length} users; bare /readyz median ${fmt(median(bare), 2)} ms`,
    );
    console.log(`  ${slow.length} answers took ${over} ms or more (second call):`);
    for (const r of slow)
      console.log(
        `    ${fmt(r.ms, 0).padStart(7)} ms  ${r.role.padEnd(7)} ${r.status || 'timeout'} ${r.path}`,
      );
    const failed = results.filter((r) => r.status === 0 || r.status >= 500);
    for (const r of failed) console.log(`  ${r.status || 'timeout'}: ${r.role} ${r.path}`);
    return {
      machine: machine(),
      over,
      bareMedianMs: median(bare),
      routes: paths.length,
      slow,
      failed,
      all: results,
    };
  } finally {
    await server.stop();
  }
}
