/**
 * A claim approved when its sale's period is closed and the dealer has no statement there (the
 * close froze nothing for it: no approved claim yet), while no later statement of the window can
 * count the sale (docs/incentives.md, "Claims"). Before, the approval fell through: the claim was
 * approved and never paid. Now it is paid once, as an adjustment naming the claim in the dealer's
 * next payable period, and a later re-close of the period does not pay it again; with no payable
 * period left the approval is 409 NO_PAYABLE_PERIOD and the claim stays to be rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import { closeAndApprove, monthlyUnitsProgram, startSettlementApp } from './helpers/settlement';

const A = 'DLR-ALPHA';
const B = 'DLR-BRAVO';

type Statement = {
  status: string;
  amountDue: string;
  lines: { kind: string; amount: string; explanation: string }[];
};

describe.each(engines())('claims of a period closed without the dealer (%s)', (engine) => {
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
  const stored = async (code: string, dealer: string) =>
    (
      await t.db.query<{ period: string; status: string }>(
        `select s.period, s.status from incentive_statements s join programs p on p.id = s.program_id
         join dealers d on d.id = s.dealer_id where p.code = $1 and d.code = $2 order by s.period`,
        [code, dealer],
      )
    ).rows;
  const adjustments = async (code: string, dealer: string) =>
    (
      await t.db.query<{ period: string; amount: string; claimId: string | null }>(
        `select a.period, a.amount::numeric(18,2)::text as amount, a.claim_id::text as "claimId"
         from incentive_adjustments a join programs p on p.id = a.program_id
         join dealers d on d.id = a.dealer_id where p.code = $1 and d.code = $2 order by a.id`,
        [code, dealer],
      )
    ).rows;
  /** A delivery of `dealer` on `day` (in the feed at once) and the VIN to claim it by. */
  const sale = async (dealer: string, day: string) => {
    const vin = `1UNST0CLM${String(++vinNo).padStart(8, '0')}`;
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({ vin, occurredOn: day, receivedAt: day, dealerCode: dealer }),
      ]),
      200,
    );
    return vin;
  };
  /** Submits a claim (validated) and returns its id. */
  const submit = async (client: Client, code: string, dealer: string, vin: string, day: string) => {
    const res = await json<{ items: { id: number; status: string }[] }>(
      await client.send('POST', `/api/v1/programs/${code}/claims`, {
        dealerCode: dealer,
        vin,
        sku: 'AURA-LX-ICE',
        deliveredOn: day,
      }),
      201,
    );
    expect(res.items[0]!.status).toBe('validated');
    return res.items[0]!.id;
  };
  const decide = (id: number, decision: 'approve' | 'reject') =>
    finance.send('POST', `/api/v1/claims/${id}/decision`, { decision, reason: 'checked' });
  const close = async (code: string, period: string) =>
    json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
  beforeAll(async () => {
    ({ t, admin, finance, dealerA, dealerB } = await startSettlementApp(engine));
  }, 600_000);
  afterAll(async () => t?.close());

  it('pays a claim of a month closed without the dealer once, in the next month, when every statement of the month is approved', async () => {
    const code = 'UNST-M';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const vinA = await sale(A, '2026-01-12');
    const vinB = await sale(B, '2026-01-12');
    await json(await decide(await submit(dealerB, code, B, vinB, '2026-01-12'), 'approve'), 200);
    // January closed: B's statement is frozen and approved, A (nothing approved yet) has none
    await closeAndApprove(finance, code, B, '2026-01');
    expect(await stored(code, A)).toEqual([]);
    await json(await decide(await submit(dealerA, code, A, vinA, '2026-01-12'), 'approve'), 200);
    // one adjustment, in February, naming the claim
    const adj = await adjustments(code, A);
    expect(adj.map((a) => [a.period, a.amount])).toEqual([['2026-02', '100.00']]);
    expect(adj[0]!.claimId).not.toBeNull();
    const february = await statement(code, A, '2026-02');
    expect(february.amountDue).toBe('100.00');
    const lines = february.lines.filter((l) => l.kind === 'adjustment');
    expect(lines.map((l) => l.amount)).toEqual(['100.00']);
    expect(lines[0]!.explanation).toMatch(
      new RegExp(`claim ${adj[0]!.claimId} \\(VIN ${vinA}\\).*2026-01`),
    );
    // January stays as it was for A, and paying February pays the claim, not again in March
    expect((await statement(code, A, '2026-01')).amountDue).toBe('0.00');
    await closeAndApprove(finance, code, A, '2026-02');
    expect((await statement(code, A, '2026-02')).amountDue).toBe('100.00');
    expect((await statement(code, A, '2026-03')).amountDue).toBe('0.00');
  }, 300_000);

  it('a re-close of the month after the claim was paid by an adjustment does not pay it again', async () => {
    const code = 'UNST-R';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const vinA = await sale(A, '2026-01-13');
    const vinB = await sale(B, '2026-01-13');
    await json(await decide(await submit(dealerB, code, B, vinB, '2026-01-13'), 'approve'), 200);
    // B's January statement stays closed (not approved): January can be re-closed
    await close(code, '2026-01');
    await json(await decide(await submit(dealerA, code, A, vinA, '2026-01-13'), 'approve'), 200);
    expect((await adjustments(code, A)).map((a) => [a.period, a.amount])).toEqual([
      ['2026-02', '100.00'],
    ]);
    await close(code, '2026-01');
    // the re-close froze no January statement for A: the claim is the adjustment's, once
    expect(await stored(code, A)).toEqual([]);
    expect((await statement(code, A, '2026-01')).amountDue).toBe('0.00');
    expect((await statement(code, A, '2026-02')).amountDue).toBe('100.00');
  }, 300_000);

  it('pays a claim of a quarter paid monthly once, after the quarter, when the dealer has no statement in the quarter', async () => {
    const code = 'UNST-Q';
    await createProgram(
      admin,
      monthlyUnitsProgram(code, { requiresClaim: true, measurementPeriod: 'quarter' }),
    );
    const vinA = await sale(A, '2026-01-14');
    const vinB = await sale(B, '2026-03-14');
    await json(await decide(await submit(dealerB, code, B, vinB, '2026-03-14'), 'approve'), 200);
    // the quarter closed with nothing approved for A (no statement), B's March approved
    await close(code, '2026-01');
    await close(code, '2026-02');
    await closeAndApprove(finance, code, B, '2026-03');
    expect(await stored(code, A)).toEqual([]);
    await json(await decide(await submit(dealerA, code, A, vinA, '2026-01-14'), 'approve'), 200);
    expect((await adjustments(code, A)).map((a) => [a.period, a.amount])).toEqual([
      ['2026-04', '100.00'],
    ]);
    expect((await statement(code, A, '2026-04')).amountDue).toBe('100.00');
    expect((await statement(code, A, '2026-03')).amountDue).toBe('0.00');
  }, 300_000);

  it('with no period left to pay it, the approval is 409 NO_PAYABLE_PERIOD, nothing is written, and the claim can be rejected', async () => {
    const code = 'UNST-END';
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    const vinA = await sale(A, '2026-06-12');
    const vinB = await sale(B, '2026-06-12');
    await json(await decide(await submit(dealerB, code, B, vinB, '2026-06-12'), 'approve'), 200);
    for (const period of ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05'])
      await close(code, period);
    await closeAndApprove(finance, code, B, '2026-06');
    const id = await submit(dealerA, code, A, vinA, '2026-06-12');
    const refused = await json<{ code: string; message: string; details: { window: string } }>(
      await decide(id, 'approve'),
      409,
    );
    expect(refused.code).toBe('NO_PAYABLE_PERIOD');
    expect(refused.message).toMatch(/reject the claim/);
    expect(refused.details.window).toBe('2026-06');
    expect(await adjustments(code, A)).toEqual([]);
    const { rows } = await t.db.query<{ status: string }>(
      'select status from incentive_claims where id = $1',
      [id],
    );
    expect(rows[0]!.status).toBe('validated');
    await json(await decide(id, 'reject'), 200);
  }, 300_000);
});
