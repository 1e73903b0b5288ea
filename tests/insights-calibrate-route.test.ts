/**
 * Issue 14: the network's risk recalibration on demand. POST /insights/risks/calibrate starts the
 * `insights.risk-calibration` job (202 with the job, its progress on /jobs/:id as any job's),
 * OEM only (agreements:write, as the risk refresh), 409 while one runs; `refresh` recomputes the
 * risks with the new maps when it ends; bad input answers 400 with code, message and path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATION_JOB_KIND } from '../src/server/modules/insights/risk-calibration-job';
import { runCalibrateCommand } from '../src/server/modules/insights/calibrate-command';
import { RISK_JOB_KIND } from '../src/server/modules/insights/insights.service';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Job = {
  id: number;
  kind: string;
  status: string;
  progress: number;
  params: unknown;
  result: { calibration?: string; stored?: number | null } | null;
  createdBy: string | null;
};
type Problem = { code: string; message: string; details: { problems: { path: string }[] } };

describe.each(engines())('POST /insights/risks/calibrate (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let west: Client;
  let dealerA: Client;
  let analyst: Client;

  const calibrations = async () =>
    (await t.db.query<{ n: number }>(`select count(*)::int as n from risk_calibrations`)).rows[0]!
      .n;
  const finish = async (client: Client, id: number) => {
    let job = await json<Job>(await client.get(`/api/v1/jobs/${id}`), 200);
    for (let i = 0; i < 1100 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await json<Job>(await client.get(`/api/v1/jobs/${id}`), 200);
    }
    return job;
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [txRow(), txRow({ dealerCode: 'DLR-BRAVO' })]);
    [channel, west, dealerA, analyst] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.analyst, PASSWORD),
    ]);
  }, 300_000);
  afterAll(async () => t?.close());

  it('is OEM only: a dealer and a read-only role get 403 and no job starts', async () => {
    for (const client of [dealerA, analyst]) {
      const body = await json<Problem>(
        await client.send('POST', '/api/v1/insights/risks/calibrate', {}),
        403,
      );
      expect(body.code).toBe('FORBIDDEN');
    }
    const { rows } = await t.db.query(`select 1 from jobs where kind = $1`, [CALIBRATION_JOB_KIND]);
    expect(rows).toHaveLength(0);
  });

  it('answers 202 with the job; it runs to the end with progress and stores a run', async () => {
    const before = await calibrations();
    const res = await channel.send('POST', '/api/v1/insights/risks/calibrate');
    const job = await json<Job>(res, 202);
    expect(job).toMatchObject({ kind: CALIBRATION_JOB_KIND, params: { refresh: false } });
    expect(job.createdBy).not.toBeNull();
    expect(res.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
    const done = await finish(channel, job.id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100 });
    // two dealers' few months: no ended term, the shipped default stays in use
    expect(done.result).toMatchObject({ calibration: 'default' });
    expect(await calibrations()).toBe(before + 1);
    expect(await t.services.insights.calibrations.current()).toBeNull();
    // no refresh asked: no risk refresh job
    const { rows } = await t.db.query(`select 1 from jobs where kind = $1`, [RISK_JOB_KIND]);
    expect(rows).toHaveLength(0);
  }, 120_000);

  it('a regional manager starts it and follows its own job; with refresh the risks follow', async () => {
    const job = await json<Job>(
      await west.send('POST', '/api/v1/insights/risks/calibrate', { refresh: true }),
      202,
    );
    expect(job.params).toEqual({ refresh: true });
    expect(await finish(west, job.id)).toMatchObject({ status: 'succeeded', progress: 100 });
    await t.services.jobs.settle(RISK_JOB_KIND);
    const { rows } = await t.db.query<{ status: string }>(
      `select status from jobs where kind = $1`,
      [RISK_JOB_KIND],
    );
    expect(rows.map((r) => r.status)).toEqual(['succeeded']);
  }, 120_000);

  it('refuses a second start while one runs (409)', async () => {
    await t.db.query(`insert into jobs (kind, params, status) values ($1, '{}', 'running')`, [
      CALIBRATION_JOB_KIND,
    ]);
    try {
      const body = await json<Problem>(
        await channel.send('POST', '/api/v1/insights/risks/calibrate', {}),
        409,
      );
      expect(body.code).toBe('CONFLICT');
    } finally {
      await t.db.query(`delete from jobs where kind = $1 and status = 'running'`, [
        CALIBRATION_JOB_KIND,
      ]);
    }
  });

  it('the CLI command (insights:calibrate) starts the same job and follows it to its end', async () => {
    const before = await calibrations();
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (x: string) => void out.push(x),
      stderr: (x: string) => void err.push(x),
      isStderrTty: false,
    };
    expect(await runCalibrateCommand(t.services, { pollMs: 20 }, io)).toBe(0);
    expect(await calibrations()).toBe(before + 1);
    const { rows } = await t.db.query<{ id: number; status: string }>(
      `select id, status from jobs where kind = $1 order by id desc limit 1`,
      [CALIBRATION_JOB_KIND],
    );
    expect(rows[0]!.status).toBe('succeeded');
    expect(err.join('')).toContain(`job ${rows[0]!.id} (${CALIBRATION_JOB_KIND}) started`);
    expect(out.join('')).toContain('the shipped default calibration stays in use');
    // --json: the stored run
    out.length = 0;
    expect(await runCalibrateCommand(t.services, { json: true, pollMs: 20 }, io)).toBe(0);
    const printed = JSON.parse(out.join('')) as { stored: number; calibration: string };
    expect(printed.calibration).toBe('default');
    const latest = await t.db.query<{ id: number }>(
      `select id from risk_calibrations order by id desc limit 1`,
    );
    expect(printed.stored).toBe(latest.rows[0]!.id);
  }, 120_000);

  it('answers bad input with 400, code, message and path, and starts nothing', async () => {
    const before = await calibrations();
    const jobs = async () =>
      (await t.db.query(`select 1 from jobs where kind = $1`, [CALIBRATION_JOB_KIND])).rows.length;
    const count = await jobs();
    for (const [body, path] of [
      [{ refresh: 'yes' }, 'body.refresh'],
      [{ refresh: true, terms: 3 }, 'body.terms'],
      [[true], 'body'],
    ] as const) {
      const problem = await json<Problem>(
        await channel.send('POST', '/api/v1/insights/risks/calibrate', body),
        400,
      );
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.message).toBeTruthy();
      expect(problem.details.problems.map((p) => p.path)).toContain(path);
    }
    const malformed = await json<Problem>(
      await channel.send('POST', '/api/v1/insights/risks/calibrate', '{"refresh":', {
        'content-type': 'application/json',
      }),
      400,
    );
    expect(malformed.code).toBeTruthy();
    expect(await jobs()).toBe(count);
    expect(await calibrations()).toBe(before);
  });
});
