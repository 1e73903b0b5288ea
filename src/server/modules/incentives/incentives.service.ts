import type { Db } from '../../db/db';
import type { EventBus } from '../../events';
import type { JobsService } from '../jobs/jobs.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';

/** Incentive and rebate programs (issue 4): definitions, live progress, statements, claims, payouts. */
export function createIncentivesService(_deps: {
  db: Db;
  jobs: JobsService;
  network: NetworkService;
  ledger: LedgerService;
  events: EventBus;
  today: () => string;
}) {
  return {};
}

export type IncentivesService = ReturnType<typeof createIncentivesService>;
