/**
 * A delivery unwound by its dealer is judged as things stood at its unwind (docs/incentives.md,
 * "A VIN is paid once"; migration 0066), as a charged-back one is judged at its charge.
 *
 * Before, an unwound delivery was judged as things stand now: a delivery unwound while it earned
 * nothing (another dealer's delivery of the VIN earned) was paid by a `vin_freed` correction as
 * soon as the other dealer's sale was unwound too, and a delivery paid and unwound (clawed back)
 * was taken back a second time when another dealer's delivery of the VIN (an earlier one
 * reported late, or the car resold) earned afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { txRow } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  type Client,
  type Engine,
  type TestApp,
} from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram, startSettlementApp, unwindOn } from './helpers/settlement';

type Detail = {
  status: string;
  amountDue: string;
  lines: { kind: string; amount: string; vin: string | null; correctionReason?: string | null }[];
  excluded: { vin: string | null; reason: string }[];
};

const PERIODS = ['2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];

/** One app and one program per story (the stories share no feed). */
function story(engine: Engine, code: string) {
  const s = {
    t: undefined as TestApp | undefined,
    admin: undefined as unknown as Client,
    finance: undefined as unknown as Client,
    async start() {
      const app = await startSettlementApp(engine);
      s.t = app.t;
      s.admin = app.admin;
      s.finance = app.finance;
      await createProgram(s.admin, monthlyUnitsProgram(code));
    },
    statement: async (dealer: string, period: string) =>
      json<Detail>(
        await s.admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
        200,
      ),
    /** Closes the period and approves every closed statement of it (A's first). */
    async settle(period: string) {
      await json(
        await s.finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }),
        200,
      );
      for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO']) {
        if ((await s.statement(dealer, period)).status !== 'closed') continue;
        await json(
          await s.finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
            period,
          }),
          200,
        );
      }
    },
    /** What the dealer's statements of all periods pay. */
    async total(dealer: string) {
      let sum = new Dec(0);
      for (const p of PERIODS) sum = sum.plus((await s.statement(dealer, p)).amountDue);
      return sum.toFixed(2);
    },
  };
  return s;
}

describe.each(engines())('a blocked delivery unwound by its dealer (%s)', (engine) => {
  const V = '1UWBLKXS000000001';
  const s = story(engine, 'VIN-UWB');
  beforeAll(async () => {
    await s.start();
    await deliverOn(s.admin, 'DLR-ALPHA', [['UB-A1', '2026-02-05', V]]);
    await deliverOn(s.admin, 'DLR-BRAVO', [
      ['UB-B1', '2026-02-20', V],
      ['UB-B2', '2026-02-21', '1UWBLKXS000000009'],
    ]);
    await s.settle('2026-02');
  }, 600_000);
  afterAll(async () => s.t?.close());

  it("stays unpaid when the other dealer's sale is unwound later: B is paid nothing for V", async () => {
    const feb = await s.statement('DLR-BRAVO', '2026-02');
    expect([feb.status, feb.amountDue]).toEqual(['approved', '100.00']);
    expect(feb.excluded).toEqual([
      expect.objectContaining({ vin: V, reason: 'delivered_by_other_dealer' }),
    ]);
    // B takes V back in March (its delivery earned nothing), A takes it back in April
    await unwindOn(s.admin, 'DLR-BRAVO', 'UB-B1', '2026-03-06', V);
    await s.settle('2026-03');
    await unwindOn(s.admin, 'DLR-ALPHA', 'UB-A1', '2026-04-06', V);
    await s.settle('2026-04');
    const alpha = await s.statement('DLR-ALPHA', '2026-04');
    expect(alpha.lines.map((l) => [l.kind, l.amount, l.vin])).toEqual([['clawback', '-100.00', V]]);
    // before: B's April paid its own unwound delivery of V by a `vin_freed` correction (+100)
    const bravo = await s.statement('DLR-BRAVO', '2026-04');
    expect([bravo.amountDue, bravo.lines]).toEqual(['0.00', []]);
    await s.settle('2026-05');
    await s.settle('2026-06');
    for (const p of ['2026-05', '2026-06']) {
      expect((await s.statement('DLR-ALPHA', p)).lines).toEqual([]);
      expect((await s.statement('DLR-BRAVO', p)).lines).toEqual([]);
    }
    // over all statements: V earns nobody (both took it back); B keeps its other sale only
    expect(await s.total('DLR-ALPHA')).toBe('0.00');
    expect(await s.total('DLR-BRAVO')).toBe('100.00');
  });
});

