import type { Db } from './db/db';
import { createReadRouting } from './db/read-replica';
import type { Env } from './env';
import { createEventBus, type EventBus } from './events';
import { createAccountsService } from './modules/accounts/accounts.service';
import { createAuditService } from './modules/audit/audit.service';
import { createActualsService } from './modules/actuals/actuals.service';
import { createDealerHomeCache } from './modules/actuals/dealer-home-cache';
import { createDealerHomeService } from './modules/actuals/dealer-home.service';
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
import { createProgramRiskService } from './modules/insights/program-risk.service';
import { createIntegrityService } from './modules/insights/integrity.service';
import { createPerformanceService } from './modules/insights/performance.service';
import { createMarketService } from './modules/market/market.service';
import { createLedgerService } from './modules/ledger/ledger.service';
import { createSustainabilityService } from './modules/sustainability/sustainability.service';
import { createConnectedService } from './modules/connected/connected.service';
import { createTransactionsService } from './modules/transactions/transactions.service';
import { createWebhooksService } from './modules/webhooks/webhooks.service';
import { createRdrService } from './modules/rdr/rdr.service';
import { createPaymentsService } from './modules/payments/payments.service';
import { createProductionPlanService } from './modules/forecasts/production-plan';
import { createAvailabilityService } from './modules/availability/availability.service';
import { createAllocationService } from './modules/availability/allocation.service';

/** The service layer, wired once per process. Routes reach it as `fastify.services`. */
export function createServices(deps: {
  db: Db;
  env: Env;
  /** a streaming replica of `db` for heavy reads (DATABASE_READ_URL) */
  replica?: Db;
  events?: EventBus;
  today?: () => string;
}) {
  const { db, env } = deps;
  const events = deps.events ?? createEventBus(db);
  /** Today as YYYY-MM-DD (UTC); tests pass their own clock. */
  const today = deps.today ?? (() => new Date().toISOString().slice(0, 10));
  const readRouting = createReadRouting(db, deps.replica);
  const readDb = readRouting.readDb;
  const network = createNetworkService({ db });
  const ledger = createLedgerService({ db });
  // the dealer home's answers, kept per dealer under a stamp read from the database (issue 18)
  const homeCache = createDealerHomeCache(readDb);
  const transactions = createTransactionsService({ db, readDb, events, homeCache });
  const jobs = createJobsService({ db, queueUrl: db.connectionString });
  const agreements = createAgreementsService({ db, readDb, jobs, network, ledger, today });
  transactions.onAfterMerge((tx) => agreements.applyIngestDelta(tx));
  const forecasts = createForecastsService({ db, readDb, jobs, network, events, today });
  const incentivesDeps = { db, jobs, network, ledger, events, today };
  const incentives = createIncentivesService({ ...incentivesDeps, readDb });
  // the settlement periods with their statements by status (OEM and dealer): on the replica
  const incentiveLists = createIncentiveListsService({ db: readDb, today });
  const inbox = createInboxService({ db, agreements, incentives, today });
  const webhooks = createWebhooksService({
    db,
    config: {
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      concurrency: env.WEBHOOK_CONCURRENCY,
      idlePollMs: 5000,
    },
    jobs,
    retention: {
      deliveredDays: env.WEBHOOK_RETENTION_DAYS,
      deadDays: env.WEBHOOK_DEAD_LETTER_RETENTION_DAYS,
    },
  });
  const rdr = createRdrService({ transactions });
  const payments = createPaymentsService({ db, ledger, incentives, incentiveLists, today });
  const productionPlan = createProductionPlanService({
    db,
    getDemandPlan: (o) => forecasts.getDemandPlan(o),
  });
  const availability = createAvailabilityService({ db, today });
  const allocation = createAllocationService({ db, ledger, availability, today });
  ledger.registerPayloadSource('allocation_run', (tx, entry) =>
    allocation.ledgerDocument(tx, entry.entityId),
  );
  const sustainability = createSustainabilityService({ db, network, today });
  const connected = createConnectedService({ db, network, ledger, today });
  const programRisk = createProgramRiskService(incentivesDeps);
  const insights = createInsightsService({
    db,
    jobs,
    events,
    today,
    programRisk,
    overlapPrograms: env.INSIGHTS_OVERLAP,
  });
  const market = createMarketService({ db, today });
  const actuals = createActualsService({ db: readDb, network, homeCache });
  const auth = createAuthService({
    db,
    sessionTtlHours: env.SESSION_TTL_HOURS,
    accountLimit: {
      maxFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
      windowMinutes: env.LOGIN_ACCOUNT_WINDOW_MINUTES,
    },
    actorCacheMs: env.ACTOR_CACHE_MS,
  });
  return {
    market,
    performance: createPerformanceService({ db, market, today }),
    rdr,
    productionPlan,
    payments,
    availability,
    allocation,
    sustainability,
    connected,
    inbox,
    webhooks,
    insights,
    programRisk,
    integrity: createIntegrityService({ db, today, incentives, ledger }),
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
    auth,
    audit: createAuditService({ db }),
    accounts: createAccountsService({ db, settleCredentials: () => auth.settle() }),
    network,
    catalog: createCatalogService({ db, today }),
    transactions,
    actuals,
    dealerHome: createDealerHomeService({ homeCache, network, actuals, transactions }),
    readRouting,
  };
}

export type Services = ReturnType<typeof createServices>;
