/** Starting a job once a day at a fixed UTC time, in every process (the jobs service refuses a second start). */
import type { JobsService } from './jobs.service';

/** Starts `kind` every day at `hourUtc`:`minuteUtc` UTC; returns a stop function. */
export function scheduleDaily(
  jobs: Pick<JobsService, 'start'>,
  kind: string,
  at: { hourUtc: number; minuteUtc?: number },
): () => void {
  let timer: NodeJS.Timeout | null = null;
  const next = () => {
    const now = new Date();
    const due = new Date(
      Date.UTC(
        now.getUTCFullYear(),
        now.getUTCMonth(),
        now.getUTCDate(),
        at.hourUtc,
        at.minuteUtc ?? 0,
      ),
    );
    if (due <= now) due.setUTCDate(due.getUTCDate() + 1);
    timer = setTimeout(() => {
      // another process may have started today's already: its 409 is expected
      void jobs.start({ actor: null, kind, params: {} }).catch(() => undefined);
      next();
    }, due.getTime() - now.getTime());
    timer.unref();
  };
  next();
  return () => {
    if (timer) clearTimeout(timer);
  };
}
