/**
 * Process entry. With WEB_CONCURRENCY = 1 (the default) one process migrates, seeds the demo on an
 * empty database and serves. With WEB_CONCURRENCY = N > 1 (PostgreSQL server only) a primary
 * process migrates and seeds once, then runs N API processes through node:cluster that share the
 * port; sessions, live events (LISTEN/NOTIFY), jobs (pg-boss) and roll-ups already coordinate
 * through the database. A worker that dies is replaced; SIGTERM/SIGINT stop them all.
 */
import cluster from 'node:cluster';
import { loadEnv, type Env } from './env';
import type { Db } from './db/db';
import type { Services } from './services';

/** What a wrong configuration stops at, before the application's modules are loaded (seconds). */
function refuse(env: Env): void {
  if (env.WEB_CONCURRENCY > 1 && !env.DATABASE_URL) {
    throw new Error(
      'WEB_CONCURRENCY > 1 needs DATABASE_URL: the embedded database lives in one process',
    );
  }
  if (env.DATABASE_READ_URL && !env.DATABASE_URL) {
    throw new Error('DATABASE_READ_URL is a replica of DATABASE_URL: set both');
  }
}
const env = loadEnv();
refuse(env);
const { lastCompleteMonth } = await import('../shared/months');
const { buildApp } = await import('./app');
const { openAndMigrate, openDatabase } = await import('./bootstrap');
const { createServices } = await import('./services');
const { isEmpty, seedDemo } = await import('./modules/demo/seed');
const { openPostgres } = await import('./db/postgres');

type Log = { info: (obj: object, msg: string) => void };

const started = Date.now();

/** Generates the demo network when the database is empty. */
async function prepare(db: Db, services: Services, log: Log): Promise<void> {
  if (env.DEMO_DEALERS <= 0 || !(await isEmpty(db))) return;
  const endMonth = lastCompleteMonth();
  log.info(
    { dealers: env.DEMO_DEALERS, months: env.DEMO_MONTHS, endMonth },
    'empty database: generating the demo network',
  );
  const result = await seedDemo(services, {
    seed: env.DEMO_SEED,
    dealers: env.DEMO_DEALERS,
    months: env.DEMO_MONTHS,
    endMonth,
    onProgress: ({ rows, elapsedMs }: { rows: number; elapsedMs: number }) =>
      log.info({ rows, elapsedMs }, 'demo transactions loaded'),
  });
  log.info(
    { transactions: result.transactions, dealers: result.network.dealers.length },
    'demo network ready',
  );
}

/** One API process: services, jobs, roll-ups, the HTTP server. */
async function serve(db: Db, options: { seed: boolean }): Promise<void> {
  const replica = env.DATABASE_READ_URL ? await openPostgres(env.DATABASE_READ_URL) : undefined;
  const services = createServices({ db, env, replica });
  const app = await buildApp({ env, services });
  // Batches whose roll-up has not committed: left by this server when it last stopped, or by
  // another API process that stopped; looked for at start and every minute.
  void services.transactions.resumeRollUps();
  // the same for large pipeline batches whose vehicles' refresh has not committed
  void services.availability.resumeRefreshes();
  // on a PostgreSQL server this process takes queued jobs too (whichever process started them)
  await services.jobs.startWorkers();
  // every API process sends webhooks (claims with SKIP LOCKED: the processes share the work)
  await services.webhooks.startDispatcher();
  // the outbox and delivery log past their retention, purged once a day (one job a day)
  services.webhooks.scheduleRetention();
  // agreements whose term started or ended: their stored status moves once a day (reads show it)
  services.agreements.scheduleLifecycle();
  // commitment risks: the dealers of each ingested batch at once, the network every night
  await services.insights.listen();
  setInterval(() => void services.transactions.resumeRollUps(), 60_000).unref();
  setInterval(() => void services.availability.resumeRefreshes(), 60_000).unref();
  if (options.seed) await prepare(db, services, app.log);
  // a network without risks yet (the demo just seeded): computed once now, as a job with progress
  if (options.seed) {
    const job = await services.insights.startFirstRefresh();
    if (job) app.log.info({ job: job.id }, 'no risks yet: computing them (job)');
  }

  await app.listen({ host: env.HOST, port: env.PORT });
  app.log.info(
    { url: `http://localhost:${env.PORT}`, engine: db.engine, startupMs: Date.now() - started },
    'Forecourt is serving',
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      void app
        .close()
        .then(() => replica?.close())
        .then(() => db.close())
        .then(() => process.exit(0));
    });
  }
}

/** The primary of WEB_CONCURRENCY > 1: prepares the database once, then supervises workers. */
async function supervise(workers: number): Promise<void> {
  const log: Log = { info: (obj, msg) => console.log(JSON.stringify({ ...obj, msg })) };
  const db = await openAndMigrate(env);
  const services = createServices({ db, env });
  await prepare(db, services, log);
  // the job queues, created once here: API processes creating them at once can deadlock
  await services.jobs.prepareQueues();
  // a network without risks yet: the first risk job, queued for the API processes to take
  const job = await services.insights.startFirstRefresh();
  if (job) log.info({ job: job.id }, 'no risks yet: computing them (job)');
  await db.close();
  let stopping = false;
  const restarts: number[] = [];
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // a crash loop (5 exits in a minute) stops the service rather than spinning
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    log.info({ pid: worker.process.pid, code, signal }, 'API process exited; starting another');
    if (restarts.length >= 5) {
      console.error('API processes keep exiting: stopping');
      process.exit(1);
    }
    fork();
  });
  for (let i = 0; i < workers; i++) fork();
  log.info({ workers, engine: db.engine }, 'Forecourt primary: API processes starting');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    });
  }
}

async function main(env: Env): Promise<void> {
  if (env.WEB_CONCURRENCY > 1 && cluster.isPrimary) return supervise(env.WEB_CONCURRENCY);
  const inCluster = !cluster.isPrimary;
  // a cluster worker's database is migrated and seeded by the primary
  const db = inCluster ? await openDatabase(env) : await openAndMigrate(env);
  await serve(db, { seed: !inCluster });
}

await main(env);
