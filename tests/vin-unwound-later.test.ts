/**
 * The unwind of a blocked delivery is left out in a later window too (docs/incentives.md, "A VIN
 * is paid once"; migration 0067).
 *
 * Before, it was left out only in the statement holding the delivery's row: unwound in a later
 * window (or dated in the delivery's window but arrived after its grace), it counted -1 in that
 * window's measure, so the dealer lost the benefit of another sale there for a car that never
 * earned anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram, startSettlementApp, unwindOn } from './helpers/settlement';

type Detail = {
  status: string;
  amountDue: string;
  lines: { kind: string; amount: string; vin: string | null }[];
  excluded: { vin: string | null; reason: string; detail: string }[];
};

const CODE = 'VIN-UWLATER';
const PERIODS = ['2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const V1 = '1UWLATER000000001';
const V2 = '1UWLATER000000002';

describe.each(engines())('a blocked delivery unwound in a later window (%s)', (engine) => {
  let t: TestApp | undefined;
  let admin: Client;
  let finance: Client;
  const statement = async (dealer: string, period: string) =>
    json<Detail>(
      await admin.get(`/api/v1/programs/${CODE}/statements/${dealer}?period=${period}`),
      200,
    );
  const listed = async (period: string) =>
    json<{ items: { dealerCode: string; amountDue: string }[] }>(
      await admin.get(`/api/v1/programs/${CODE}/statements?period=${period}`),
      200,
    );
  /** Closes the period and approves every closed statement of it (A's first). */
  async function settle(period: string) {
    await json(
      await finance.send('POST', `/api/v1/programs/${CODE}/periods/close`, { period }),
      200,
    );
    for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO']) {
      if ((await statement(dealer, period)).status !== 'closed') continue;
      await json(
        await finance.send('POST', `/api/v1/programs/${CODE}/statements/${dealer}/approve`, {
          period,
        }),
        200,
      );
    }
  }
  async function total(dealer: string) {
    let sum = new Dec(0);
    for (const p of PERIODS) sum = sum.plus((await statement(dealer, p)).amountDue);
    return sum.toFixed(2);
  }

  beforeAll(async () => {
    const app = await startSettlementApp(engine);
    t = app.t;
    admin = app.admin;
    finance = app.finance;
    await createProgram(admin, monthlyUnitsProgram(CODE));
    // A delivers V1 and V2 first; B's deliveries of them are blocked, its third sale earns
    await deliverOn(admin, 'DLR-ALPHA', [
      ['UL-A1', '2026-02-03', V1],
      ['UL-A2', '2026-02-04', V2],
    ]);
    await deliverOn(admin, 'DLR-BRAVO', [
      ['UL-B1', '2026-02-20', V1],
      ['UL-B2', '2026-02-21', V2],
      ['UL-B3', '2026-02-22', '1UWLATER000000009'],
    ]);
    await settle('2026-02');
    await settle('2026-03');
  }, 600_000);
  afterAll(async () => t?.close());

  it("leaves B's April unwinds of its blocked February deliveries out of April's measure", async () => {
    const feb = await statement('DLR-BRAVO', '2026-02');
    expect([feb.status, feb.amountDue]).toEqual(['approved', '100.00']);
    expect(feb.excluded.map((e) => e.vin).sort()).toEqual([V1, V2]);
    // B takes V1 back in April; V2's unwind is dated in March but arrives in April (after
    // March's grace: it counts in April); B sells two other cars in April
    await unwindOn(admin, 'DLR-BRAVO', 'UL-B1', '2026-04-06', V1);
    await unwindOn(admin, 'DLR-BRAVO', 'UL-B2', '2026-03-28', V2, '2026-04-20');
    await deliverOn(admin, 'DLR-BRAVO', [
      ['UL-B4', '2026-04-10', '1UWLATER000000010'],
      ['UL-B5', '2026-04-11', '1UWLATER000000011'],
    ]);
    // the open period, its network list, then closed and approved: both sales earn (before:
    // 2 - 2 units, 0.00)
    const open = await statement('DLR-BRAVO', '2026-04');
    expect(open.amountDue).toBe('200.00');
    expect(open.excluded.map((e) => [e.vin, e.reason]).sort()).toEqual([
      [V1, expect.stringMatching(/^(paid_to|delivered_by)_other_dealer$/)],
      [V2, expect.stringMatching(/^(paid_to|delivered_by)_other_dealer$/)],
    ]);
    for (const e of open.excluded) expect(e.detail).not.toMatch(/ALPHA/);
    const list = await listed('2026-04');
    expect(list.items.find((i) => i.dealerCode === 'DLR-BRAVO')?.amountDue).toBe('200.00');
    await settle('2026-04');
    const apr = await statement('DLR-BRAVO', '2026-04');
    expect([apr.status, apr.amountDue]).toEqual(['approved', '200.00']);
    expect(apr.lines.map((l) => [l.kind, l.amount])).toEqual([
      ['benefit', '100.00'],
      ['benefit', '100.00'],
    ]);
    // A keeps both VINs; nothing moves afterwards
    await settle('2026-05');
    await settle('2026-06');
    for (const p of ['2026-05', '2026-06']) {
      expect((await statement('DLR-ALPHA', p)).lines).toEqual([]);
      expect((await statement('DLR-BRAVO', p)).lines).toEqual([]);
    }
    expect(await total('DLR-ALPHA')).toBe('200.00');
    expect(await total('DLR-BRAVO')).toBe('300.00');
  });
});
