/**
 * Issue 11, defect 1: a stair-step (agreement attainment) settles against the plan of the
 * agreement version in force during the measured window, whatever the agreement's status at
 * settlement; a cancelled agreement pays nothing and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/server/auth/actor';
import { APPROVER, DEALER_A, DRAFTER } from './helpers/agreements';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Statement = {
  earned: string;
  measureValue: string | null;
  measureNote: string | null;
  eligible: boolean;
  ineligibleReasons: string[];
};

const stairs = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: code,
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'quarter',
  payoutFrequency: 'quarter',
  measure: 'agreement_attainment',
  benefit: 'per_unit',
  tiers: [{ from: '90', value: '150' }],
  ...extra,
});

describe.each(engines())('the plan of a settled period (%s)', (engine) => {
  let t: TestApp;
  let clock = '2026-01-10';
  let channel: Client;
  let finance: Client;

  async function dealerActor(code: string): Promise<Actor> {
    const { rows } = await t.db.query<{ id: number }>('select id from dealers where code = $1', [
      code,
    ]);
    return {
      ...DEALER_A,
      scope: { kind: 'dealers', dealerIds: [rows[0]!.id], dealerCodes: [code], label: code },
    };
  }

  /** A quarterly 2026 agreement planning `total` Aura units (even over the four quarters). */
  async function agreement(dealerCode: string, total: number) {
    const s = t.services.agreements;
    let a = await s.createAgreement({
      actor: DRAFTER,
      data: {
        dealerCode,
        startMonth: '2026-01',
        months: 12,
        frequency: 'quarterly',
        countedKinds: ['retail_delivery', 'unwind'],
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total, spread: 'even' }],
      },
    });
    a = await s.transition({ actor: DRAFTER, id: a.id, transition: 'propose', version: a.version });
    const dealer = await dealerActor(dealerCode);
    a = await s.transition({ actor: dealer, id: a.id, transition: 'accept', version: a.version });
    a = await s.transition({
      actor: APPROVER,
      id: a.id,
      transition: 'approve',
      version: a.version,
    });
    return a;
  }

  /** 30 Aura sales in each quarter of 2026 for the dealer. */
  async function sales(dealerCode: string) {
    const rows = ['02', '05', '08', '11'].flatMap((month) =>
      Array.from({ length: 30 }, (_, i) =>
        txRow({
          dealerCode,
          occurredOn: `2026-${month}-${String((i % 28) + 1).padStart(2, '0')}`,
          externalId: `${dealerCode}-${month}-${i}`,
        }),
      ),
    );
    await ingestRows(t.services, rows);
    await t.db.query('update transactions set received_at = occurred_on + 1');
  }

  const statement = async (program: string, dealer: string, period: string) =>
    json<Statement>(
      await finance.get(`/api/v1/programs/${program}/statements/${dealer}?period=${period}`),
      200,
    );

  let amended: { id: number };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: () => clock });
    await seedFixtures(t.db);
    [channel, finance] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
    ]);
    await createProgram(channel, stairs('STAIRS'));
    await createProgram(
      channel,
      stairs('STAIRS-AG', { eligibility: { requiresActiveAgreement: true } }),
    );
    // Alpha: 120 planned (30 a quarter), amended in June to 240 (60 a quarter).
    amended = await agreement('DLR-ALPHA', 120);
    // Bravo: 120 planned, cancelled in March.
    const bravo = await agreement('DLR-BRAVO', 120);

    clock = '2026-03-15';
    const b = await t.services.agreements.getAgreement({ actor: APPROVER, id: bravo.id });
    await t.services.agreements.transition({
      actor: APPROVER,
      id: bravo.id,
      transition: 'cancel',
      version: b.version,
      comment: 'dealer sold',
    });

    clock = '2026-06-15';
    const a = await t.services.agreements.getAgreement({ actor: APPROVER, id: amended.id });
    await t.services.agreements.proposeRevision({
      actor: DRAFTER,
      id: amended.id,
      data: {
        version: a.version,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 240, spread: 'even' }],
      },
    });
    const { rows } = await t.db.query<{ id: number }>(
      `select id from agreement_revisions where agreement_id = $1`,
      [amended.id],
    );
    const revisionId = rows[0]!.id;
    const dealer = await dealerActor('DLR-ALPHA');
    await t.services.agreements.decideRevision({
      actor: dealer,
      id: amended.id,
      revisionId,
      decision: 'accept',
    });
    await t.services.agreements.decideRevision({
      actor: APPROVER,
      id: amended.id,
      revisionId,
      decision: 'approve',
    });

    // The term ended with Q4: at settlement in January 2027 the agreement is expired.
    clock = '2027-01-20';
    await sales('DLR-ALPHA');
    await sales('DLR-BRAVO');
    await t.services.agreements.advanceLifecycle();
  }, 120_000);
  afterAll(async () => t?.close());

  it('settles the last period of an expired agreement against its plan', async () => {
    const { rows } = await t.db.query<{ status: string }>(
      'select status from agreements where id = $1',
      [amended.id],
    );
    expect(rows[0]!.status).toBe('expired');
    // Q4 is measured against the amended plan (60): 30 of 60 is 50 %, below the 90 % step.
    const q4 = await statement('STAIRS', 'DLR-ALPHA', '2026-Q4');
    expect(q4.measureValue).toBe('50');
    expect(q4.measureNote).toBeNull();
    // It closes and is approved like any other period.
    await json(
      await finance.send('POST', '/api/v1/programs/STAIRS-AG/periods/close', { period: '2026-Q1' }),
      200,
    );
    const q1 = await statement('STAIRS-AG', 'DLR-ALPHA', '2026-Q1');
    expect(q1).toMatchObject({ eligible: true, measureValue: '100', earned: '4500.00' });
  });

  it('uses, for each quarter, the version in force at its start', async () => {
    // v1 (30 a quarter) from January; v2 (60 a quarter) from June: Q1 and Q2 are measured
    // against v1, Q3 and Q4 against v2.
    const byQuarter = await Promise.all(
      ['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4'].map((q) => statement('STAIRS', 'DLR-ALPHA', q)),
    );
    expect(byQuarter.map((s) => s.measureValue)).toEqual(['100', '100', '50', '50']);
    expect(byQuarter.map((s) => s.earned)).toEqual(['4500.00', '4500.00', '0.00', '0.00']);
  });

  it('pays nothing on a cancelled agreement, and says so', async () => {
    const q1 = await statement('STAIRS', 'DLR-BRAVO', '2026-Q1');
    expect(q1.earned).toBe('0.00');
    expect(q1.measureValue).toBeNull();
    expect(q1.measureNote).toMatch(/was cancelled/);
    const eligible = await statement('STAIRS-AG', 'DLR-BRAVO', '2026-Q1');
    expect(eligible.eligible).toBe(false);
    expect(eligible.ineligibleReasons.join(' ')).toMatch(/was cancelled/);
    expect(eligible.earned).toBe('0.00');
  });
});
