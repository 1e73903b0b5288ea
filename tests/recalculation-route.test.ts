/** Issue 11: the network recalculation started from the API, as a job with progress, OEM only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthlyProgram, signIn, startWithFixtures } from './helpers/chargeback';
import { ingestRows, txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';

type Job = { id: number; kind: string; status: string; progress: number; result: unknown };

describe.each(engines())('POST /programs/recalculate (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  let channel: Client;
  let dealerA: Client;

  beforeAll(async () => {
    t = await startWithFixtures(engine, '2026-04-20');
    await ingestRows(t.services, [txRow(), txRow({ dealerCode: 'DLR-BRAVO' })]);
    [finance, channel, dealerA] = await signIn(t, 'finance', 'channel', 'dealerA');
    await createProgram(channel, monthlyProgram('RECALC', { name: 'Recalc' }));
  }, 60_000);
  afterAll(async () => t?.close());

  it('answers 202 with the job and its link; the job runs to the end with progress', async () => {
    const res = await finance.send('POST', '/api/v1/programs/recalculate');
    const started = await json<{ jobId: number; href: string; job: Job }>(res, 202);
    expect(started.href).toBe(`/api/v1/jobs/${started.jobId}`);
    expect(res.headers.get('location')).toBe(started.href);
    expect(started.job).toMatchObject({ id: started.jobId, kind: 'incentives.recalculate' });
    let job = started.job;
    for (let i = 0; i < 100 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await json<Job>(await finance.get(started.href), 200);
    }
    expect(job).toMatchObject({ status: 'succeeded', progress: 100 });
  });

  it('refuses a second start while one runs (409)', async () => {
    await t.db.query(
      `insert into jobs (kind, status, started_at) values ('incentives.recalculate', 'running', now())`,
    );
    const res = await finance.send('POST', '/api/v1/programs/recalculate');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('CONFLICT');
    await t.db.query(
      `update jobs set status = 'failed', finished_at = now() where status = 'running'`,
    );
  });

  it('is for the OEM only', async () => {
    expect((await dealerA.send('POST', '/api/v1/programs/recalculate')).status).toBe(403);
    expect((await channel.send('POST', '/api/v1/programs/recalculate')).status).toBe(403);
  });
});
