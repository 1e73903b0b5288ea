/**
 * Adjustments in a cumulative window settled in shorter periods (monthly statements of a
 * quarterly tier): an adjustment placed in month 2 is paid exactly once over the quarter. The
 * later statements of the window carry it (as they carry the window's rows and corrections)
 * because their amount due subtracts what the earlier statements settled, the adjustment
 * included. Same for a late row's correction carried across the next window's months.
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

const program = (code: string) => ({
  code,
  name: `Adjustment window ${code}`,
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  measurementPeriod: 'quarter',
  payoutFrequency: 'month',
  graceDays: 10,
  qualifying: { modelLines: ['ML-AURA'] },
  measure: 'units',
  tiers: [{ from: '0', value: '100' }],
  benefit: 'per_unit',
});

type Line = { kind: string; amount: string };
type Statement = { earned: string; amountDue: string; previouslySettled: string; lines: Line[] };

describe.each(engines())('adjustments across a cumulative window (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;
  let dealer = 'DLR-ALPHA';
  const dealerClient = () => (dealer === 'DLR-ALPHA' ? dealerA : dealerB);

  const post = async (rows: Record<string, unknown>[]) =>
    json(await admin.send('POST', '/api/v1/transactions', rows), 200);
  const sale = (externalId: string, occurredOn: string, receivedAt: string) =>
    txRow({ externalId, occurredOn, receivedAt, dealerCode: dealer });
  const idOf = async (externalId: string) =>
    (
      await t.db.query<{ id: string }>(
        `select id::text as id from transactions where external_id = $1`,
        [externalId],
      )
    ).rows[0]!.id;
  const statement = async (code: string, period: string) =>
    json<Statement>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const settle = async (code: string, period: string) => {
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }),
      200,
    );
    return json<Statement>(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
        period,
      }),
      200,
    );
  };
  const adjust = async (code: string, period: string, transactionId: string, amount: string) => {
    const dispute = await json<{ id: number }>(
      await dealerClient().send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period,
        transactionId,
        comment: 'one more',
      }),
      201,
    );
    const resolved = await json<{ status: string }>(
      await finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount,
        reason: 'goodwill',
      }),
      200,
    );
    expect(resolved.status).toBe('adjusted');
  };
  const sum = (list: Statement[]) =>
    list.reduce((s, x) => s.plus(x.amountDue), new Dec(0)).toFixed(2);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    await createProgram(admin, program('ADJWIN'));
    await createProgram(admin, program('ADJWIN-LATE'));
  });
  afterAll(async () => t?.close());

  it('pays a month-2 dispute adjustment exactly once over the quarter', async () => {
    await post([sale('J-1', '2026-01-10', '2026-01-11'), sale('J-2', '2026-01-12', '2026-01-13')]);
    const jan = await settle('ADJWIN', '2026-01');
    expect(jan.amountDue).toBe('200.00');

    await post([sale('F-1', '2026-02-10', '2026-02-11')]);
    await adjust('ADJWIN', '2026-02', await idOf('F-1'), '50.25');
    const feb = await settle('ADJWIN', '2026-02');
    expect(feb.earned).toBe('350.25');
    expect(feb.amountDue).toBe('150.25');

    await post([sale('M-1', '2026-03-10', '2026-03-11')]);
    const marOpen = await statement('ADJWIN', '2026-03');
    // the network list (its own totals path) agrees with the dealer's statement
    const listed = await json<{
      items: { dealerCode: string; earned: string; amountDue: string }[];
    }>(await finance.get('/api/v1/programs/ADJWIN/statements?period=2026-03'), 200);
    const mine = listed.items.find((i) => i.dealerCode === 'DLR-ALPHA')!;
    expect([mine.earned, mine.amountDue]).toEqual(['450.25', '100.00']);
    expect(marOpen.amountDue).toBe('100.00');
    const mar = await settle('ADJWIN', '2026-03');
    expect(mar.amountDue).toBe(marOpen.amountDue);
    // 4 units × 100 earned over the quarter, plus the adjustment once
    expect(mar.earned).toBe('450.25');
    expect(mar.previouslySettled).toBe('350.25');
    expect(mar.amountDue).toBe('100.00');
    expect(mar.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount)).toEqual([
      '50.25',
    ]);
    expect(sum([jan, feb, mar])).toBe('450.25');
    // approved statements are frozen
    expect((await statement('ADJWIN', '2026-01')).amountDue).toBe('200.00');
    expect((await statement('ADJWIN', '2026-02')).amountDue).toBe('150.25');
  });

  it('pays a late row of a closed quarter once across the next quarter, with an adjustment', async () => {
    const code = 'ADJWIN-LATE';
    dealer = 'DLR-BRAVO'; // the first test's rows are Alpha's
    await post([sale('L-J', '2026-01-05', '2026-01-06')]);
    const q1 = [await settle(code, '2026-01'), await settle(code, '2026-02')];
    await post([sale('L-M', '2026-03-20', '2026-03-21')]);
    q1.push(await settle(code, '2026-03'));
    expect(sum(q1)).toBe('200.00');
    // dated in March, within the grace days, stored after March closed: a correction in April
    await post([
      sale('L-LATE', '2026-03-30', '2026-04-03'),
      sale('L-A', '2026-04-10', '2026-04-11'),
    ]);
    const apr = await settle(code, '2026-04');
    expect(apr.lines.filter((l) => l.kind === 'correction').map((l) => l.amount)).toEqual([
      '100.00',
    ]);
    expect(apr.amountDue).toBe('200.00');
    await post([sale('L-MAY', '2026-05-10', '2026-05-11')]);
    await adjust(code, '2026-05', await idOf('L-MAY'), '-30.00');
    const may = await settle(code, '2026-05');
    expect(may.amountDue).toBe('70.00');
    const jun = await settle(code, '2026-06');
    // Q2: 2 units + 1 late March unit + the −30 adjustment, each once
    expect(jun.earned).toBe('270.00');
    expect(jun.amountDue).toBe('0.00');
    expect(sum([...q1, apr, may, jun])).toBe('470.00');
  });
});
