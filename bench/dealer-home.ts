/**
 * An authenticated dealer's home data (the dealer, its monthly actuals, its last ten transactions:
 * what the dealer home page reads) under 50 concurrent connections on the medium network
 * (600 dealers, 36 months), next to a bare endpoint of the same server in the same run.
 *
 *   npm run bench -- dealer-home --engine postgres --dealers 600 --seconds 15 [--connections 100 --port 3950]
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { hashPassword } from '../src/server/modules/auth/auth.service';
import { seedDemo } from '../src/server/modules/demo/seed';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import { createBenchDatabase, fmt, loadTest, machine, startServer, type BenchEngine } from './lib';

export async function runDealerHomeBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '600' },
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      port: { type: 'string', default: '3950' },
    },
  });
  const engine = values.engine as BenchEngine;
  const connections = Number(values.connections);
  const seconds = Number(values.seconds);
  const options = { seed: 21, dealers: Number(values.dealers), months: 36, endMonth: '2026-10' };
  console.log(
    `dealer-home bench: ${engine}, ${options.dealers} dealers × ${options.months} months, ${connections} connections, ${seconds} s — ${machine()}`,
  );
  const bench = await createBenchDatabase(engine);
  const env = parseEnv({ NODE_ENV: 'test' });
  const services = createServices({ db: bench.db, env });
  const started = Date.now();
  const seeded = await seedDemo(services, { ...options, withUsers: false, batchSize: 250_000 });
  console.log(
    `  seeded ${fmt(seeded.transactions)} transactions in ${fmt((Date.now() - started) / 1000, 1)} s`,
  );
  const dealers = seeded.network.dealers.filter((d) => d.status === 'active').slice(0, connections);
  const hash = await hashPassword('bench-password');
  for (const [i, d] of dealers.entries()) {
    await bench.db.query(
      `insert into users (email, name, password_hash, role, dealer_id) values ($1, $2, $3, 'dealer_principal', (select id from dealers where code = $4))`,
      [`bench${i}@dealer.test`, `Bench ${d.code}`, hash, d.code],
    );
  }
  if (engine === 'postgres') await bench.db.query('vacuum analyze');
  if (engine === 'pglite') await bench.db.close();
  void SYSTEM_ACTOR;
  const server = await startServer({
    databaseUrl: bench.url,
    dataDir: bench.dataDir,
    port: Number(values.port),
  });
  const cookies: string[] = [];
  for (let i = 0; i < dealers.length; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench${i}@dealer.test`, password: 'bench-password' }),
    });
    cookies.push(res.headers.get('set-cookie')!.split(';')[0]!);
  }
  // what the dealer home page reads (src/web/pages/dealer-page.tsx), as the national bench does
  const path = (i: number) => {
    const code = encodeURIComponent(dealers[i % dealers.length]!.code);
    return [
      `/api/v1/dealers/${code}`,
      `/api/v1/dealers/${code}/actuals/monthly`,
      `/api/v1/transactions?dealer=${code}&limit=10`,
    ];
  };
  // Warm up, then measure the bare endpoint and the dealer home in the same run.
  await loadTest(server.url, connections, 3, (i) => ({
    path: path(i),
    cookie: cookies[i % cookies.length],
  }));
  const bare = await loadTest(server.url, connections, seconds, () => ({ path: '/healthz' }));
  const home = await loadTest(server.url, connections, seconds, (i) => ({
    path: path(i),
    cookie: cookies[i % cookies.length],
  }));
  await server.stop();
  if (engine === 'postgres') await bench.db.close();
  await bench.drop();
  const result = {
    bench: 'dealer-home',
    engine,
    machine: machine(),
    dealers: options.dealers,
    transactions: seeded.transactions,
    connections,
    seconds,
    dealerHome: home,
    bareEndpoint: bare,
    rpsRatioToBare: Number((home.rps / bare.rps).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
  if (home.non2xx > 0 || home.errors > 0) throw new Error('dealer home answered errors under load');
  return result;
}
