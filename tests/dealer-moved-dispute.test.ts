/**
 * A dealer moved out of a program's eligibility after its statement was approved can still
 * dispute that statement (program-visibility.ts: an approved or paid statement keeps the program
 * visible to it), and an adjustment decided for it is paid: it goes into the dealer's next
 * payable period, whose statement carries the adjustment though the dealer earns nothing more
 * there (it is no longer eligible). A dealer of the new region, never paid by the program, still
 * gets 404 on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, USERS } from './helpers/fixtures';
import { createProgram, engines, json, login, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
} from './helpers/settlement';

const code = 'MOVED-DSP';
const dealer = 'DLR-ALPHA';

type Statement = {
  status: string;
  earned: string;
  amountDue: string;
  lines: { kind: string; amount: string }[];
};

describe.each(engines())('a moved dealer disputes its approved statement (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;

  beforeAll(async () => {
    ({ t, admin, finance, dealerA } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { eligibility: { regions: ['US-W'] } }));
    await deliverOn(admin, dealer, [
      ['MVD-1', '2026-01-10'],
      ['MVD-2', '2026-02-10'],
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('opens the dispute and pays its adjustment in the next payable period', async () => {
    await closeAndApprove(finance, code, dealer, '2026-01');
    await json(
      await admin.send('PATCH', `/api/v1/dealers/${dealer}`, {
        regionCode: 'US-E',
        dealerGroupCode: null,
      }),
      200,
    );
    await t.services.auth.settle();
    const { rows } = await t.db.query<{ id: string }>(
      `select id::text from transactions where external_id = 'MVD-1'`,
    );
    const dispute = await json<{ id: number }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period: '2026-01',
        transactionId: rows[0]!.id,
        comment: 'the unit was paid short',
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
    const february = await json<Statement>(
      await dealerA.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-02`),
      200,
    );
    expect(february.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount)).toEqual([
      '50.00',
    ]);
    expect(february.amountDue).toBe('50.00');
    const dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    expect(
      (await dealerB.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-01`)).status,
    ).toBe(404);
  }, 300_000);
});
