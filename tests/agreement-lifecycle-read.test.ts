/**
 * The lifecycle's clock on read (issue 18 §2): an agreement whose term started or ended shows
 * active or expired in the list, the roll-ups, its page and its progress without any of these
 * reads writing (the rows keep their xmin, no event is added), so the lists can run on a read
 * replica. The stored status catches up in the write paths (before they check the version a read
 * showed) and in the daily job, with the lifecycle event in the history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER, DEALER_A, DRAFTER } from './helpers/agreements';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { LIFECYCLE_JOB_KIND } from '../src/server/modules/agreements/agreement-lifecycle-job';
import type { Actor } from '../src/server/auth/actor';

type Summary = { id: number; code: string; status: string };
type Agreement = { id: number; status: string; version: number; events: { action: string }[] };

describe.each(engines())('the lifecycle shown on read (%s)', (engine) => {
  let t: TestApp;
  let clock = '2026-03-10';
  let channel: Client;
  let dealer: Actor;
  /** starts in June 2026 (3 months): approved, then active in July */
  let later: Agreement;
  /** January to March 2026: active, then expired from April */
  let running: Agreement;

  async function approved(startMonth: string, months: number, code: string) {
    const s = t.services.agreements;
    let a = await s.createAgreement({
      actor: DRAFTER,
      data: {
        dealerCode: 'DLR-ALPHA',
        startMonth,
        months,
        frequency: 'monthly',
        countedKinds: ['retail_delivery', 'unwind'],
        lines: [{ target: { kind: 'model_line', code }, total: 30, spread: 'even' }],
      },
    });
    a = await s.transition({ actor: DRAFTER, id: a.id, transition: 'propose', version: a.version });
    a = await s.transition({ actor: dealer, id: a.id, transition: 'accept', version: a.version });
    a = await s.transition({
      actor: APPROVER,
      id: a.id,
      transition: 'approve',
      version: a.version,
    });
    return a as unknown as Agreement;
  }

  /** What a write would leave behind: each row's xmin and version, and the events. */
  async function footprint() {
    const rows = await t.db.query<{ id: number; xmin: string; status: string; v: number }>(
      'select id, xmin::text as xmin, status, row_version as v from agreements order by id',
    );
    const events = await t.db.query<{ n: number }>(
      'select count(*)::int as n from agreement_events',
    );
    return { rows: rows.rows, events: events.rows[0]!.n };
  }

  const statuses = async (query = '') => {
    const page = await json<{ items: Summary[] }>(
      await channel.get(`/api/v1/agreements${query}`),
      200,
    );
    return Object.fromEntries(page.items.map((s) => [s.id, s.status]));
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: () => clock });
    await seedFixtures(t.db);
    channel = await login(t.url, USERS.channel, PASSWORD);
    const ids = await t.db.query<{ id: number }>(`select id from dealers where code = 'DLR-ALPHA'`);
    dealer = { ...DEALER_A, scope: { ...DEALER_A.scope, dealerIds: [ids.rows[0]!.id] } } as Actor;
    later = await approved('2026-06', 3, 'ML-AURA');
    running = await approved('2026-01', 3, 'ML-BOLT');
    expect([later.status, running.status]).toEqual(['approved', 'active']);
  }, 120_000);
  afterAll(async () => t?.close());

  it('shows active and expired from the clock and writes nothing', async () => {
    clock = '2026-07-02';
    const before = await footprint();
    expect(before.rows.map((r) => r.status)).toEqual(['approved', 'active']);

    expect(await statuses()).toEqual({ [later.id]: 'active', [running.id]: 'expired' });
    expect(await statuses('?status=active')).toEqual({ [later.id]: 'active' });
    expect(await statuses('?status=expired')).toEqual({ [running.id]: 'expired' });
    expect(await statuses('?status=approved')).toEqual({});
    const rollup = await json<{ items: { agreements: number }[] }>(
      await channel.get('/api/v1/agreements/rollup?by=model_line&status=active'),
      200,
    );
    expect(rollup.items.map((i) => i.agreements)).toEqual([1]);
    const csv = await (await channel.get('/api/v1/agreements/export')).text();
    expect(csv).toContain(',expired,2026-01,');
    const page = await json<Agreement>(await channel.get(`/api/v1/agreements/${later.id}`), 200);
    // the row as storing the move will leave it: one version more
    expect(page).toMatchObject({ status: 'active', version: later.version + 1 });
    const progress = await json<{ status: string }>(
      await channel.get(`/api/v1/agreements/${running.id}/progress`),
      200,
    );
    expect(progress.status).toBe('expired');

    expect(await footprint()).toEqual(before);
  });

  it('stores the move in a write path, where the version a read showed holds', async () => {
    const page = await json<Agreement>(await channel.get(`/api/v1/agreements/${later.id}`), 200);
    const res = await channel.send('POST', `/api/v1/agreements/${later.id}/cancel`, {
      version: page.version,
      comment: 'dealer closed',
    });
    const cancelled = await json<Agreement>(res, 200);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.events.map((e) => e.action).slice(-2)).toEqual(['lifecycle', 'cancel']);
    const { rows } = await t.db.query<{ from_status: string; to_status: string }>(
      `select from_status, to_status from agreement_events where agreement_id = $1 and action = 'lifecycle'`,
      [later.id],
    );
    expect(rows).toEqual([{ from_status: 'approved', to_status: 'active' }]);
  });

  it('stores the rest in the daily job, with its progress', async () => {
    const job = await t.services.jobs.start({ actor: null, kind: LIFECYCLE_JOB_KIND, params: {} });
    await t.services.jobs.startWorkers();
    await t.services.jobs.settle(LIFECYCLE_JOB_KIND);
    const done = await t.services.jobs.getJob({ id: job.id });
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { moved: 1 } });
    const after = await footprint();
    expect(after.rows.find((r) => r.id === running.id)).toMatchObject({
      status: 'expired',
      v: running.version + 1,
    });
    // nothing left to move: the shown and the stored status agree, and a read still writes nothing
    expect(await statuses()).toEqual({ [later.id]: 'cancelled', [running.id]: 'expired' });
    expect(await t.services.agreements.advanceLifecycle()).toBe(0);
    expect(await footprint()).toEqual(after);
  });
});
