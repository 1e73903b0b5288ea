/**
 * A claim approved after its sale's period was approved (docs/incentives.md, "Claims"): the
 * approved statement does not change, and the claimed sale is paid once, in the next payable
 * period, as an adjustment line naming the claim. Before, the claim's sale counted only in
 * its own (frozen) period: approved claim, never paid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { closeAndApprove, monthlyUnitsProgram } from './helpers/settlement';

const code = 'CLAIM-LATE';
const dealer = 'DLR-ALPHA';

type Statement = {
  status: string;
  earned: string;
  amountDue: string;
  lines: { kind: string; amount: string; explanation: string }[];
};

describe.each(engines())('claims approved after their period was approved (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const statement = async (period: string) =>
    json<Statement>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const claim = async (vin: string) => {
    const res = await json<{ items: { id: number; status: string }[] }>(
      await dealerA.send('POST', `/api/v1/programs/${code}/claims`, {
        dealerCode: dealer,
        vin,
        sku: 'AURA-LX-ICE',
        deliveredOn: '2026-01-10',
      }),
      201,
    );
    expect(res.items[0]!.status).toBe('validated');
    await json(
      await finance.send('POST', `/api/v1/claims/${res.items[0]!.id}/decision`, {
        decision: 'approve',
        reason: 'ok',
      }),
      200,
    );
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({
          externalId: 'CL-J1',
          vin: '1LATE0CLM00000001',
          occurredOn: '2026-01-10',
          receivedAt: '2026-01-10',
          dealerCode: dealer,
        }),
        txRow({
          externalId: 'CL-J2',
          vin: '1LATE0CLM00000002',
          occurredOn: '2026-01-10',
          receivedAt: '2026-01-10',
          dealerCode: dealer,
        }),
      ]),
      200,
    );
  }, 600_000);
  afterAll(async () => t?.close());

  it('pays the late claim once, in February, and leaves January as approved', async () => {
    await claim('1LATE0CLM00000001');
    await closeAndApprove(finance, code, dealer, '2026-01');
    expect((await statement('2026-01')).amountDue).toBe('100.00');
    await claim('1LATE0CLM00000002');
    const january = await statement('2026-01');
    expect(january.status).toBe('approved');
    expect(january.amountDue).toBe('100.00');
    const february = await statement('2026-02');
    expect(february.amountDue).toBe('100.00');
    // one adjustment line, naming the claim and the approved period
    const adjustments = february.lines.filter((l) => l.kind === 'adjustment');
    expect(adjustments.map((l) => l.amount)).toEqual(['100.00']);
    expect(adjustments[0]!.explanation).toMatch(/claim \d+ \(VIN 1LATE0CLM00000002\).*2026-01/);
    // February closed and approved: the claim is paid there, and not again in March
    await closeAndApprove(finance, code, dealer, '2026-02');
    expect((await statement('2026-02')).amountDue).toBe('100.00');
    expect((await statement('2026-03')).amountDue).toBe('0.00');
    expect((await statement('2026-01')).amountDue).toBe('100.00');
  }, 300_000);
});
