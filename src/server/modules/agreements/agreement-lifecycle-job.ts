/**
 * The daily job that stores the lifecycle's moves (agreement-status.ts): approved → active on the
 * start month, approved/active → expired after the last month. Reads show the moved status without
 * it; the job keeps the stored status (which other modules filter on, e.g. availability) current,
 * with the lifecycle event in each agreement's history. One job a day across processes (jobs
 * service: a second start while one runs is refused), started shortly after midnight UTC, when a
 * month may begin.
 */
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
    let timer: NodeJS.Timeout | null = null;
    const next = () => {
      const now = new Date();
      const at = new Date(
        Date.UTC(
          now.getUTCFullYear(),
          now.getUTCMonth(),
          now.getUTCDate(),
          options.hourUtc ?? 0,
          options.minuteUtc ?? 5,
        ),
      );
      if (at <= now) at.setUTCDate(at.getUTCDate() + 1);
      timer = setTimeout(() => {
        // another process may have started today's already: its 409 is expected
        void jobs
          .start({ actor: null, kind: LIFECYCLE_JOB_KIND, params: {} })
          .catch(() => undefined);
        next();
      }, at.getTime() - now.getTime());
      timer.unref();
    };
    next();
    return () => {
      if (timer) clearTimeout(timer);
    };
  };
}