describe.each(engines())(
  "a paid delivery unwound before another dealer's earlier one is reported (%s)",
  (engine) => {
    const V = '1UWBLKXS000000011';
    const s = story(engine, 'VIN-UWL');
    beforeAll(async () => {
      await s.start();
      await deliverOn(s.admin, 'DLR-BRAVO', [['UL-B1', '2026-02-05', V]]);
      await s.settle('2026-02');
    }, 600_000);
    afterAll(async () => s.t?.close());

    it('is clawed back once: the late earlier delivery earns, B keeps nothing for V', async () => {
      expect((await s.statement('DLR-BRAVO', '2026-02')).amountDue).toBe('100.00');
      await unwindOn(s.admin, 'DLR-BRAVO', 'UL-B1', '2026-03-06', V);
      // A's delivery of V, dated before B's, reported after B's unwind (within February's grace)
      await json(
        await s.admin.send('POST', '/api/v1/transactions', [
          txRow({
            externalId: 'UL-A1',
            occurredOn: '2026-02-03',
            receivedAt: '2026-03-08',
            dealerCode: 'DLR-ALPHA',
            vin: V,
          }),
        ]),
        200,
      );
      await s.settle('2026-03');
      // B: its unwind claws back its February payment, once (before: also a take-back of it)
      const bravo = await s.statement('DLR-BRAVO', '2026-03');
      expect(bravo.lines.map((l) => [l.kind, l.amount, l.vin])).toEqual([
        ['clawback', '-100.00', V],
      ]);
      // A: its late delivery is paid by a correction (B's sale was unwound)
      expect((await s.statement('DLR-ALPHA', '2026-03')).amountDue).toBe('100.00');
      for (const p of ['2026-04', '2026-05', '2026-06']) await s.settle(p);
      expect(await s.total('DLR-BRAVO')).toBe('0.00');
      expect(await s.total('DLR-ALPHA')).toBe('100.00');
    });
  },
);

describe.each(engines())('a car returned to B and resold by A (%s)', (engine) => {
  const V = '1UWBLKXS000000021';
  const s = story(engine, 'VIN-UWR');
  beforeAll(async () => {
    await s.start();
    await deliverOn(s.admin, 'DLR-BRAVO', [['UR-B1', '2026-02-05', V]]);
    await s.settle('2026-02');
  }, 600_000);
  afterAll(async () => s.t?.close());

  it("A's paid resale takes nothing more back from B", async () => {
    await unwindOn(s.admin, 'DLR-BRAVO', 'UR-B1', '2026-03-06', V);
    await s.settle('2026-03');
    expect((await s.statement('DLR-BRAVO', '2026-03')).amountDue).toBe('-100.00');
    await deliverOn(s.admin, 'DLR-ALPHA', [['UR-A1', '2026-04-10', V]]);
    await s.settle('2026-04');
    expect((await s.statement('DLR-ALPHA', '2026-04')).amountDue).toBe('100.00');
    await s.settle('2026-05');
    await s.settle('2026-06');
    // before: A's approval of its resale took B's February payment back again in May
    for (const p of ['2026-05', '2026-06'])
      expect((await s.statement('DLR-BRAVO', p)).lines).toEqual([]);
    expect(await s.total('DLR-BRAVO')).toBe('0.00');
    expect(await s.total('DLR-ALPHA')).toBe('100.00');
  });
});
