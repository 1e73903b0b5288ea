/**
 * Readers outside the agreements module take an agreement's status as shown on today's clock
 * (agreement-status.ts), not the stored one the daily job moves at 00:05: an agreement whose term
 * has started counts as active (open commitments in supply vs demand and the allocation formula)
 * before its stored status moves, and one whose term has ended no longer gets a commitment risk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../src/server/auth/actor';
import { APPROVER, DEALER_A, DRAFTER } from './helpers/agreements';
import { seedFixtures } from './helpers/fixtures';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

describe.each(engines())('agreement status as shown, outside agreements (%s)', (engine) => {
  let t: TestApp;
  let clock = '2026-03-10';
  let dealer: Actor;
  /** ML-AURA from April 2026 (3 months, 30 units): approved, active from April */
  let starting: { id: number };
  /** ML-BOLT January to March 2026 (30 units): active, expired from April */
  let ending: { id: number };

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
    return s.transition({ actor: APPROVER, id: a.id, transition: 'approve', version: a.version });
  }

  const stored = async () => {
    const { rows } = await t.db.query<{ id: number; status: string }>(
      'select id, status from agreements order by id',
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.status]));
  };

  const openCommitments = async () => {
    const sd = await t.services.availability.getSupplyDemand({ actor: SYSTEM_ACTOR });
    return Object.fromEntries(sd.modelLines.map((l) => [l.modelLineCode, l.openCommitments]));
  };

  const riskAgreements = async () => {
    const { rows } = await t.db.query<{ id: number }>(
      'select distinct agreement_id as id from commitment_risks order by 1',
    );
    return rows.map((r) => r.id);
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: () => clock });
    await seedFixtures(t.db);
    const ids = await t.db.query<{ id: number }>(`select id from dealers where code = 'DLR-ALPHA'`);
    dealer = { ...DEALER_A, scope: { ...DEALER_A.scope, dealerIds: [ids.rows[0]!.id] } } as Actor;
    starting = await approved('2026-04', 3, 'ML-AURA');
    ending = await approved('2026-01', 3, 'ML-BOLT');
  }, 120_000);
  afterAll(async () => t?.close());

  it('counts the open commitments of agreements active as shown', async () => {
    // March: the ML-BOLT agreement runs, the ML-AURA one has not started
    expect(await stored()).toEqual({ [starting.id]: 'approved', [ending.id]: 'active' });
    expect(await openCommitments()).toMatchObject({ 'ML-AURA': 0, 'ML-BOLT': 30 });

    // April, before the daily job: stored statuses unchanged, the shown ones moved
    clock = '2026-04-02';
    expect(await stored()).toEqual({ [starting.id]: 'approved', [ending.id]: 'active' });
    expect(await openCommitments()).toMatchObject({ 'ML-AURA': 30, 'ML-BOLT': 0 });
  });

  it('gives risks to agreements approved or active as shown, and prunes an ended one', async () => {
    clock = '2026-03-10';
    await t.services.insights.refresh(null);
    expect(await riskAgreements()).toEqual([starting.id, ending.id].sort((a, b) => a - b));

    clock = '2026-04-02';
    expect(await stored()).toEqual({ [starting.id]: 'approved', [ending.id]: 'active' });
    const result = await t.services.insights.refresh(null);
    expect(result.agreements).toBe(1);
    expect(await riskAgreements()).toEqual([starting.id]);
  });
});
