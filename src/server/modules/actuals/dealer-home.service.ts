/**
 * The dealer home in one request (issue 18): the dealer, its monthly actuals and its newest
 * transactions under one authentication and one scope, after one statement when nothing changed
 * (the home cache's visibility check and stamp: dealer-home-cache.ts). The three endpoints the
 * parts come from stay for API clients; their answers and this one's share the cache's entries.
 */
import { AppError, notFound } from '../../../shared/errors';
import { hasPermission } from '../../../shared/permissions';
import { DEALER_HOME_RECENT, type DealerHome } from '../../../shared/schemas/dealer-home';
import type { Actor } from '../../auth/actor';
import type { NetworkService } from '../network/network.service';
import type { TransactionsService } from '../transactions/transactions.service';
import type { ActualsService } from './actuals.service';
import type { DealerHomeCache } from './dealer-home-cache';

export function createDealerHomeService(deps: {
  homeCache: DealerHomeCache;
  network: NetworkService;
  actuals: ActualsService;
  transactions: TransactionsService;
}) {
  return {
    async getDealerHome({ actor, code }: { actor: Actor; code: string }): Promise<DealerHome> {
      // the route asks for network:read (the dealer); the feed's parts need transactions:read
      if (!hasPermission(actor.role, 'transactions:read'))
        throw new AppError(
          'FORBIDDEN',
          `Your role (${actor.role}) does not allow transactions:read`,
          {
            permission: 'transactions:read',
          },
        );
      // the dealer's visibility to the actor, its stamp and the latest month: one statement
      const home = await deps.homeCache.find(actor.scope, code);
      if (!home) throw notFound('Dealer', code);
      const [dealer, actuals, recent] = await Promise.all([
        deps.homeCache.read(home, 'dealer', () => deps.network.getDealer({ actor, code })),
        deps.actuals.getHomeDealerMonthly({ dealer: home, dealerCode: code, kind: 'retail_net' }),
        deps.transactions.findHomeTransactions({
          actor,
          dealer: home,
          code,
          limit: DEALER_HOME_RECENT,
        }),
      ]);
      return {
        dealer,
        actuals,
        recentTransactions: { ...recent, limit: DEALER_HOME_RECENT, offset: 0 },
      };
    },
  };
}

export type DealerHomeService = ReturnType<typeof createDealerHomeService>;
