/**
 * A period left without a statement of its own for a dealer, because a later statement of the same
 * cumulative window was approved first (it paid the window so far), shows as what it is:
 * `settled_later`, naming the later period, with no amount and no line that looks payable, in the
 * statement list, the statement (OEM and the dealer's own view) and before and after its close
 * (docs/incentives.md, "A window settles in order").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram } from './helpers/settlement';

type Statement = {
  dealerCode: string;
  status: string;
  settledIn?: string | null;
  earned: string;
  amountDue: string;
  previouslySettled: string;
  lineCount: number;
  lines?: unknown[];
};

describe.each(engines())('a period settled by a later approved statement (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const dealer = 'DLR-ALPHA';
  const code = 'SETTLED-LATER';

  const detail = async (who: Client, period: string) =>
    json<Statement>(
      await who.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const listed = async (who: Client, period: string) => {
    const list = await json<{ items: Statement[]; totalAmountDue: string; totalEarned: string }>(
      await who.get(`/api/v1/programs/${code}/statements?period=${period}`),
      200,
    );
    return { list, item: list.items.find((i) => i.dealerCode === dealer)! };
  };
  const expectSettled = (s: Statement) => {
    expect(s.status).toBe('settled_later');
    expect(s.settledIn).toBe('2026-02');
    expect([s.earned, s.amountDue, s.lineCount]).toEqual(['0.00', '0.00', 0]);
    if (s.lines) expect(s.lines).toEqual([]);
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(
      admin,
      monthlyUnitsProgram(code, { name: 'Settled later', measurementPeriod: 'quarter' }),
    );
    await deliverOn(admin, dealer, [
      ['SL-J1', '2026-01-10'],
      ['SL-J2', '2026-01-12'],
      ['SL-F1', '2026-02-10'],
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('January shows as settled in February, never as an open payable statement', async () => {
    // before: January is a live open statement of 200.00, in the list's total
    expect((await detail(admin, '2026-01')).status).toBe('open');
    const totalBefore = new Dec((await listed(finance, '2026-01')).list.totalAmountDue);
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-02' }),
      200,
    );
    const feb = await json<Statement>(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
        period: '2026-02',
      }),
      200,
    );
    expect(feb.amountDue).toBe('300.00');

    // January, not closed yet: the OEM's and the dealer's view, the list and its totals
    expectSettled(await detail(admin, '2026-01'));
    expectSettled(await detail(dealerA, '2026-01'));
    const before = await listed(finance, '2026-01');
    expectSettled(before.item);
    expectSettled((await listed(dealerA, '2026-01')).item);
    expect(before.list.totalAmountDue).toBe(totalBefore.minus('200').toFixed(2));
    // the close confirmation does not count the dealer as something the close would freeze
    const preview = await json<{ close: { statements: number; totalAmountDue: string } }>(
      await finance.get(`/api/v1/programs/${code}/periods/2026-01/settlement-preview`),
      200,
    );
    expect(preview.close.totalAmountDue).toBe(before.list.totalAmountDue);

    // after January's close (which freezes nothing for the dealer) it is still settled in February
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-01' }),
      200,
    );
    expectSettled(await detail(admin, '2026-01'));
    expectSettled((await listed(finance, '2026-01')).item);
    // and February keeps what it approved
    expect((await detail(admin, '2026-02')).amountDue).toBe('300.00');
  }, 300_000);
});
