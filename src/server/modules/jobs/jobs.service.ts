/**
 * Long work (recalculation, forecasting, imports) as jobs with progress people can watch.
 * Jobs run in this process, one at a time per kind, and record status and progress in the `jobs`
 * table; GET /api/v1/jobs/:id reads it. (With several server processes on one PostgreSQL server a
 * shared queue such as pg-boss would distribute them; see ARCHITECTURE.md.)
 */
import { AppError, notFound } from '../../../shared/errors';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type Job = {
  id: number;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string | null;
  params: unknown;
  result: unknown;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
};

/** Reports progress (0–100) and a short message; throttled to one database write per 250 ms. */
export type ProgressReporter = (progress: number, message?: string) => Promise<void>;
export type JobWork = (report: ProgressReporter) => Promise<unknown>;

const JOB_SELECT = `select id, kind, status, progress::float8 as progress, message, params, result, created_by as "createdBy",
  to_json(created_at)#>>'{}' as "createdAt", to_json(started_at)#>>'{}' as "startedAt", to_json(finished_at)#>>'{}' as "finishedAt" from jobs`;

function label(actor: Actor): string {
  return `${actor.kind}:${actor.id}:${actor.name}`;
}

export function createJobsService(deps: { db: Db }) {
  const running = new Map<string, Promise<unknown>>();

  async function update(
    id: number,
    fields: { status?: JobStatus; progress?: number; message?: string | null; result?: unknown },
  ) {
    await deps.db.query(
      `update jobs set status = coalesce($2, status), progress = coalesce($3, progress), message = coalesce($4, message),
              result = coalesce($5, result),
              started_at = case when $2 = 'running' then now() else started_at end,
              finished_at = case when $2 in ('succeeded', 'failed') then now() else finished_at end
       where id = $1`,
      [
        id,
        fields.status ?? null,
        fields.progress ?? null,
        fields.message ?? null,
        fields.result === undefined ? null : JSON.stringify(fields.result),
      ],
    );
  }

  return {
    /**
     * Starts a job and returns it at once; `work` runs in the background. A second job of the same
     * kind while one runs is refused with 409.
     */
    async start({
      actor,
      kind,
      params,
      work,
    }: {
      actor: Actor | null;
      kind: string;
      params: unknown;
      work: JobWork;
    }): Promise<Job> {
      if (running.has(kind))
        throw new AppError('CONFLICT', `A ${kind} job is already running; wait for it to finish`);
      const { rows } = await deps.db.query<{ id: number }>(
        `insert into jobs (kind, params, created_by) values ($1, $2, $3) returning id`,
        [kind, JSON.stringify(params ?? {}), actor ? label(actor) : null],
      );
      const id = rows[0]!.id;
      let last = 0;
      const report: ProgressReporter = async (progress, message) => {
        const now = Date.now();
        if (now - last < 250 && progress < 100) return;
        last = now;
        await update(id, {
          progress: Math.max(0, Math.min(100, Math.round(progress * 100) / 100)),
          message: message ?? null,
        });
      };
      const promise = (async () => {
        await update(id, { status: 'running', progress: 0 });
        try {
          const result = await work(report);
          await update(id, { status: 'succeeded', progress: 100, result: result ?? {} });
        } catch (error) {
          const message =
            error instanceof AppError
              ? `${error.code}: ${error.message}`
              : (error as Error).message;
          await update(id, { status: 'failed', message }).catch(() => undefined);
        } finally {
          running.delete(kind);
        }
      })();
      running.set(kind, promise);
      return (await this.getJob({ id }))!;
    },

    /** Resolves when the running job of `kind` (if any) has finished. For tests and the CLI. */
    async settle(kind: string): Promise<void> {
      await running.get(kind)?.catch(() => undefined);
    },

    /** One job; outside the network scope only the actor's own jobs are visible. */
    async getJob({ actor, id }: { actor?: Actor; id: number }): Promise<Job> {
      const own = actor && actor.scope.kind !== 'network' ? label(actor) : null;
      const { rows } = await deps.db.query<Job>(
        `${JOB_SELECT} where id = $1 and ($2::text is null or created_by = $2)`,
        [id, own],
      );
      if (!rows[0]) throw notFound('Job', String(id));
      return rows[0];
    },

    async findJobs({ actor, kind }: { actor: Actor; kind?: string }): Promise<Job[]> {
      const own = actor.scope.kind !== 'network' ? label(actor) : null;
      const { rows } = await deps.db.query<Job>(
        `${JOB_SELECT} where ($1::text is null or kind = $1) and ($2::text is null or created_by = $2) order by id desc limit 50`,
        [kind ?? null, own],
      );
      return rows;
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
