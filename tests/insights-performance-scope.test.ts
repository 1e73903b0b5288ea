/**
 * The high performers' features (insights/performance.repository.ts `features`) for a region or
 * one dealer: the same figures as the network's rows of those dealers, with each aggregate
 * reading the scope's dealers only. It used to sum the whole network's sales, agreements, risks
 * and statements and keep the scope's on the final join: a region's ranking cost as much as the
 * network's (BENCHMARKS.md, twentieth session). Checked as behaviour, from the plans (EXPLAIN
 * ANALYZE): the innermost aggregate over each table yields at most one row per dealer in scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { createPerformanceRepository } from '../src/server/modules/insights/performance.repository';
import { explaining, innerAggregatesOver, type PlanNode } from './helpers/plans';
import { firstRegionWithDealers } from './helpers/scopes';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const TABLES = ['monthly_actuals', 'agreements', 'incentive_statements'];
const PERIOD = { from: '2025-11', to: '2026-10', today: '2026-11-15' };

describe.each(engines())('high performers’ features by scope (%s)', (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: PERIOD.today });
    await seedDemo(t.services, { seed: 5, dealers: 40, months: 24, endMonth: '2026-10' });
  }, 600_000);
  afterAll(async () => t?.close());

  it('gives a region or one dealer the network’s figures of its dealers, aggregated for them only', async () => {
    const network = await createPerformanceRepository(t.db).features({ kind: 'network' }, PERIOD);
    const { scope: region, dealers: inRegion } = await firstRegionWithDealers(t.db, {
      activeOnly: true,
    });
    expect(inRegion.length).toBeGreaterThan(0);
    expect(inRegion.length).toBeLessThan(network.length);
    const one = inRegion[0]!;
    const cases: { scope: Scope; dealerId?: number; codes: string[] }[] = [
      { scope: region, codes: inRegion.map((d) => d.code) },
      {
        scope: { kind: 'dealers', dealerIds: [one.id], dealerCodes: [one.code], label: one.code },
        codes: [one.code],
      },
      { scope: { kind: 'network' }, dealerId: one.id, codes: [one.code] },
    ];
    expect(network.some((d) => d.units > 0 && d.planned > 0)).toBe(true);
    for (const c of cases) {
      const plans: PlanNode[] = [];
      const rows = await t.db.transaction(async (tx) => {
        // one process per plan node (a parallel aggregate counts a partial per worker)
        if (engine === 'postgres') await tx.query('set local max_parallel_workers_per_gather = 0');
        return createPerformanceRepository(explaining(tx, /monthly_actuals/, plans)).features(
          c.scope,
          { ...PERIOD, ...(c.dealerId === undefined ? {} : { dealerId: c.dealerId }) },
        );
      });
      expect(rows).toEqual(network.filter((d) => c.codes.includes(d.dealerCode)));
      expect(plans).toHaveLength(1);
      for (const table of TABLES) {
        const aggregates = innerAggregatesOver(plans[0]!, table);
        expect(aggregates.length, table).toBeGreaterThan(0);
        for (const n of aggregates) expect(n, table).toBeLessThanOrEqual(c.codes.length);
      }
    }
  });
});
