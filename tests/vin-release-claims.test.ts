/**
 * A claimed VIN freed for another dealer (docs/incentives.md, "A VIN is paid once", "Claims";
 * migration 0056). A VIN holds one valid claim in a program (`not_claimed_before`); before, the
 * first claim held it for ever: after dealer A's claimed sale was unwound (A clawed back) or
 * charged back (a confirmed integrity flag), dealer B's claim of its own sale of the VIN was still
 * invalid, "already claimed", and nobody was paid for a real sale. Now the unwound or charged-back
 * claim no longer holds the VIN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  submitClaim,
  unwindOn,
} from './helpers/settlement';

const code = 'VR-CLAIM';
const UNWOUND = '1CLAMFREE00000001';
const CHARGED = '1CLAMFREE00000002';
const STANDING = '1CLAMFREE00000003';

describe.each(engines())('a claimed VIN freed for another dealer (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;

  const claim = (who: Client, dealerCode: string, vin: string, day: string) =>
    submitClaim(who, code, dealerCode, vin, day);
  const approve = async (id: number) =>
    json(
      await finance.send('POST', `/api/v1/claims/${id}/decision`, {
        decision: 'approve',
        reason: 'checked',
      }),
      200,
    );
  const statementOfB = async (period: string) =>
    json<{ earned: string; lines: { kind: string; vin?: string | null; amount: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/statements/DLR-BRAVO?period=${period}`),
      200,
    );

  beforeAll(async () => {
    ({ t, admin, finance, dealerA, dealerB } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { requiresClaim: true }));
    await deliverOn(admin, 'DLR-ALPHA', [
      ['VRC-A1', '2026-01-10', UNWOUND],
      ['VRC-A2', '2026-01-11', CHARGED],
      ['VRC-A3', '2026-01-12', STANDING],
    ]);
    for (const [vin, day] of [
      [UNWOUND, '2026-01-10'],
      [CHARGED, '2026-01-11'],
      [STANDING, '2026-01-12'],
    ] as const)
      await approve((await claim(dealerA, 'DLR-ALPHA', vin, day)).id);
    await closeAndApprove(finance, code, 'DLR-ALPHA', '2026-01');
    await deliverOn(admin, 'DLR-BRAVO', [
      ['VRC-B1', '2026-02-12', UNWOUND],
      ['VRC-B2', '2026-02-13', CHARGED],
      ['VRC-B3', '2026-02-14', STANDING],
    ]);
  }, 600_000);
  afterAll(async () => t?.close());

  it("B's claims of VINs A's claims hold are invalid", async () => {
    for (const [vin, day] of [
      [UNWOUND, '2026-02-12'],
      [CHARGED, '2026-02-13'],
    ] as const) {
      const c = await claim(dealerB, 'DLR-BRAVO', vin, day);
      expect(c.status).toBe('invalid');
      expect(c.checks.find((x) => x.check === 'not_claimed_before')?.ok).toBe(false);
    }
  });

  it("after A's unwind and the chargeback of A's sale, B's claims are valid and paid once", async () => {
    await unwindOn(admin, 'DLR-ALPHA', 'VRC-A1', '2026-02-20', UNWOUND);
    await json(await admin.send('POST', '/api/v1/insights/integrity/scan'), 200);
    const open = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity?status=open'),
      200,
    );
    const flag = open.find(
      (f) =>
        f.kind === 'duplicate_vin' &&
        f.dealerCode === 'DLR-ALPHA' &&
        (f.evidence as { vin?: string }).vin === CHARGED,
    )!;
    await json(
      await finance.send('POST', `/api/v1/insights/integrity/${flag.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    for (const [vin, day] of [
      [UNWOUND, '2026-02-12'],
      [CHARGED, '2026-02-13'],
    ] as const) {
      const c = await claim(dealerB, 'DLR-BRAVO', vin, day);
      expect([vin, c.status]).toEqual([vin, 'validated']);
      await approve(c.id);
    }
    // the VIN A's claim still holds (no unwind, no chargeback) stays taken
    const held = await claim(dealerB, 'DLR-BRAVO', STANDING, '2026-02-14');
    expect(held.status).toBe('invalid');
    const february = await statementOfB('2026-02');
    expect(
      february.lines.filter((l) => l.kind === 'benefit').map((l) => [l.vin, l.amount]),
    ).toEqual([
      [UNWOUND, '100.00'],
      [CHARGED, '100.00'],
    ]);
    expect(february.earned).toBe('200.00');
    // a second claim of a freed VIN by B is "already claimed" (B's holds it now)
    expect((await claim(dealerB, 'DLR-BRAVO', UNWOUND, '2026-02-12')).status).toBe('invalid');
  });
});
