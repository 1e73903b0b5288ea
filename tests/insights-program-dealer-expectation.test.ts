/**
 * Issue 14 §2, the dealer's own expectation on program tier risks: a dealer who raises its
 * forecast grid's cells of a program's model line gets, on each tier of that program not yet
 * reached, a `dealer_expectation` signal — minus the sum of its adjustments over the window's
 * remaining months only (a month after the window does not count) — beside the drivers, not in
 * their sum: the expected outcome, the probabilities and the additive drivers stay the model's
 * and still add up to the tier's gap. A dealer that adjusted nothing gets none. The network's
 * refresh and a dealer's own refresh agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DealerGrid, ForecastCycle } from '../src/shared/schemas/forecasts';
import type { ProgramRisk, ProgramRiskList } from '../src/shared/schemas/program-risk';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { ingestRows, seedFixtures } from './helpers/fixtures';
import { auraHistory, loginAll, H1_AURA_PROGRAM } from './helpers/insights';
import {
  createProgram,
  engines,
  json,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

const TODAY = '2026-04-20';
const round1 = (v: number) => Math.round(v * 10) / 10;

describe.each(engines())(
  "insights: the dealer's own expectation on program tiers (%s)",
  (engine) => {
    let t: TestApp;
    let channel: Client;
    let dealerA: Client;
    let cycle: ForecastCycle;
    let alphaId: number;
    /** adjusted − baseline of Alpha's cells in the window's remaining months (May, June) */
    let raisedInWindow = 0;
    let before: ProgramRisk[];

    const risks = async () =>
      (await json<ProgramRiskList>(await channel.get('/api/v1/insights/program-risks'), 200)).items;
    const of = (items: ProgramRisk[], dealer: string) =>
      items.find((i) => i.programCode === 'H1-AURA' && i.dealerCode === dealer)!;
    const open = (r: ProgramRisk) => r.tiers.filter((x) => !x.reached && x.drivers.length > 0);

    beforeAll(async () => {
      t = await startTestApp(engine, {}, { today: TODAY });
      await seedFixtures(t.db);
      [channel, dealerA] = await loginAll(t.url, ['channel', 'dealerA']);
      await ingestRows(t.services, [
        ...auraHistory('DLR-ALPHA', 'EA'),
        ...auraHistory('DLR-BRAVO', 'EB'),
      ]);
      await t.db.query('update transactions set received_at = occurred_on + 1');
      await createProgram(channel, H1_AURA_PROGRAM);
      cycle = await json<ForecastCycle>(
        await channel.send('POST', '/api/v1/forecasts/cycles', {
          cycleMonth: '2026-04',
          horizon: 6,
          adjustUntil: '2026-04-30',
        }),
        201,
      );
      await t.services.jobs.settle(BASELINE_JOB_KIND);
      const ids = await t.db.query<{ id: number }>(
        `select id from dealers where code = 'DLR-ALPHA'`,
      );
      alphaId = ids.rows[0]!.id;
      await t.services.insights.refresh(null);
      before = await risks();
    }, 300_000);

    afterAll(async () => {
      await t?.close();
    });

    it('without adjustments no tier has a dealer expectation', () => {
      expect(before.length).toBeGreaterThan(0);
      for (const r of before)
        for (const tier of r.tiers)
          expect(tier.drivers.map((d) => d.kind)).not.toContain('dealer_expectation');
    });

    it("a dealer's raised forecast for the window's months is a signal beside each open tier's drivers", async () => {
      const base = `/api/v1/forecasts/cycles/${cycle.id}/dealers/DLR-ALPHA`;
      const grid = await json<DealerGrid>(await dealerA.get(base), 200);
      const aura = grid.lines.find((l) => l.modelLine.code === 'ML-AURA')!;
      // May and June are in the window (January–June); July is after it.
      const cells = aura.cells.filter((c) => ['2026-05', '2026-06', '2026-07'].includes(c.month));
      expect(cells).toHaveLength(3);
      const values = cells.map((c) => Math.round(c.baseline) + 7);
      raisedInWindow = cells
        .filter((c) => c.month !== '2026-07')
        .reduce((s, c) => s + Math.round(c.baseline) + 7 - c.baseline, 0);
      const put = await dealerA.send('PUT', `${base}/cells`, {
        cells: cells.map((c, k) => ({
          modelLine: 'ML-AURA',
          month: c.month,
          value: values[k],
          reason: 'fleet_deal',
        })),
      });
      expect(put.status, await put.clone().text()).toBe(200);

      await t.services.insights.refresh(null);
      const after = await risks();
      const alpha = of(after, 'DLR-ALPHA');
      const was = of(before, 'DLR-ALPHA');
      expect(open(alpha).length).toBeGreaterThan(0);
      expect(raisedInWindow).toBeGreaterThan(10);
      for (const tier of open(alpha)) {
        const own = tier.drivers.find((d) => d.kind === 'dealer_expectation')!;
        expect(own).toMatchObject({ units: round1(-raisedInWindow), additive: false });
        expect(own.text).toMatch(/expects [\d.]+ units more than the model for May–Jun 2026/);
        expect(own.text).toContain(`tier ${tier.tier}`);
        // the additive drivers are the model's, unchanged, and add up to the tier's gap
        const additive = tier.drivers.filter((d) => d.additive !== false);
        const previous = was.tiers.find((x) => x.tier === tier.tier)!;
        expect(additive).toEqual(previous.drivers.filter((d) => d.additive !== false));
        const sum = additive.reduce((s, d) => s + d.units, 0);
        expect(Math.round(sum * 10)).toBe(Math.round((tier.threshold! - alpha.expected) * 10));
      }
      expect(alpha.expected).toBe(was.expected);
      expect(alpha.tiers.map((x) => x.probability)).toEqual(was.tiers.map((x) => x.probability));
      // Bravo adjusted nothing.
      for (const tier of of(after, 'DLR-BRAVO').tiers)
        expect(tier.drivers.map((d) => d.kind)).not.toContain('dealer_expectation');
    });

    it("a dealer's own refresh gives the same signal as the network's", async () => {
      const network = of(await risks(), 'DLR-ALPHA');
      await t.services.insights.refresh([alphaId]);
      const own = of(await risks(), 'DLR-ALPHA');
      expect(own.tiers.map((x) => x.drivers)).toEqual(network.tiers.map((x) => x.drivers));
      expect(open(own).some((x) => x.drivers.some((d) => d.kind === 'dealer_expectation'))).toBe(
        true,
      );
    });
  },
);
