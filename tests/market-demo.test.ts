/**
 * Issue 14 §3: the demo generator's market around its network. Every active dealer has an area
 * of responsibility with all-brand registrations larger than its own sales (segments the brand
 * does not sell included), and measured sales effectiveness spreads around 1.0 as a real
 * network's does. The market step is set-based: a few statements, whatever the network's size
 * (its cost is the seeding bench's to measure, not a test's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../src/server/db/db';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedMarket } from '../src/server/modules/demo/market.seed';
import { seedDemo } from '../src/server/modules/demo/seed';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

describe.each(engines())('the demo market (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 9,
      dealers: 60,
      months: 24,
      endMonth: '2026-10',
      agreementLines: 0,
    });
  }, 600_000);
  afterAll(async () => t?.close());

  it('gives every active dealer an area with a market around its sales, in a few statements', async () => {
    const { rows } = await t.db.query<{ dealers: number; withArea: number; segments: number }>(
      `select (select count(*)::int from dealers where status = 'active') as dealers,
         (select count(distinct dealer_id)::int from dealer_areas) as "withArea",
         (select count(distinct segment)::int from market_registrations) as segments`,
    );
    expect(rows[0]!.withArea).toBe(rows[0]!.dealers);
    expect(rows[0]!.segments).toBeGreaterThan(2);
    // The market step again from empty tables, its statements counted: set-based, not per dealer.
    await t.db.exec(
      'delete from market_registrations; delete from dealer_areas; delete from market_areas;',
    );
    const statements: string[] = [];
    const counted = <Q extends Queryable>(q: Q): Q => ({
      ...q,
      query: (sql: string, params?: unknown[]) => {
        statements.push(sql);
        return q.query(sql, params);
      },
      exec: (sql: string) => {
        statements.push(sql);
        return q.exec(sql);
      },
    });
    const db: Db = {
      ...counted(t.db),
      transaction: (fn) => t.db.transaction((tx) => fn(counted(tx))),
    };
    const result = await seedMarket(db);
    expect(result.areas).toBe(rows[0]!.dealers);
    expect(result.registrations).toBeGreaterThan(rows[0]!.dealers);
    expect(statements.length).toBeLessThanOrEqual(5);
    expect(statements.length).toBeLessThan(rows[0]!.dealers);
  });

  it('measures effectiveness around 1.0 with a realistic spread', async () => {
    const eff = await t.services.market.getEffectiveness({
      actor: SYSTEM_ACTOR,
      from: '2025-11',
      to: '2026-10',
    });
    const values = eff.items
      .map((i) => i.effectiveness)
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    expect(values.length).toBeGreaterThan(50);
    const q = (p: number) => values[Math.floor(p * (values.length - 1))]!;
    expect(q(0.5)).toBeGreaterThan(0.85);
    expect(q(0.5)).toBeLessThan(1.15);
    expect(q(0.9) / q(0.1)).toBeGreaterThan(1.2);
    const item = eff.items.find((i) => i.effectiveness !== null)!;
    expect(item.segments.every((s) => s.market >= s.sales)).toBe(true);
  });
});
