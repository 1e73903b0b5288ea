/**
 * Retention of the outbox and the delivery log (docs/integration.md, "Retention"): deliveries
 * delivered more than `deliveredDays` ago (their attempts go with them), dead letters whose last
 * attempt is more than `deadDays` old, and outbox rows older than `deliveredDays` that no delivery
 * refers to any more (an event still pending, or kept as a dead letter, keeps its row). Pending
 * deliveries are never purged. The purge is a job kind (`webhooks.purge`): one at a time across
 * processes, through pg-boss on a PostgreSQL server, in process embedded; `schedule` starts it
 * once a day, as the nightly insights refresh does.
 */
import type { Db } from '../../db/db';
import { scheduleDaily } from '../jobs/daily-schedule';
import type { JobsService } from '../jobs/jobs.service';

export const PURGE_JOB_KIND = 'webhooks.purge';
/** Rows deleted per statement: short locks, bounded work per round trip. */
const BATCH = 5000;

export type RetentionConfig = {
  /** delivered deliveries and bare outbox rows are kept this many days */
  deliveredDays: number;
  /** dead letters are kept this many days after their last attempt */
  deadDays: number;
};

export type PurgeResult = { deliveries: number; outbox: number };

export function createRetention(deps: { db: Db; jobs?: JobsService; config: RetentionConfig }) {
  const { db, config } = deps;

  async function deleteInBatches(sql: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await db.query(sql, [...params, BATCH]);
      total += rowCount;
      if (rowCount < BATCH) return total;
    }
  }

  async function purge(): Promise<PurgeResult> {
    const deliveries = await deleteInBatches(
      `delete from webhook_deliveries where id in (
         select d.id from webhook_deliveries d
          where (d.state = 'delivered'
                 and d.delivered_at < now() - make_interval(days => $1))
             or (d.state = 'dead'
                 and coalesce((select max(a.created_at) from webhook_attempts a where a.delivery_id = d.id),
                              d.created_at) < now() - make_interval(days => $2))
          limit $3)`,
      [config.deliveredDays, config.deadDays],
    );
    const outbox = await deleteInBatches(
      `delete from outbox where id in (
         select o.id from outbox o
          where o.created_at < now() - make_interval(days => $1)
            and not exists (select 1 from webhook_deliveries d where d.outbox_id = o.id)
          order by o.created_at, o.id
          limit $2)`,
      [config.deliveredDays],
    );
    return { deliveries, outbox };
  }

  deps.jobs?.define(PURGE_JOB_KIND, async ({ report }) => {
    const result = await purge();
    await report(100, `${result.deliveries} deliveries and ${result.outbox} events purged`);
    return result;
  });

  return {
    purge,

    /** Starts the purge job every day at `hourUtc` (3 by default); returns a stop function. */
    schedule(options: { hourUtc?: number } = {}): () => void {
      const jobs = deps.jobs;
      if (!jobs) return () => undefined;
      return scheduleDaily(jobs, PURGE_JOB_KIND, { hourUtc: options.hourUtc ?? 3 });
    },
  };
}
