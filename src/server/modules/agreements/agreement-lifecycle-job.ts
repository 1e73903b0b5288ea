/**
 * The daily job that stores the lifecycle's moves (agreement-status.ts): approved → active on the
 * start month, approved/active → expired after the last month. Reads show the moved status without
 * it; the job keeps the stored status (which other modules filter on, e.g. availability) current,
 * with the lifecycle event in each agreement's history. One job a day across processes (jobs
 * service: a second start while one runs is refused), started shortly after midnight UTC, when a
 * month may begin.
 */
import { scheduleDaily } from '../jobs/daily-schedule';
import type { JobsService } from '../jobs/jobs.service';

export const LIFECYCLE_JOB_KIND = 'agreements.lifecycle';

export function defineLifecycleJob(
  jobs: JobsService,
  advance: (report: (done: number, total: number) => Promise<void>) => Promise<number>,
) {
  jobs.define(LIFECYCLE_JOB_KIND, async ({ report }) => {
    await report(0, 'finding agreements whose term started or ended');
    const moved = await advance((done, total) =>
      report((done / total) * 100, `${done} of ${total} agreements`),
    );
    await report(100, `${moved} agreements moved`);
    return { moved };
  });

  /** Starts the job every day at `hourUtc`:`minuteUtc` (00:05 by default); returns a stop function. */
  return function schedule(options: { hourUtc?: number; minuteUtc?: number } = {}): () => void {
    return scheduleDaily(jobs, LIFECYCLE_JOB_KIND, {
      hourUtc: options.hourUtc ?? 0,
      minuteUtc: options.minuteUtc ?? 5,
    });
  };
}
