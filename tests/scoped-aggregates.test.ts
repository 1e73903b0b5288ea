/**
 * Scoped reads whose aggregates used to sum the whole network and keep the scope's dealers only
 * on the final join (or in the service): for a region or one dealer they now aggregate the
 * scope's rows only, with the same figures as the network's rows of those dealers. Checked as
 * behaviour, from the plans (EXPLAIN ANALYZE): the innermost aggregate over each table yields at
 * most the scope's groups.
 *
 * - availability.repository.ts `openCommitments` (the supply vs demand's open commitments): was
 *   every dealer's agreements, filtered in availability.service.ts `getSupplyDemand`. Its figures
 *   are also checked against a reference computed from the raw rows (a line counts once per
 *   model line it holds SKUs of), as its join was rewritten for speed.
 * - market.repository.ts `effectiveness`: its aggregates read the peers only (the dealers of the
 *   rows' regions, whose sales and areas the region's figures sum), not the whole network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor, type Scope } from '../src/server/auth/actor';
import type { Queryable } from '../src/server/db/db';
import { shownStatusSql } from '../src/server/modules/agreements/agreement-status';
import { createAvailabilityRepository } from '../src/server/modules/availability/availability.repository';
import { seedDemo } from '../src/server/modules/demo/seed';
import { createMarketRepository } from '../src/server/modules/market/market.repository';
import { explaining, innerAggregatesOver, type PlanNode } from './helpers/plans';
import { firstRegionWithDealers } from './helpers/scopes';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const TODAY = '2026-11-15';

describe.each(engines())('scoped aggregates (%s)', (engine) => {
  let t: TestApp;
  let region: Scope & { kind: 'region' };
  let inRegion: { id: number; code: string }[];

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedDemo(t.services, { seed: 5, dealers: 40, months: 24, endMonth: '2026-10' });
    ({ scope: region, dealers: inRegion } = await firstRegionWithDealers(t.db));
  }, 600_000);
  afterAll(async () => t?.close());

  /** `read` through a transaction that keeps the plans of the statements matching `which`. */
  async function planned<T>(which: RegExp, read: (q: Queryable) => Promise<T>) {
    const plans: PlanNode[] = [];
    const result = await t.db.transaction(async (tx) => {
      // one process per plan node (a parallel aggregate counts a partial per worker)
      if (engine === 'postgres') await tx.query('set local max_parallel_workers_per_gather = 0');
      return read(explaining(tx, which, plans));
    });
    return { result, plans };
  }

  it('sums the open commitments of the scope’s dealers only (supply vs demand)', async () => {
    const repo = createAvailabilityRepository();
    const key = (r: { dealer_id: number; model_line_id: number }) =>
      `${r.dealer_id}:${r.model_line_id}`;
    const sorted = <R extends { dealer_id: number; model_line_id: number }>(rows: R[]) =>
      [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const network = await repo.openCommitments(t.db, TODAY, null);
    const withUnits = network.filter((r) => inRegion.some((d) => d.id === r.dealer_id));
    const one = withUnits[0]!.dealer_id;
    expect(withUnits.length).toBeGreaterThan(0);
    expect(withUnits.length).toBeLessThan(network.length);
    for (const ids of [inRegion.map((d) => d.id), [one]]) {
      const expected = sorted(network.filter((r) => ids.includes(r.dealer_id)));
      const { result, plans } = await planned(/agreements/, (q) =>
        repo.openCommitments(q, TODAY, null, ids),
      );
      expect(sorted(result)).toEqual(expected);
      expect(plans).toHaveLength(1);
      const aggregates = innerAggregatesOver(plans[0]!, 'agreements');
      expect(aggregates.length).toBeGreaterThan(0);
      for (const n of aggregates) expect(n).toBeLessThanOrEqual(expected.length);
    }
    // the service's figures for a regional manager: the network's rows of the region's dealers
    const actor: Actor = { ...SYSTEM_ACTOR, role: 'regional_manager', scope: region };
    const report = await t.services.availability.getSupplyDemand({ actor });
    const lines = await t.services.availability.getSupplyDemand({ actor: SYSTEM_ACTOR });
    expect(report.modelLines.map((l) => l.modelLineCode)).toEqual(
      lines.modelLines.map((l) => l.modelLineCode),
    );
    const { rows: codes } = await t.db.query<{ id: number; code: string }>(
      'select id, code from model_lines',
    );
    for (const line of report.modelLines) {
      const id = codes.find((c) => c.code === line.modelLineCode)!.id;
      expect(line.openCommitments, line.modelLineCode).toBe(
        withUnits.filter((r) => r.model_line_id === id).reduce((s, r) => s + r.units, 0),
      );
    }
  });

  it('reads the peers’ sales and areas only for a region or one dealer (sales effectiveness)', async () => {
    const repo = createMarketRepository(t.db);
    const [from, to] = ['2025-11', '2026-10'];
    const network = await repo.effectiveness({ kind: 'network' }, from, to);
    const one = inRegion[0]!;
    const { rows: ofItsRegion } = await t.db.query<{ id: number }>(
      `select p.id from dealers p join dealers d on d.region_id = p.region_id where d.id = $1`,
      [one.id],
    );
    const dealers = new Set(network.map((r) => r.dealerId)).size;
    expect(ofItsRegion.length).toBeLessThan(dealers);
    const regionIds = inRegion.map((d) => d.id);
    const cases: { scope: Scope; dealerId?: number; rows: number[]; peers: number[] }[] = [
      { scope: region, rows: regionIds, peers: regionIds },
      {
        scope: { kind: 'dealers', dealerIds: [one.id], dealerCodes: [one.code], label: one.code },
        rows: [one.id],
        peers: ofItsRegion.map((d) => d.id),
      },
      {
        scope: { kind: 'network' },
        dealerId: one.id,
        rows: [one.id],
        peers: ofItsRegion.map((d) => d.id),
      },
    ];
    // The groups the aggregates may produce for the peers: (dealer, segment) of their sales and
    // (area, segment) of their areas' registrations.
    const groups = async (peers: number[]) => {
      const { rows } = await t.db.query<{ sales: number; market: number }>(
        `select (select count(distinct (a.dealer_id, ml.segment))::int from monthly_actuals a
                   join skus s on s.id = a.sku_id join model_lines ml on ml.id = s.model_line_id
                  where a.dealer_id = any($3::int[]) and a.month between $1::date and $2::date) as sales,
                (select count(distinct (m.area_code, m.segment))::int from market_registrations m
                  where m.month between $1::date and $2::date
                    and m.area_code in (select area_code from dealer_areas where dealer_id = any($3::int[]))) as market`,
        [`${from}-01`, `${to}-01`, peers],
      );
      return rows[0]!;
    };
    for (const c of cases) {
      const expected = network.filter((r) => c.rows.includes(r.dealerId));
      expect(expected.some((r) => r.sales > 0 && r.market > 0 && r.regionSales > 0)).toBe(true);
      const { result, plans } = await planned(/monthly_actuals/, (q) =>
        createMarketRepository(q).effectiveness(c.scope, from, to, c.dealerId),
      );
      expect(result).toEqual(expected);
      expect(plans).toHaveLength(1);
      const bound = await groups(c.peers);
      for (const [table, most] of [
        ['monthly_actuals', bound.sales],
        ['market_registrations', bound.market],
      ] as const) {
        const aggregates = innerAggregatesOver(plans[0]!, table);
        expect(aggregates.length, table).toBeGreaterThan(0);
        for (const n of aggregates) expect(n, table).toBeLessThanOrEqual(most);
      }
    }
  });

  it('counts each open line once per model line it holds SKUs of (network, one model line)', async () => {
    // The reference, from the raw rows: each active line's units to go, under every model line
    // of its SKUs (a line of two SKUs of one model line counts once there).
    const { rows: lines } = await t.db.query<{ key: string; dealerId: number; open: number }>(
      `select l.agreement_id || ':' || l.line_no as key, a.dealer_id as "dealerId",
         ((select coalesce(sum(x), 0) from unnest(l.planned_quantities) x)
          - (select coalesce(sum(x), 0) from unnest(l.actual_quantities) x))::int as open
       from agreements a join agreement_lines l on l.agreement_id = a.id
       where a.status in ('approved', 'active') and ${shownStatusSql('a', '$1::date')} = 'active'`,
      [`${TODAY.slice(0, 7)}-01`],
    );
    const { rows: skus } = await t.db.query<{ key: string; modelLineId: number }>(
      `select ls.agreement_id || ':' || ls.line_no as key, s.model_line_id as "modelLineId"
       from agreement_line_skus ls join skus s on s.id = ls.sku_id`,
    );
    const modelLinesOf = new Map<string, number[]>();
    for (const r of skus)
      modelLinesOf.set(r.key, [...(modelLinesOf.get(r.key) ?? []), r.modelLineId]);
    const sums = new Map<string, number>();
    for (const line of lines)
      for (const ml of new Set(modelLinesOf.get(line.key) ?? [])) {
        const k = `${line.dealerId}:${ml}`;
        sums.set(k, (sums.get(k) ?? 0) + line.open);
      }
    const reference = [...sums].map(([k, units]) => `${k}:${Math.max(0, units)}`).sort();
    // lines of several SKUs of one model line are the demo's, so counting once is tested
    expect(lines.some((l) => (modelLinesOf.get(l.key) ?? []).length > 1)).toBe(true);
    const repo = createAvailabilityRepository();
    const asKeys = (rows: { dealer_id: number; model_line_id: number; units: number }[]) =>
      rows.map((r) => `${r.dealer_id}:${r.model_line_id}:${r.units}`).sort();
    const network = asKeys(await repo.openCommitments(t.db, TODAY, null));
    expect(network.length).toBeGreaterThan(0);
    expect(network).toEqual(reference);
    const ml = Number(reference[0]!.split(':')[1]);
    expect(asKeys(await repo.openCommitments(t.db, TODAY, ml))).toEqual(
      reference.filter((k) => Number(k.split(':')[1]) === ml),
    );
  });
});
