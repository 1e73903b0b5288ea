/**
 * A clawback approved in a cumulative window stays clawed back in that window's later statements
 * (docs/incentives.md, "Unwinds and clawbacks"). A sale paid in Q1 and unwound in April is clawed
 * back in April's statement (quarter measured, paid monthly); once April was approved, the unit
 * was marked clawed back and left out of every statement, May's too, where the April unwind then
 * only netted (below the first tier: 0.00) while May's previouslySettled held April's −100.00: May
 * paid the 100.00 back. Now the unit's clawback is carried by the later statements of the window
 * that clawed it (and by no other window).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  unwindOn,
} from './helpers/settlement';

const code = 'CLAW-CUM';
const dealer = 'DLR-ALPHA';
const vin = '1CLAWCUM000000001';

type Statement = { amountDue: string; lines: { kind: string; amount: string }[] };

describe.each(engines())('a clawback in a cumulative window (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  const statement = async (period: string) =>
    json<Statement>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );

  beforeAll(async () => {
    ({ t, admin, finance } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { measurementPeriod: 'quarter' }));
    await deliverOn(admin, dealer, [['CC-1', '2026-01-10', vin]]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('is carried once through the quarter after its approval, never handed back', async () => {
    for (const period of ['2026-01', '2026-02', '2026-03'])
      await closeAndApprove(finance, code, dealer, period);
    await unwindOn(admin, dealer, 'CC-1', '2026-04-10', vin);
    const april = await statement('2026-04');
    expect(april.lines.filter((l) => l.kind === 'clawback').map((l) => l.amount)).toEqual([
      '-100.00',
    ]);
    expect(april.amountDue).toBe('-100.00');
    await closeAndApprove(finance, code, dealer, '2026-04');
    const may = await statement('2026-05');
    expect(may.lines.filter((l) => l.kind === 'clawback').map((l) => l.amount)).toEqual([
      '-100.00',
    ]);
    expect(may.amountDue).toBe('0.00');
    await closeAndApprove(finance, code, dealer, '2026-05');
    expect((await statement('2026-06')).amountDue).toBe('0.00');
    expect((await statement('2026-04')).amountDue).toBe('-100.00');
  }, 300_000);
});
