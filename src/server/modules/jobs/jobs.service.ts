/**
 * Long work (recalculation, forecasting, imports) as jobs with progress people can watch. Each
 * kind of job is defined once (`define`) with the function that does it; `start` records the job
 * in the `jobs` table (status, progress, result: GET /api/v1/jobs/:id reads it) and has it run:
 *
 * - on a PostgreSQL server, through pg-boss (schema `pgboss` in the same database): every API
 *   process works the queues, so whichever process is free takes the job, and a job started on a
 *   process that then stops is taken by another;
 * - embedded (PGlite), in this process.
 *
 * One job of a kind runs at a time across all processes: a second start while one is queued or
 * running is refused with 409, unless that one has run longer than JOB_EXPIRY_SECONDS (its process
 * stopped), which pg-boss fails on its side too.
 */
import PgBoss from 'pg-boss';
import { AppError, notFound } from '../../../shared/errors';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';

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
/** What a kind of job does, given the parameters and the actor it was started with. */
export type JobWork = (job: {
  params: unknown;
  actor: Actor | null;
  report: ProgressReporter;
}) => Promise<unknown>;

/** A job queued or running longer than this no longer blocks another of its kind. */
const JOB_EXPIRY_SECONDS = 60 * 60;
/** Any constant: serialises "is one of this kind queued or running?" and the insert after it. */
const JOBS_LOCK = 7_305_115;

/** A job of kind $1 queued or running, and younger than $2 seconds. */
const BUSY_SQL = `select 1 from jobs where kind = $1 and status in ('queued', 'running')
  and created_at > now() - make_interval(secs => $2) limit 1`;

const JOB_SELECT = `select id, kind, status, progress::float8 as progress, message, params, result, created_by as "createdBy",
  to_json(created_at)#>>'{}' as "createdAt", to_json(started_at)#>>'{}' as "startedAt", to_json(finished_at)#>>'{}' as "finishedAt" from jobs`;

function label(actor: Actor): string {
  return `${actor.kind}:${actor.id}:${actor.name}`;
}

