/**
 * In a claims program only claimed deliveries compete for a VIN (docs/incentives.md, "A VIN is
 * paid once", "Claims"; migration 0067). A VIN holds one valid claim in a program
 * (`not_claimed_before`, `forecourt_vin_claimed`). Before, another dealer's earlier delivery of
 * the VIN, never claimed, still excluded the claimed one (`delivered_by_other_dealer`), while that
 * dealer could no longer claim its own (the claim held the VIN): nobody was paid for the car.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  submitClaim,
} from './helpers/settlement';

const code = 'VR-UNCLAIMED';
const V = '1CLAMUNCL00000001';

describe.each(engines())('a claimed delivery and an earlier unclaimed one (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;

  const claim = (who: Client, dealerCode: string, vin: string, day: string) =>
    submitClaim(who, code, dealerCode, vin, day);
  const statement = async (dealer: string, period: string) =>
    json<{ status: string; earned: string; excluded: { vin: string | null; reason: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );

  beforeAll(async () => {
    ({ t, admin, finance, dealerA, dealerB } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    // B delivers V first and never claims it; A delivers V later and claims it
    await deliverOn(admin, 'DLR-BRAVO', [['UC-B1', '2026-01-05', V]]);
    await deliverOn(admin, 'DLR-ALPHA', [['UC-A1', '2026-01-10', V]]);
    const c = await claim(dealerA, 'DLR-ALPHA', V, '2026-01-10');
    expect(c.status).toBe('validated');
    await json(
      await finance.send('POST', `/api/v1/claims/${c.id}/decision`, {
        decision: 'approve',
        reason: 'checked',
      }),
      200,
    );
  }, 600_000);
  afterAll(async () => t?.close());

  it("pays A's claim, and B's claim of V is invalid: the VIN is paid once", async () => {
    // before: A's claimed delivery was excluded (delivered_by_other_dealer), earned 0.00
    const open = await statement('DLR-ALPHA', '2026-01');
    expect([open.earned, open.excluded]).toEqual(['100.00', []]);
    const b = await claim(dealerB, 'DLR-BRAVO', V, '2026-01-05');
    expect(b.status).toBe('invalid');
    expect(b.checks.find((x) => x.check === 'not_claimed_before')?.ok).toBe(false);
    await closeAndApprove(finance, code, 'DLR-ALPHA', '2026-01');
    const approved = await statement('DLR-ALPHA', '2026-01');
    expect([approved.status, approved.earned]).toEqual(['approved', '100.00']);
    expect((await statement('DLR-BRAVO', '2026-01')).earned).toBe('0.00');
  });
});
