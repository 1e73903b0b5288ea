/**
 * A claim of a vehicle sold again after an unwind is for the sale that stands (docs/incentives.md,
 * "Claims"). The dealer delivers V, takes it back (unwind) and sells it again a month later, then
 * claims V with the resale's date. Before, a claim was linked to the dealer's first sale of the
 * VIN, the unwound one: the resale was never paid (the claimed sale counted once and its unwind
 * took it back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  submitClaim,
  unwindOn,
} from './helpers/settlement';

const code = 'CL-RESOLD';
const V = '1CLMRSLD000000001';

describe.each(engines())('a claim of a vehicle sold again after an unwind (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;

  const statement = async (period: string) =>
    json<{ earned: string }>(
      await admin.get(`/api/v1/programs/${code}/statements/DLR-ALPHA?period=${period}`),
      200,
    );
  const idOf = async (externalId: string) =>
    (
      await t.db.query<{ id: string }>(
        `select id::text as id from transactions where external_id = $1`,
        [externalId],
      )
    ).rows[0]!.id;

  beforeAll(async () => {
    ({ t, admin, finance, dealerA } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    await deliverOn(admin, 'DLR-ALPHA', [['RS-A1', '2026-02-10', V]]);
    await unwindOn(admin, 'DLR-ALPHA', 'RS-A1', '2026-02-20', V);
    await deliverOn(admin, 'DLR-ALPHA', [['RS-A2', '2026-03-05', V]]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('links the claim to the resale and pays it once', async () => {
    const claim = await submitClaim(dealerA, code, 'DLR-ALPHA', V, '2026-03-05');
    // before: the unwound February sale, and a check naming its date
    expect(claim.transactionId).toBe(await idOf('RS-A2'));
    expect(claim.status).toBe('validated');
    expect(claim.checks.find((c) => c.check === 'delivered_by_dealer')?.message).toContain(
      'on 2026-03-05',
    );
    await json(
      await finance.send('POST', `/api/v1/claims/${claim.id}/decision`, {
        decision: 'approve',
        reason: 'checked',
      }),
      200,
    );
    // the resale is paid in March; February's sale and its unwind net to nothing
    expect((await statement('2026-03')).earned).toBe('100.00');
    expect((await statement('2026-02')).earned).toBe('0.00');
  });
});
