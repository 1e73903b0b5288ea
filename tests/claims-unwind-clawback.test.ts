/**
 * The unwind of a claimed sale claws back what the claim was paid, whichever way it was paid
 * (docs/incentives.md, "Claims"). A claim approved when no statement could count its sale is paid
 * by an adjustment naming it (migration 0048); before, an unwind of that sale clawed nothing back
 * (the sale counts in no statement, so the unwind only netted in its own window, below the first
 * tier: 0.00), whereas a claim paid inside a statement was clawed back exactly. Now the claim's
 * adjustment is a settled unit: the unwind's statement has a clawback line of exactly the
 * adjustment, once (the approved statement that carries it marks the adjustment). An unwind that
 * names the claimed sale by its external id only (no VIN) counts in the claim program too (before,
 * only unwinds carrying the VIN did, in either case).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  unwindOn,
} from './helpers/settlement';

const A = 'DLR-ALPHA';
const B = 'DLR-BRAVO';

type Statement = {
  status: string;
  amountDue: string;
  lines: { kind: string; amount: string; explanation: string }[];
};

describe.each(engines())('unwinds of claimed sales (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;
  let vinNo = 0;

  const statement = async (code: string, dealer: string, period: string) =>
    json<Statement>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const kinds = (s: Statement, kind: string) =>
    s.lines.filter((l) => l.kind === kind).map((l) => l.amount);
  const adjustments = async (code: string, dealer: string) =>
    (
      await t.db.query<{ period: string; amount: string; clawedBackBy: string | null }>(
        `select a.period, a.amount::numeric(18,2)::text as amount, a.clawed_back_by::text as "clawedBackBy"
         from incentive_adjustments a join programs p on p.id = a.program_id
         join dealers d on d.id = a.dealer_id where p.code = $1 and d.code = $2 order by a.id`,
        [code, dealer],
      )
    ).rows;
  /** A delivery of `dealer` on `day` (external id `sale`) and its VIN. */
  const sale = async (dealer: string, sale: string, day: string) => {
    const vin = `1UNWCLAWB${String(++vinNo).padStart(8, '0')}`;
    await deliverOn(admin, dealer, [[sale, day, vin]]);
    return vin;
  };
  /** Submits a claim of the sale and approves it. */
  const claim = async (code: string, dealer: string, vin: string, day: string) => {
    const res = await json<{ items: { id: number; status: string }[] }>(
      await (dealer === A ? dealerA : dealerB).send('POST', `/api/v1/programs/${code}/claims`, {
        dealerCode: dealer,
        vin,
        sku: 'AURA-LX-ICE',
        deliveredOn: day,
      }),
      201,
    );
    expect(res.items[0]!.status).toBe('validated');
    await json(
      await finance.send('POST', `/api/v1/claims/${res.items[0]!.id}/decision`, {
        decision: 'approve',
        reason: 'checked',
      }),
      200,
    );
  };
  const close = async (code: string, period: string) =>
    json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
  /**
   * A's January sale claimed after January closed without a statement for A (B's approved):
   * paid by an adjustment of 100.00 in February (tests/claims-unstated-period.test.ts).
   */
  const paidByAdjustment = async (code: string, day = '2026-01-12') => {
    const vinA = await sale(A, `${code}-A1`, day);
    const vinB = await sale(B, `${code}-B1`, day);
    await claim(code, B, vinB, day);
    await closeAndApprove(finance, code, B, '2026-01');
    await claim(code, A, vinA, day);
    expect((await adjustments(code, A)).map((a) => [a.period, a.amount])).toEqual([
      ['2026-02', '100.00'],
    ]);
    return vinA;
  };

  beforeAll(async () => {
    ({ t, admin, finance, dealerA, dealerB } = await startSettlementApp(engine));
  }, 600_000);
  afterAll(async () => t?.close());

  it('claws back a claim paid by an adjustment once, in the month its sale is unwound', async () => {
    const code = 'UNW-M';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const vinA = await paidByAdjustment(code);
    await closeAndApprove(finance, code, A, '2026-02');
    expect((await statement(code, A, '2026-02')).amountDue).toBe('100.00');
    await unwindOn(admin, A, `${code}-A1`, '2026-03-10', vinA);
    const march = await statement(code, A, '2026-03');
    expect(kinds(march, 'clawback')).toEqual(['-100.00']);
    expect(march.lines.find((l) => l.kind === 'clawback')!.explanation).toMatch(
      /paid by the adjustment of claim \d+ in 2026-02: the 100\.00 paid for it is clawed back/,
    );
    expect(march.amountDue).toBe('-100.00');
    // closed, then closed again: still once
    await close(code, '2026-03');
    await close(code, '2026-03');
    expect((await statement(code, A, '2026-03')).amountDue).toBe('-100.00');
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${A}/approve`, {
        period: '2026-03',
      }),
      200,
    );
    const [adjustment] = await adjustments(code, A);
    expect(adjustment!.clawedBackBy).not.toBeNull();
    expect((await statement(code, A, '2026-03')).amountDue).toBe('-100.00');
    expect((await statement(code, A, '2026-04')).amountDue).toBe('0.00');
  }, 300_000);

  it('claws back claims paid in a statement and by an adjustment when the unwind names the sale only', async () => {
    const code = 'UNW-X';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const inStatement = await sale(A, `${code}-S1`, '2026-01-05');
    const late = await sale(A, `${code}-S2`, '2026-01-06');
    await claim(code, A, inStatement, '2026-01-05');
    await closeAndApprove(finance, code, A, '2026-01');
    expect((await statement(code, A, '2026-01')).amountDue).toBe('100.00');
    // claimed after A's January was approved: paid by an adjustment in February
    await claim(code, A, late, '2026-01-06');
    expect((await adjustments(code, A)).map((a) => [a.period, a.amount])).toEqual([
      ['2026-02', '100.00'],
    ]);
    // both unwound by rows naming the sale, without a VIN
    await unwindOn(admin, A, `${code}-S1`, '2026-03-10');
    await unwindOn(admin, A, `${code}-S2`, '2026-03-11');
    const march = await statement(code, A, '2026-03');
    expect(kinds(march, 'clawback')).toEqual(['-100.00', '-100.00']);
    expect(march.amountDue).toBe('-200.00');
  }, 300_000);

  it('in a quarter paid monthly, the clawback is carried once through the quarter', async () => {
    const code = 'UNW-Q';
    await createProgram(
      admin,
      monthlyUnitsProgram(code, { requiresClaim: true, measurementPeriod: 'quarter' }),
    );
    const vinA = await sale(A, `${code}-A1`, '2026-01-14');
    const vinB = await sale(B, `${code}-B1`, '2026-03-14');
    await claim(code, B, vinB, '2026-03-14');
    await close(code, '2026-01');
    await close(code, '2026-02');
    await closeAndApprove(finance, code, B, '2026-03');
    await claim(code, A, vinA, '2026-01-14');
    expect((await adjustments(code, A)).map((a) => [a.period, a.amount])).toEqual([
      ['2026-04', '100.00'],
    ]);
    await unwindOn(admin, A, `${code}-A1`, '2026-04-20', vinA);
    const april = await statement(code, A, '2026-04');
    expect([kinds(april, 'adjustment'), kinds(april, 'clawback')]).toEqual([
      ['100.00'],
      ['-100.00'],
    ]);
    expect(april.amountDue).toBe('0.00');
    await closeAndApprove(finance, code, A, '2026-04');
    // May (cumulative) carries April's adjustment and clawback: nothing more is due either way
    const may = await statement(code, A, '2026-05');
    expect(kinds(may, 'clawback')).toEqual(['-100.00']);
    expect(may.amountDue).toBe('0.00');
    expect((await statement(code, A, '2026-06')).amountDue).toBe('0.00');
  }, 300_000);

  it('an unwind dated in the sale’s own month, stored after it was settled, is a correction of exactly the adjustment', async () => {
    const code = 'UNW-C';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const vinA = await paidByAdjustment(code);
    await unwindOn(admin, A, `${code}-A1`, '2026-01-25', vinA);
    const february = await statement(code, A, '2026-02');
    expect(kinds(february, 'adjustment')).toEqual(['100.00']);
    expect(kinds(february, 'correction')).toEqual(['-100.00']);
    expect(february.amountDue).toBe('0.00');
  }, 300_000);
});
