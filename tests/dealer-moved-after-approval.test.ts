/**
 * A dealer moved to another region and group after its statement was approved (docs/incentives.md,
 * "Close and approve"): the approved statement is its snapshot, so its figures, its hash, the
 * period's list and totals, the CSV and the payout batch keep the approved amount, though the
 * program's eligibility (region US-W) no longer names the dealer. The dealer still sees its own
 * approved statement (before: the program became a 404 for it, program-visibility.ts); another
 * dealer of the new region, not named and never paid, still does not. A dealer's code cannot
 * change (not in the update schema).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { closeAndApprove, deliverOn, monthlyUnitsProgram } from './helpers/settlement';

const code = 'MOVED-DLR';
const dealer = 'DLR-ALPHA';

type Statement = {
  dealerCode: string;
  status: string;
  earned: string;
  amountDue: string;
  snapshot?: { sha256: string } | null;
};

describe.each(engines())('a dealer moved after approval (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const detail = (who: Client) =>
    who
      .get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-01`)
      .then((r) => json<Statement>(r, 200));
  const listed = async () =>
    json<{ items: Statement[]; totalAmountDue: string }>(
      await admin.get(`/api/v1/programs/${code}/statements?period=2026-01`),
      200,
    );

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(admin, monthlyUnitsProgram(code, { eligibility: { regions: ['US-W'] } }));
    await deliverOn(admin, dealer, [
      ['MV-1', '2026-01-10'],
      ['MV-2', '2026-01-12'],
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('keeps the approved statement, its list, CSV and payout after the move', async () => {
    await closeAndApprove(finance, code, dealer, '2026-01');
    const before = await detail(admin);
    expect([before.status, before.amountDue]).toEqual(['approved', '200.00']);
    const csvBefore = await (
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}/export?period=2026-01`)
    ).text();
    await json(
      await admin.send('PATCH', `/api/v1/dealers/${dealer}`, {
        regionCode: 'US-E',
        dealerGroupCode: null,
      }),
      200,
    );
    await t.services.auth.settle();
    const after = await detail(admin);
    expect([after.status, after.amountDue, after.earned]).toEqual(['approved', '200.00', '200.00']);
    expect(after.snapshot?.sha256).toBe(before.snapshot?.sha256);
    expect((await detail(dealerA)).amountDue).toBe('200.00');
    const dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    expect((await dealerB.get(`/api/v1/programs/${code}`)).status).toBe(404);
    const list = await listed();
    expect(list.items.find((i) => i.dealerCode === dealer)?.amountDue).toBe('200.00');
    expect(list.totalAmountDue).toBe('200.00');
    expect(
      await (
        await admin.get(`/api/v1/programs/${code}/statements/${dealer}/export?period=2026-01`)
      ).text(),
    ).toBe(csvBefore);
    const accruals = await json<{ months: { month: string; earned: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/accruals`),
      200,
    );
    expect(accruals.months.find((m) => m.month === '2026-01')?.earned).toBe('200.00');
    const batch = await json<{ totals: { currency: string; amount: string }[] }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: code }),
      201,
    );
    expect(batch.totals).toEqual([{ currency: 'USD', amount: '200.00' }]);
  }, 300_000);
});
