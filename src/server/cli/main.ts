/**
 * The operator's command line: `npm run cli -- <command>`. See the README for every command.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadEnv } from '../env';
import { lastCompleteMonth } from '../../shared/months';
import { openAndMigrate, openDatabase } from '../bootstrap';
import { migrate } from '../db/migrate';
import { createServices } from '../services';
import { SYSTEM_ACTOR } from '../auth/actor';
import { ROLES, type Role } from '../../shared/permissions';
import { passwordProblems } from '../modules/auth/password-policy';
import { isEmpty, seedDemo } from '../modules/demo/seed';
import { AppError } from '../../shared/errors';

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return value as Role;
}

async function withServices<T>(
  fn: (services: ReturnType<typeof createServices>) => Promise<T>,
): Promise<T> {
  const env = loadEnv();
  const db = await openAndMigrate(env);
  const services = createServices({ db, env });
  try {
    return await fn(services);
  } finally {
    await services.jobs.stopWorkers();
    await services.transactions.rollUpsSettled();
    await services.availability.refreshesSettled();
    await db.close();
  }
}

const program = new Command('forecourt')
  .description('Forecourt operator commands')
  .showHelpAfterError();

program
  .command('migrate')
  .description(
    'apply committed SQL migrations to the configured database (DATABASE_URL, else PGlite in DATA_DIR)',
  )
  .action(async () => {
    const db = await openDatabase(loadEnv());
    const result = await migrate(db);
    await db.close();
    console.log(
      result.applied.length
        ? `applied ${result.applied.join(', ')}`
        : `up to date (${result.total} migrations)`,
    );
  });

program
  .command('seed')
  .description('generate a demo network into an empty database (deterministic from --seed)')
  .option('--dealers <n>', 'number of dealers', int, 150)
  .option('--months <n>', 'months of history', int, 36)
  .option('--end-month <YYYY-MM>', 'last month of history', lastCompleteMonth())
  .option('--seed <n>', 'random seed', int, 42)
  .option('--model-lines <n>', 'model lines (4 SKUs each)', int, 40)
  .option('--batch-size <n>', 'transactions per ingest transaction', int, 200_000)
  .action(
    async (opts: {
      dealers: number;
      months: number;
      endMonth: string;
      seed: number;
      modelLines: number;
      batchSize: number;
    }) => {
      await withServices(async (services) => {
        if (!(await isEmpty(services.db)))
          throw new Error(
            'The database already has dealers; seed an empty database (new DATA_DIR or database)',
          );
        const started = Date.now();
        const result = await seedDemo(services, {
          seed: opts.seed,
          dealers: opts.dealers,
          months: opts.months,
          endMonth: opts.endMonth,
          modelLines: opts.modelLines,
          batchSize: opts.batchSize,
          onProgress: ({ rows, elapsedMs }) =>
            process.stderr.write(
              `\r  ${rows.toLocaleString('en-US')} transactions, ${Math.round(rows / Math.max(elapsedMs / 1000, 0.001)).toLocaleString('en-US')}/s   `,
            ),
        });
        process.stderr.write('\n');
        console.log(
          `seeded ${result.network.dealers.length} dealers, ${result.network.skus.length} SKUs, ${result.transactions} transactions in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      });
    },
  );

program
  .command('create-user')
  .description('create a user (the first oem_admin of a new installation, for example)')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, role)
  .requiredOption('--password <password>', 'at least 12 characters, not a common one')
  .option('--region <code>', 'region scope (regional_manager)')
  .option('--dealer <code>', 'dealer scope (dealer roles)')
  .option('--dealer-group <code>', 'dealer group scope (dealer roles)')
  .action(
    async (opts: {
      email: string;
      name: string;
      role: Role;
      password: string;
      region?: string;
      dealer?: string;
      dealerGroup?: string;
    }) => {
      const weak = passwordProblems(opts.password, {
        path: '--password',
        context: [opts.email, opts.name],
      });
      if (weak.length > 0) throw new InvalidArgumentError(`--password: ${weak[0]!.message}`);
      await withServices(async (services) => {
        const user = await services.accounts.createUser({
          actor: SYSTEM_ACTOR,
          data: {
            email: opts.email,
            name: opts.name,
            role: opts.role,
            password: opts.password,
            regionCode: opts.region ?? null,
            dealerCode: opts.dealer ?? null,
            dealerGroupCode: opts.dealerGroup ?? null,
          },
        });
        console.log(`created user ${user.id} ${user.email} (${user.role})`);
      });
    },
  );

program
  .command('create-api-key')
  .description('create an API key for an integration; the key is printed once')
  .requiredOption('--name <name>')
  .option('--role <role>', 'role of the key', role, 'integration' as Role)
  .option('--region <code>')
  .option('--dealer <code>')
  .option('--dealer-group <code>')
  .action(
    async (opts: {
      name: string;
      role: Role;
      region?: string;
      dealer?: string;
      dealerGroup?: string;
    }) => {
      await withServices(async (services) => {
        const key = await services.accounts.createApiKey({
          actor: SYSTEM_ACTOR,
          data: {
            name: opts.name,
            role: opts.role,
            regionCode: opts.region ?? null,
            dealerCode: opts.dealer ?? null,
            dealerGroupCode: opts.dealerGroup ?? null,
          },
        });
        console.log(key.key);
        console.error(
          `API key ${key.id} "${key.name}" (${key.role}). Store it now: it is not shown again.`,
        );
      });
    },
  );

program
  .command('ledger:verify')
  .description('verify the hash chain of the ledger and every document it records')
  .action(async () => {
    await withServices(async (services) => {
      const result = await services.ledger.verify();
      if (result.ok) {
        console.log(`ledger intact: ${result.entries} entries, head ${result.headHash}`);
      } else {
        const b = result.firstBroken!;
        console.error(
          `ledger BROKEN at entry ${b.seq} (${b.entityType} ${b.entityId} ${b.action}): ${b.reason}`,
        );
        console.error(`${result.entries} entries before it verified`);
        process.exitCode = 3;
      }
    });
  });

program
  .command('forecast:backtest')
  .description('backtest the forecasting methods on a CSV (series,period,quantity); see --help')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const { runBacktestCommand } = await import('../modules/forecasts/backtest/command');
    process.exitCode = await runBacktestCommand(args);
  });

program
  .command('insights:backtest')
  .description('backtest the calibrated commitment probabilities on a CSV; see --help')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]')
  .action(async (args: string[]) => {
    const { runRiskBacktestCommand } = await import('../modules/insights/backtest-command');
    process.exitCode = await runRiskBacktestCommand(args);
  });

program
  .command('insights:calibrate')
  .description(
    "fit the network's own recalibration of the risk probabilities now (the nightly insights.risk-calibration job) and wait for it",
  )
  .option('--refresh', 'then recompute every risk of the network with it (and wait for that too)')
  .option('--json', 'print the stored run and its walk-forward scores as JSON')
  .action(async (opts: { refresh?: boolean; json?: boolean }) => {
    const { runCalibrateCommand } = await import('../modules/insights/calibrate-command');
    const { defaultIo } = await import('../modules/forecasts/backtest/command-kit');
    await withServices(async (services) => {
      process.exitCode = await runCalibrateCommand(services, opts, defaultIo);
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof AppError) {
    console.error(`${error.code}: ${error.message}`);
    for (const p of error.details.problems ?? [])
      console.error(`  ${p.path ?? p.field ?? ''} ${p.message}`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exitCode = 1;
});
