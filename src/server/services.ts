import type { Db } from './db/db';
import type { Env } from './env';
import { createEventBus, type EventBus } from './events';
import { createAccountsService } from './modules/accounts/accounts.service';
import { createActualsService } from './modules/actuals/actuals.service';
import { createAuthService } from './modules/auth/auth.service';
import { createCatalogService } from './modules/catalog/catalog.service';
import { createNetworkService } from './modules/network/network.service';
import { createTransactionsService } from './modules/transactions/transactions.service';

/** The service layer, wired once per process. Routes reach it as `fastify.services`. */
export function createServices(deps: { db: Db; env: Env; events?: EventBus }) {
  const { db, env } = deps;
  const events = deps.events ?? createEventBus();
  const network = createNetworkService({ db });
  return {
    db,
    env,
    events,
    auth: createAuthService({ db, sessionTtlHours: env.SESSION_TTL_HOURS }),
    accounts: createAccountsService({ db }),
    network,
    catalog: createCatalogService({ db }),
    transactions: createTransactionsService({ db, events }),
    actuals: createActualsService({ db, network }),
  };
}

export type Services = ReturnType<typeof createServices>;
