/**
 * Jobs: recorded in `jobs`, run in this process on PGlite and through pg-boss on the PostgreSQL
 * server, where any process working the queue takes them; one job of a kind at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createJobsService, type JobsService } from '../src/server/modules/jobs/jobs.service';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

describe.each(engines())('jobs (%s)', (engine) => {
  let t: TestDb;
  const services: JobsService[] = [];
  /** A jobs service as one process has it, with a kind `echo` that says which process ran it. */
  const processNamed = (name: string, options: { isWorker?: boolean } = {}) => {
    const jobs = createJobsService({ db: t.db, queueUrl: t.db.connectionString, ...options });
    services.push(jobs);
    jobs.define('echo', async ({ params, actor, report }) => {
      await report(50, 'half way');
      const { wait } = params as { wait?: boolean };
      if (wait) await released;
      return { ranBy: name, params, actorName: actor?.name ?? null };
    });
    return jobs;
  };
  let release: () => void = () => undefined;
  let released = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    release();
    for (const jobs of services) await jobs.stopWorkers();
    await t?.drop();
  });

  it('runs a job with its parameters and actor, records the result, and refuses a second of its kind meanwhile', async () => {
    const jobs = processNamed('A');
    await jobs.startWorkers();
    const first = await jobs.start({ actor: SYSTEM_ACTOR, kind: 'echo', params: { wait: true } });
    expect(first).toMatchObject({ kind: 'echo', status: 'queued', createdBy: 'user:0:system' });
    await expect(
      jobs.start({ actor: SYSTEM_ACTOR, kind: 'echo', params: {} }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    release();
    await jobs.settle('echo');
    expect(await jobs.getJob({ id: first.id })).toMatchObject({
      status: 'succeeded',
      progress: 100,
      result: { ranBy: 'A', params: { wait: true }, actorName: 'system' },
    });
    released = new Promise<void>((resolve) => (release = resolve));
  });

  it.runIf(engine === 'postgres')(
    'leaves a job to whichever process works the queue, through pg-boss',
    async () => {
      const front = processNamed('front', { isWorker: false });
      const job = await front.start({ actor: SYSTEM_ACTOR, kind: 'echo', params: {} });
      const queued = await t.db.query<{ n: number }>(
        `select count(*)::int as n from pgboss.job where name = 'echo' and data->>'jobId' = $1`,
        [String(job.id)],
      );
      expect(queued.rows[0]!.n).toBe(1);
      // queued counts as busy for every process
      const worker = processNamed('worker');
      await expect(
        worker.start({ actor: SYSTEM_ACTOR, kind: 'echo', params: {} }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await worker.startWorkers();
      await front.settle('echo');
      expect(await front.getJob({ id: job.id })).toMatchObject({
        status: 'succeeded',
        result: { ranBy: 'worker' },
      });
    },
  );
});
