/**
 * Issue 14 §1, risk per eligible dealer × running incentive program tier: after a refresh every
 * eligible dealer of a running program has one row per program with each tier's calibrated
 * probability (never rising with the tier's threshold; 1 for a tier already reached), the
 * expected outcome with its 80 % interval, the expected shortfall in units and money (the
 * engine's exact figure: what reaching the tier adds), and "N more units reach tier k" ranked by
 * expected value. Scoped: a dealer sees only its own rows and gets 404 for another dealer; the
 * West manager sees the West only. A dealer's refresh touches only its own rows; a program that
 * is not running has none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramRiskList } from '../src/shared/schemas/program-risk';
import { H1_AURA_PROGRAM, auraHistory, auraPerMonth } from './helpers/insights';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const TODAY = '2026-04-20';

describe.each(engines())('insights: program tier risk (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let west: Client;
  let dealerA: Client;
  // Alpha's units in January–March 2026 (m = 24, 25, 26): the engine's measure to date.
  const alphaToDate = auraPerMonth(24) + auraPerMonth(25) + auraPerMonth(26);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel, west, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    await ingestRows(t.services, [
      ...auraHistory('DLR-ALPHA', 'PA'),
      ...auraHistory('DLR-BRAVO', 'PB'),
    ]);
    // Arrived the day after (the test clock is in 2026-04; rows arriving after the grace
    // deadline would be late for the engine).
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, H1_AURA_PROGRAM);
    // Over before today: never a running program.
    await createProgram(channel, {
      ...H1_AURA_PROGRAM,
      code: 'OLD-AURA',
      name: 'Old',
      startDate: '2025-01-01',
      endDate: '2025-06-30',
    });
    await t.services.insights.refresh(null);
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('every eligible dealer has its tiers, monotone, with a reached tier at exactly 1', async () => {
    const list = await json<ProgramRiskList>(
      await channel.get('/api/v1/insights/program-risks'),
      200,
    );
    expect(list.items.map((i) => `${i.programCode}/${i.dealerCode}`).sort()).toEqual([
      'H1-AURA/DLR-ALPHA',
      'H1-AURA/DLR-BRAVO',
      'H1-AURA/DLR-CHARLIE',
    ]);
    for (const item of list.items) {
      expect(item.tiers).toHaveLength(3);
      for (let k = 1; k < item.tiers.length; k += 1)
        expect(item.tiers[k]!.probability).toBeLessThanOrEqual(item.tiers[k - 1]!.probability);
      expect(item.lower80).toBeLessThanOrEqual(item.expected);
      expect(item.upper80).toBeGreaterThanOrEqual(item.expected);
    }
    const alpha = list.items.find((i) => i.dealerCode === 'DLR-ALPHA')!;
    expect(alpha.toDate).toBe(alphaToDate);
    expect(alpha.elapsedMonths).toBe(3);
    expect(alpha.termMonths).toBe(6);
    expect(alpha.tierReached).toBe(0);
    expect(alpha.tiers[0]).toMatchObject({ reached: true, probability: 1, shortfall: 0 });
    // ~30 more expected in April–June: the middle tier is uncertain, the top one unlikely.
    expect(alpha.tiers[1]!.probability).toBeGreaterThan(0.05);
    expect(alpha.tiers[1]!.probability).toBeLessThan(0.95);
    expect(alpha.tiers[2]!.probability).toBeLessThan(alpha.tiers[1]!.probability);
    expect(alpha.tiers[2]!.shortfall).toBeGreaterThan(alpha.tiers[1]!.shortfall);
    // Each open tier explained: the additive drivers add up to threshold − expected (to 0.1);
    // the reached tier has none.
    expect(alpha.tiers[0]!.drivers).toEqual([]);
    for (const t of alpha.tiers.slice(1)) {
      const sum = t.drivers.filter((d) => d.additive !== false).reduce((s, d) => s + d.units, 0);
      expect(Math.round(sum * 10) / 10).toBe(Math.round((t.threshold! - alpha.expected) * 10) / 10);
      expect(t.drivers.map((d) => d.kind)).toEqual(
        expect.arrayContaining(['pace', 'plan_vs_run_rate', 'seasonality', 'last_year']),
      );
    }
    // A dealer without sales: nothing reached, nothing likely.
    const charlie = list.items.find((i) => i.dealerCode === 'DLR-CHARLIE')!;
    expect(charlie.tiers[0]!.reached).toBe(false);
    expect(charlie.tiers[0]!.probability).toBeLessThan(0.5);
  });

  it("money is the engine's exact figure: what reaching the tier adds, and its expected miss", async () => {
    const { items } = await json<ProgramRiskList>(
      await dealerA.get('/api/v1/insights/dealers/DLR-ALPHA/program-risks'),
      200,
    );
    const alpha = items[0]!;
    // Retroactive per unit: 30-odd units × 100.00 now; 55 × 150.00 at tier 2, 90 × 200.00 at 3.
    expect(alpha.earned).toBe(`${alphaToDate * 100}.00`);
    expect(alpha.tiers[1]).toMatchObject({
      unitsNow: 55 - alphaToDate,
      pays: '8250.00',
      adds: `${8250 - alphaToDate * 100}.00`,
    });
    expect(alpha.tiers[2]).toMatchObject({ unitsNow: 90 - alphaToDate, pays: '18000.00' });
    const p = alpha.tiers[1]!.probability;
    const adds = 8250 - alphaToDate * 100;
    // (1 − p) × adds, p to 6 decimals, rounded half-up to the cent: computed here in integers
    // (millionths × cents), since in floats an exact half cent can fall just below (p = 0.5833
    // on 5,350.00: 2,229.345 → 2,229.35, where Math.round of the float product gives 2,229.34).
    const missedMicros = 1_000_000 - Math.round(Number(p.toFixed(6)) * 1_000_000);
    const cents = Math.floor((missedMicros * adds * 100 + 500_000) / 1_000_000);
    expect(Math.round(Number(alpha.tiers[1]!.expectedShortfallMoney) * 100)).toBe(cents);
    expect(alpha.tiers[1]!.expectedShortfallMoney).toMatch(/^\d+\.\d{2}$/);
    expect(alpha.shortfallMoney).toBe(alpha.tiers[1]!.expectedShortfallMoney);
    // The interventions name the line, the tier and the money: the next tier's first, then a higher
    // tier's only when worth more, named as above the next (program-risk-steps.ts).
    const step = alpha.interventions[0]!;
    expect(step.kind).toBe('incentive_tier');
    expect(step.text).toMatch(/^\d+ more units? of Aura reach tier 2 of Aura first half \(\+/);
    expect(step).toMatchObject({ probability: 0.8, amount: alpha.tiers[1]!.adds });
    expect(step.units).toBe(alpha.tiers[1]!.unitsFor80);
    for (const higher of alpha.interventions.slice(1))
      expect(higher.text).toMatch(
        / reach tier [3-9] of Aura first half \(\w+ above tier 2, the next\) \(\+/,
      );
  });

  it('is scoped: a dealer sees only its own rows, the West manager only the West', async () => {
    const mine = await json<ProgramRiskList>(
      await dealerA.get('/api/v1/insights/program-risks'),
      200,
    );
    expect(new Set(mine.items.map((i) => i.dealerCode))).toEqual(new Set(['DLR-ALPHA']));
    const other = await dealerA.get('/api/v1/insights/dealers/DLR-BRAVO/program-risks');
    expect(other.status).toBe(404);
    const aimed = await json<ProgramRiskList>(
      await dealerA.get('/api/v1/insights/program-risks?dealer=DLR-BRAVO'),
      200,
    );
    expect(aimed.items).toEqual([]);
    const region = await json<ProgramRiskList>(
      await west.get('/api/v1/insights/program-risks'),
      200,
    );
    expect(new Set(region.items.map((i) => i.dealerCode))).toEqual(
      new Set(['DLR-ALPHA', 'DLR-CHARLIE']),
    );
  });

  it("a dealer's refresh rewrites only its rows and counts a late batch", async () => {
    const before = await json<ProgramRiskList>(
      await channel.get('/api/v1/insights/program-risks?dealer=DLR-BRAVO'),
      200,
    );
    // 30 more March sales for Alpha (a late batch): they count to date.
    await ingestRows(
      t.services,
      Array.from({ length: 30 }, (_, i) =>
        txRow({ occurredOn: `2026-03-${String((i % 27) + 1).padStart(2, '0')}` }),
      ),
    );
    await t.db.query('update transactions set received_at = occurred_on + 1');
    const { rows } = await t.db.query<{ id: number }>(
      `select id from dealers where code = 'DLR-ALPHA'`,
    );
    await t.services.insights.refresh([rows[0]!.id]);
    const after = await json<ProgramRiskList>(
      await channel.get('/api/v1/insights/program-risks'),
      200,
    );
    const alpha = after.items.find((i) => i.dealerCode === 'DLR-ALPHA')!;
    expect(alpha.toDate).toBe(alphaToDate + 30);
    expect(alpha.tiers[1]!.reached).toBe(true);
    expect(alpha.tiers[1]!.probability).toBe(1);
    const bravo = after.items.find((i) => i.dealerCode === 'DLR-BRAVO')!;
    expect(bravo.computedAt).toBe(before.items[0]!.computedAt);
  });
});
