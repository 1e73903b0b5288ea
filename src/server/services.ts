import type { Db } from './db/db';
import type { Env } from './env';
import { createEventBus, type EventBus } from './events';
import { createAccountsService } from './modules/accounts/accounts.service';
import { createAuditService } from './modules/audit/audit.service';
import { createActualsService } from './modules/actuals/actuals.service';
import { createAuthService } from './modules/auth/auth.service';
import { createCatalogService } from './modules/catalog/catalog.service';
import { createNetworkService } from './modules/network/network.service';
import { createAgreementsService } from './modules/agreements/agreements.service';
import { createJobsService } from './modules/jobs/jobs.service';
import { createForecastsService } from './modules/forecasts/forecasts.service';
import { createIncentiveListsService } from './modules/incentives/incentives.lists';
import { createIncentivesService } from './modules/incentives/incentives.service';
import { createInboxService } from './modules/inbox/inbox.service';
import { createInsightsService } from './modules/insights/insights.service';
import { createIntegrityService } from './modules/insights/integrity.service';
import { createLedgerService } from './modules/ledger/ledger.service';
import { createTransactionsService } from './modules/transactions/transactions.service';

/** The service layer, wired once per process. Routes reach it as `fastify.services`. */
export function createServices(deps: {
  db: Db;
  env: Env;
  events?: EventBus;
  today?: () => string;
}) {
  const { db, env } = deps;
  const events = deps.events ?? createEventBus(db);
  /** Today as YYYY-MM-DD (UTC); tests pass their own clock. */
  const today = deps.today ?? (() => new Date().toISOString().slice(0, 10));
  const network = createNetworkService({ db });
  const ledger = createLedgerService({ db });
  const transactions = createTransactionsService({ db, events });
  const agreements = createAgreementsService({ db, network, ledger, today });
  transactions.onAfterMerge((tx) => agreements.applyIngestDelta(tx));
  const jobs = createJobsService({ db, queueUrl: db.connectionString });
  const forecasts = createForecastsService({ db, jobs, network, events, today });
  const incentives = createIncentivesService({ db, jobs, network, ledger, events, today });
  const incentiveLists = createIncentiveListsService({ db, today });
  const inbox = createInboxService({ db, agreements, incentives, today });
  const insights = createInsightsService({ db, jobs, events, today });
  return {
    inbox,
    insights,
    integrity: createIntegrityService({ db, today }),
    incentives,
    incentiveLists,
    jobs,
    forecasts,
    today,
    ledger,
    agreements,
    db,
    env,
    events,
    auth: createAuthService({
      db,
      sessionTtlHours: env.SESSION_TTL_HOURS,
      accountLimit: {
        maxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
        windowMinutes: env.LOGIN_ACCOUNT_WINDOW_MINUTES,
      },
    }),
    audit: createAuditService({ db }),
    accounts: createAccountsService({ db }),
    network,
    catalog: createCatalogService({ db, today }),
    transactions,
    actuals: createActualsService({ db, network }),
  };
}

export type Services = ReturnType<typeof createServices>;