export function createJobsService(deps: {
  db: Db;
  /** the PostgreSQL server's URL: jobs go through pg-boss there; without it they run here */
  queueUrl?: string;
  /** with a queue: false for a process that only queues jobs, leaving them to others */
  isWorker?: boolean;
}) {
  const isWorker = deps.isWorker ?? true;
  const kinds = new Map<string, JobWork>();
  /** jobs this process is running, by id */
  const running = new Map<number, Promise<void>>();
  let boss: Promise<PgBoss> | null = null;

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

  /** Runs job `id` here: its kind's work with its parameters and actor, recording the outcome. */
  async function runJob(id: number): Promise<void> {
    const { rows } = await deps.db.query<{ kind: string; params: unknown; actor: Actor | null }>(
      `select kind, params, actor from jobs where id = $1 and status = 'queued'`,
      [id],
    );
    const job = rows[0];
    if (!job) return; // already taken, or gone
    const work = kinds.get(job.kind);
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
    await update(id, { status: 'running', progress: 0 });
    try {
      if (!work) throw new Error(`no work is defined for jobs of kind ${job.kind}`);
      const result = await work({ params: job.params, actor: job.actor, report });
      await update(id, { status: 'succeeded', progress: 100, result: result ?? {} });
    } catch (error) {
      const message =
        error instanceof AppError ? `${error.code}: ${error.message}` : (error as Error).message;
      await update(id, { status: 'failed', message }).catch(() => undefined);
    }
  }

  function runHere(id: number): Promise<void> {
    // Jobs are the system's work (db/scope.ts), not in the database scope of the request that
    // started them: the work checks the job's actor itself.
    const promise = runAsSystem(() => runJob(id)).finally(() => running.delete(id));
    running.set(id, promise);
    return promise;
  }

  /**
   * pg-boss's createQueue is idempotent, but creating a queue adds a partition to its job table,
   * and processes creating queues at once can deadlock there (40P01). So queues are created once,
   * before API processes start (`prepareQueues`, by main.ts's primary), and a process creates only
   * the queues missing when it starts: a replacement process, or one of several started together
   * on a prepared database, creates none. Two servers started on an unprepared database at once
   * (each WEB_CONCURRENCY = 1) may still race: the loser retries after a short random pause.
   */
  async function createMissingQueues(b: PgBoss): Promise<void> {
    const existing = new Set((await b.getQueues()).map((q) => q.name));
    for (const kind of kinds.keys()) {
      if (existing.has(kind)) continue;
      for (let attempt = 1; ; attempt++) {
        try {
          await b.createQueue(kind, {
            name: kind,
            retryLimit: 0,
            expireInSeconds: JOB_EXPIRY_SECONDS,
          });
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '40P01' || attempt >= 8) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 100));
        }
      }
    }
  }

  /** pg-boss, started once per process, working a queue per kind of job. */
  function queue(url: string): Promise<PgBoss> {
    boss ??= (async () => {
      const b = new PgBoss({ connectionString: url, max: 3, schedule: false });
      b.on('error', (error: Error) => process.emitWarning(`job queue: ${error.message}`));
      await b.start();
      await createMissingQueues(b);
      if (isWorker)
        for (const kind of kinds.keys())
          await b.work<{ jobId: number }>(kind, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
            for (const job of jobs) await runHere(job.data.jobId);
          });
      return b;
    })().catch((error: unknown) => {
      boss = null;
      throw error;
    });
    return boss;
  }

  return {
    /** Defines what jobs of `kind` do (once per kind, when the services are wired). */
    define(kind: string, work: JobWork) {
      if (kinds.has(kind)) throw new Error(`jobs of kind ${kind} are defined twice`);
      kinds.set(kind, work);
    },

    /**
     * On a PostgreSQL server: starts working the job queues in this process (at start, so an
     * idle process takes jobs too). Embedded: nothing to do.
     */
    async startWorkers(): Promise<void> {
      if (deps.queueUrl) await queue(deps.queueUrl);
    },

    /**
     * On a PostgreSQL server: installs pg-boss and creates every kind's queue, then lets go (the
     * primary of WEB_CONCURRENCY > 1, before it starts the API processes). Embedded: nothing.
     */
    async prepareQueues(): Promise<void> {
      if (!deps.queueUrl) return;
      const b = new PgBoss({
        connectionString: deps.queueUrl,
        max: 1,
        schedule: false,
        supervise: false,
      });
      b.on('error', (error: Error) => process.emitWarning(`job queue: ${error.message}`));
      await b.start();
      try {
        await createMissingQueues(b);
      } finally {
        await b.stop({ graceful: false, wait: true });
      }
    },

    /** Stops taking jobs, letting the ones this process runs finish (shutdown). */
    async stopWorkers(): Promise<void> {
      const b = boss;
      boss = null;
      if (b) await (await b.catch(() => null))?.stop({ graceful: true, wait: true });
      await Promise.all(running.values());
    },

    /**
     * Records a job of `kind` and has it run (see above); returns it at once. A second job of the
     * kind while one is queued or running is refused with 409.
     */
    async start({
      actor,
      kind,
      params,
    }: {
      actor: Actor | null;
      kind: string;
      params: unknown;
    }): Promise<Job> {
      if (!kinds.has(kind)) throw new Error(`no work is defined for jobs of kind ${kind}`);
      const id = await deps.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [JOBS_LOCK, kind]);
        const busy = await tx.query(BUSY_SQL, [kind, JOB_EXPIRY_SECONDS]);
        if (busy.rows.length > 0)
          throw new AppError('CONFLICT', `A ${kind} job is already running; wait for it to finish`);
        const { rows } = await tx.query<{ id: number }>(
          `insert into jobs (kind, params, actor, created_by) values ($1, $2, $3, $4) returning id`,
          [
            kind,
            JSON.stringify(params ?? {}),
            // who and in what scope; not the session's CSRF token
            actor ? JSON.stringify({ ...actor, csrfToken: null }) : null,
            actor ? label(actor) : null,
          ],
        );
        return rows[0]!.id;
      });
      if (deps.queueUrl) {
        try {
          await (await queue(deps.queueUrl)).send(kind, { jobId: id });
        } catch (error) {
          await update(id, {
            status: 'failed',
            message: `not queued: ${(error as Error).message}`,
          });
          throw error;
        }
      } else {
        void runHere(id);
      }
      return this.getJob({ id });
    },

    /** Resolves when no job of `kind` is queued or running (in any process). Tests and the CLI. */
    async settle(kind: string): Promise<void> {
      for (;;) {
        const { rows } = await deps.db.query(BUSY_SQL, [kind, JOB_EXPIRY_SECONDS]);
        if (rows.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
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
