/**
 * An approved statement reproduced to the cent (docs/incentives.md, "The rounding rule"): each
 * line rounds once, half-up, and `earned` is the sum of the rounded lines (3 × 1.01 = 3.03, not
 * the exact 3.015 rounded to 3.02). The approved statement, the period's list and its total, the
 * accruals and the payout batch all carry that same 3.03. Regression guard: this path was found
 * safe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { closeAndApprove, monthlyUnitsProgram } from './helpers/settlement';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const code = 'ROUND-APPROVED';
const dealer = 'DLR-ALPHA';

describe.each(engines())('an approved statement to the cent (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    await createProgram(
      admin,
      monthlyUnitsProgram(code, {
        benefit: 'percent_of_revenue',
        tiers: [{ from: '0', value: '1' }],
      }),
    );
    await json(
      await admin.send(
        'POST',
        '/api/v1/transactions',
        [1, 2, 3].map((n) =>
          txRow({
            externalId: `RA-${n}`,
            amount: '100.50',
            occurredOn: '2026-01-1' + n,
            receivedAt: '2026-01-1' + n,
          }),
        ),
      ),
      200,
    );
  }, 600_000);
  afterAll(async () => t?.close());

  it('lines, earned, list, accruals and payout agree to the cent', async () => {
    await closeAndApprove(finance, code, dealer, '2026-01');
    const s = await json<{
      status: string;
      earned: string;
      amountDue: string;
      lines: { amount: string }[];
    }>(await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-01`), 200);
    expect(s.status).toBe('approved');
    expect(s.lines.map((l) => l.amount)).toEqual(['1.01', '1.01', '1.01']);
    const cents = s.lines.reduce((sum, l) => sum + Math.round(Number(l.amount) * 100), 0);
    expect((cents / 100).toFixed(2)).toBe(s.earned);
    expect([s.earned, s.amountDue]).toEqual(['3.03', '3.03']);
    const list = await json<{
      items: { dealerCode: string; amountDue: string }[];
      totalAmountDue: string;
    }>(await admin.get(`/api/v1/programs/${code}/statements?period=2026-01`), 200);
    expect(list.items.find((i) => i.dealerCode === dealer)?.amountDue).toBe('3.03');
    expect(list.totalAmountDue).toBe('3.03');
    const accruals = await json<{ months: { month: string; earned: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/accruals`),
      200,
    );
    expect(accruals.months.find((m) => m.month === '2026-01')?.earned).toBe('3.03');
    const batch = await json<{ totals: { currency: string; amount: string }[] }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: code }),
      201,
    );
    expect(batch.totals).toEqual([{ currency: 'USD', amount: '3.03' }]);
  }, 300_000);
});
