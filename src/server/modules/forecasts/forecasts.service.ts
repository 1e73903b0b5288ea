import type { Db } from '../../db/db';
import type { JobsService } from '../jobs/jobs.service';
import type { NetworkService } from '../network/network.service';
import type { EventBus } from '../../events';

/** The forecast cycle (issue 5): baselines, dealer adjustments, review, consensus, accuracy. */
export function createForecastsService(_deps: {
  db: Db;
  jobs: JobsService;
  network: NetworkService;
  events: EventBus;
  today: () => string;
}) {
  return {};
}

export type ForecastsService = ReturnType<typeof createForecastsService>;
