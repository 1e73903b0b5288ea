/**
 * A cumulative window settles in order (docs/incentives.md, "A window settles in order"): a
 * monthly statement of a quarterly (or whole-program) window pays the window's earned so far
 * minus what its earlier statements put up for payment, closed ones included, and a dealer's
 * statements of a window are approved in period order. Nothing of the window is paid twice,
 * whatever the order of the closes, re-closes and approvals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const program = (code: string, measurementPeriod: 'quarter' | 'program') => ({
  code,
  name: `Window order ${code}`,
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  measurementPeriod,
  payoutFrequency: 'month',
  graceDays: 10,
  qualifying: { modelLines: ['ML-AURA'] },
  measure: 'units',
  tiers: [{ from: '0', value: '100' }],
  benefit: 'per_unit',
});

type Statement = {
  status: string;
  earned: string;
  amountDue: string;
  previouslySettled: string;
};
type ErrorBody = { code: string; message: string; details: Record<string, unknown> };

describe.each(engines())('a window settles in order (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const dealer = 'DLR-ALPHA';

  const post = async (rows: Record<string, unknown>[]) =>
    await json(await admin.send('POST', '/api/v1/transactions', rows), 200);
  const sale = (externalId: string, occurredOn: string) =>
    txRow({ externalId, occurredOn, receivedAt: occurredOn, dealerCode: dealer });
  const statement = async (code: string, period: string) =>
    json<Statement>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const listed = async (code: string, period: string) =>
    (
      await json<{ items: { dealerCode: string; amountDue: string }[] }>(
        await finance.get(`/api/v1/programs/${code}/statements?period=${period}`),
        200,
      )
    ).items.find((i) => i.dealerCode === dealer)!;
  const close = (code: string, period: string) =>
    finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period });
  const approve = (code: string, period: string) =>
    finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, { period });
  const approvedTotal = async (code: string) => {
    const { rows } = await t.db.query<{ amountDue: string }>(
      `select s.amount_due::text as "amountDue" from incentive_statements s join programs p on p.id = s.program_id
       where p.code = $1 and s.status in ('approved', 'paid')`,
      [code],
    );
    return rows.reduce((a, r) => a.plus(r.amountDue), new Dec(0)).toFixed(2);
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(admin, program('ORD-Q', 'quarter'));
    await createProgram(admin, program('ORD-P', 'program'));
    await createProgram(admin, program('ORD-R', 'quarter'));
    await createProgram(admin, program('ORD-S', 'quarter'));
    await createProgram(admin, { ...program('ORD-D', 'quarter'), endDate: '2026-02-28' });
    await createProgram(admin, program('ORD-E', 'quarter'));
    // two units in January, one in February (every program counts them)
    await post([
      sale('O-J1', '2026-01-10'),
      sale('O-J2', '2026-01-12'),
      sale('O-F1', '2026-02-10'),
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it.each(['ORD-Q', 'ORD-P'])(
    '%s: February closed while January is closed (not approved) pays January once',
    async (code) => {
      await json(await close(code, '2026-01'), 200);
      expect((await statement(code, '2026-01')).amountDue).toBe('200.00');
      // the open February already counts the closed January (statement and network list)
      expect((await statement(code, '2026-02')).amountDue).toBe('100.00');
      expect((await listed(code, '2026-02')).amountDue).toBe('100.00');
      const closed = await json<{ totalAmountDue: string }>(await close(code, '2026-02'), 200);
      expect(closed.totalAmountDue).toBe('100.00');
      const feb = await statement(code, '2026-02');
      expect([feb.status, feb.earned, feb.previouslySettled, feb.amountDue]).toEqual([
        'closed',
        '300.00',
        '200.00',
        '100.00',
      ]);
      // the accruals count each unit once too
      const accruals = await json<{ earnedToDate: string }>(
        await finance.get(`/api/v1/programs/${code}/accruals`),
        200,
      );
      expect(accruals.earnedToDate).toBe('300.00');

      // February may not be approved before January
      const early = await json<ErrorBody>(await approve(code, '2026-02'), 409);
      expect(early.code).toBe('WINDOW_OUT_OF_ORDER');
      expect(early.message).toMatch(/January/);
      expect(early.details).toMatchObject({ period: '2026-02', blockedBy: ['2026-01'] });
      expect(await approvedTotal(code)).toBe('0.00');

      expect((await json<Statement>(await approve(code, '2026-01'), 200)).amountDue).toBe('200.00');
      expect((await json<Statement>(await approve(code, '2026-02'), 200)).amountDue).toBe('100.00');
      expect(await approvedTotal(code)).toBe('300.00');
      // a re-close of January after February's approval changes nothing (approved, 409)
      await json(await close(code, '2026-01'), 409);
      expect((await statement(code, '2026-01')).amountDue).toBe('200.00');
      expect(await approvedTotal(code)).toBe('300.00');
    },
    300_000,
  );

  it('re-closing January while February is closed: February is reviewed again before approval', async () => {
    const code = 'ORD-R';
    await json(await close(code, '2026-01'), 200);
    await json(await close(code, '2026-02'), 200);
    // a re-close of January is allowed while it is not approved; February still counts it
    await json(await close(code, '2026-01'), 200);
    expect((await statement(code, '2026-02')).amountDue).toBe('100.00');
    // the bulk approval of February leaves the statement as an exception, approves nothing
    const bulk = await json<{
      approved: { dealers: { dealerCode: string }[] };
      exceptions: { dealerCode: string; reason: string }[];
    }>(
      await finance.send('POST', `/api/v1/programs/${code}/periods/approve`, { period: '2026-02' }),
      200,
    );
    expect(bulk.approved.dealers.map((d) => d.dealerCode)).not.toContain(dealer);
    expect(bulk.exceptions.find((e) => e.dealerCode === dealer)?.reason).toBe('out_of_order');
    await json(await approve(code, '2026-01'), 200);
    await json(await approve(code, '2026-02'), 200);
    expect(await approvedTotal(code)).toBe('300.00');
  }, 300_000);

  it('February approved before January was ever closed: closing January puts nothing more up', async () => {
    const code = 'ORD-S';
    await json(await close(code, '2026-02'), 200);
    // nothing of the window was closed before: February pays the window so far
    expect((await json<Statement>(await approve(code, '2026-02'), 200)).amountDue).toBe('300.00');
    // January's close freezes no statement for the dealer: February's approval paid it
    await json(await close(code, '2026-01'), 200);
    const { rows } = await t.db.query(
      `select 1 from incentive_statements s join programs p on p.id = s.program_id
       join dealers d on d.id = s.dealer_id where p.code = $1 and d.code = $2 and s.period = '2026-01'`,
      [code, dealer],
    );
    expect(rows).toHaveLength(0);
    await json(await approve(code, '2026-01'), 409);
    expect(await approvedTotal(code)).toBe('300.00');
  }, 300_000);

  it('a dispute on an open January whose February is approved is paid in March, not lost', async () => {
    const code = 'ORD-E';
    await json(await close(code, '2026-02'), 200);
    expect((await json<Statement>(await approve(code, '2026-02'), 200)).amountDue).toBe('300.00');
    const { rows } = await t.db.query<{ id: string }>(
      `select id::text as id from transactions where external_id = 'O-J2'`,
    );
    const dispute = await json<{ id: number }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period: '2026-01',
        transactionId: rows[0]!.id,
        comment: 'one more',
      }),
      201,
    );
    await json(
      await finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount: '50.00',
        reason: 'goodwill',
      }),
      200,
    );
    // January's close would put nothing up for the dealer (February paid the window so far)
    const { rows: adjustments } = await t.db.query<{ period: string }>(
      `select period from incentive_adjustments where dispute_id = $1`,
      [dispute.id],
    );
    expect(adjustments.map((a) => a.period)).toEqual(['2026-03']);
    expect((await statement(code, '2026-03')).amountDue).toBe('50.00');
  }, 300_000);

  it('a dispute resolved once every later period is closed is refused, not lost in an approved statement', async () => {
    const code = 'ORD-D';
    for (const period of ['2026-01', '2026-02']) {
      await json(await close(code, period), 200);
      await json(await approve(code, period), 200);
    }
    const { rows } = await t.db.query<{ id: string }>(
      `select id::text as id from transactions where external_id = 'O-J1'`,
    );
    const dispute = await json<{ id: number }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period: '2026-01',
        transactionId: rows[0]!.id,
        comment: 'one more',
      }),
      201,
    );
    const refused = await json<ErrorBody>(
      await finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount: '50.00',
        reason: 'goodwill',
      }),
      409,
    );
    expect(refused.message).toMatch(/no statement is left to pay/);
    const { rows: adjustments } = await t.db.query(
      `select 1 from incentive_adjustments where dispute_id = $1`,
      [dispute.id],
    );
    expect(adjustments).toHaveLength(0);
    expect((await statement(code, '2026-02')).amountDue).toBe('100.00');
  }, 300_000);
});
