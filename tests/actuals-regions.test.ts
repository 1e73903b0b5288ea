/**
 * Actuals by region (the network roll-up, issue 18 §1): the grouping done in SQL by the dealers'
 * own region first, then summed up the region tree, gives each top region (or each child of
 * ?region) its months, units net of unwinds, exact amount and BEV share, within the caller's
 * scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../src/shared/money';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Totals = {
  months: string[];
  regions: {
    code: string;
    name: string;
    dealerCount: number;
    quantities: number[];
    total: number;
    amount: string;
    bevShare: number | null;
  }[];
};

const REGION_OF: Record<string, string> = {
  'DLR-ALPHA': 'US-W',
  'DLR-CHARLIE': 'US-W',
  'DLR-BRAVO': 'US-E',
};

describe.each(engines())('actuals by region (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let west: Client;
  const dealers = Object.keys(REGION_OF);
  const rows = Array.from({ length: 30 }, (_, i) =>
    txRow({
      dealerCode: dealers[i % 3],
      sku: i % 4 === 0 ? 'AURA-EX-BEV' : i % 4 === 1 ? 'BOLT-XL-HEV' : 'AURA-LX-ICE',
      kind: i % 10 === 9 ? 'unwind' : 'retail_delivery',
      quantity: i % 10 === 9 ? -1 : 1,
      amount: i % 10 === 9 ? '-30000.05' : `${30000 + i}.${String(i).padStart(2, '0')}`,
      occurredOn: `2026-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, '0')}`,
    }),
  );
  /** The expected figures of the rows whose region `regionOf` names (null: left out). */
  const expected = (regionOf: (dealer: string) => string | null) => {
    const by = new Map<string, { q: number[]; amounts: string[]; bev: number }>();
    for (const r of rows) {
      const region = regionOf(r.dealerCode as string);
      if (region === null) continue;
      const e = by.get(region) ?? { q: [0, 0, 0], amounts: [], bev: 0 };
      const m = Number((r.occurredOn as string).slice(5, 7)) - 1;
      e.q[m]! += r.quantity as number;
      e.amounts.push(r.amount as string);
      if (r.sku === 'AURA-EX-BEV') e.bev += r.quantity as number;
      by.set(region, e);
    }
    return [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, e]) => {
        const total = e.q.reduce((s, x) => s + x, 0);
        return {
          code,
          quantities: e.q,
          total,
          amount: e.amounts.reduce((s, a) => s.plus(a), dec(0)).toFixed(2),
          bevShare: Number(dec(e.bev).div(total).times(100).toFixed(1)),
        };
      });
  };

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    await ingestRows(t.services, rows);
    admin = await login(t.url, USERS.admin, PASSWORD);
    west = await login(t.url, USERS.regionalWest, PASSWORD);
  }, 120_000);
  afterAll(async () => t?.close());

  it('sums the network up to its top region and to the children of ?region', async () => {
    const top = await json<Totals>(
      await admin.get('/api/v1/actuals/regions?from=2026-01&to=2026-03'),
      200,
    );
    expect(top.months).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(top.regions).toEqual(
      expected(() => 'US').map((e) => ({ ...e, name: 'United States', dealerCount: 3 })),
    );
    const children = await json<Totals>(
      await admin.get('/api/v1/actuals/regions?from=2026-01&to=2026-03&region=US'),
      200,
    );
    expect(children.regions.map((r) => r.code)).toEqual(['US-E', 'US-W']);
    expect(children.regions.map(({ name: _n, dealerCount: _d, ...r }) => r)).toEqual(
      expected((d) => REGION_OF[d]!),
    );
    expect(children.regions.map((r) => r.dealerCount)).toEqual([1, 2]);
  });

  it("keeps a regional manager to the region's dealers", async () => {
    const children = await json<Totals>(
      await west.get('/api/v1/actuals/regions?from=2026-01&to=2026-03&region=US'),
      200,
    );
    expect(children.regions.map(({ name: _n, dealerCount: _d, ...r }) => r)).toEqual(
      expected((d) => (REGION_OF[d] === 'US-W' ? 'US-W' : null)),
    );
  });
});
