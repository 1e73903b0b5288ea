import { loadEnv } from './env';
import { lastCompleteMonth } from '../shared/months';
import { buildApp } from './app';
import { openAndMigrate } from './bootstrap';
import { createServices } from './services';
import { isEmpty, seedDemo } from './modules/demo/seed';

const started = Date.now();
const env = loadEnv();
const db = await openAndMigrate(env);
const services = createServices({ db, env });
const app = await buildApp({ env, services });
// Batches whose roll-up has not committed: left by this server when it last stopped, or by
// another API process that stopped; looked for at start and every minute.
void services.transactions.resumeRollUps();
// on a PostgreSQL server this process takes queued jobs too (whichever process started them)
await services.jobs.startWorkers();
// commitment risks: the dealers of each ingested batch at once, the network every night
services.insights.listen();
setInterval(() => void services.transactions.resumeRollUps(), 60_000).unref();

if (env.DEMO_DEALERS > 0 && (await isEmpty(db))) {
  const endMonth = lastCompleteMonth();
  app.log.info(
    { dealers: env.DEMO_DEALERS, months: env.DEMO_MONTHS, endMonth },
    'empty database: generating the demo network',
  );
  const result = await seedDemo(services, {
    seed: env.DEMO_SEED,
    dealers: env.DEMO_DEALERS,
    months: env.DEMO_MONTHS,
    endMonth,
    onProgress: ({ rows, elapsedMs }: { rows: number; elapsedMs: number }) =>
      app.log.info({ rows, elapsedMs }, 'demo transactions loaded'),
  });
  app.log.info(
    { transactions: result.transactions, dealers: result.network.dealers.length },
    'demo network ready',
  );
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
      .then(() => db.close())
      .then(() => process.exit(0));
  });
}
