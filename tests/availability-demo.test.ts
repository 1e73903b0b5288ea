/**
 * Issue 16 on the demo network: the generated pipeline is consistent with the feed (each
 * delivered vehicle is a retail delivery of the same dealer and VIN, and was in stock before),
 * and an allocation run over the demo network gives whole units adding up to the supply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

describe.each(engines())('availability on the demo network (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 5,
      dealers: 10,
      months: 24,
      endMonth: '2026-10',
      agreementLines: 6,
    });
  });
  afterAll(async () => t?.close());

  it('builds a pipeline whose deliveries are the feed’s and whose stock came before them', async () => {
    const { rows } = await t.db.query<{
      delivered: number;
      linked: number;
      stock: number;
      transit: number;
      ordered_before: number;
    }>(
      `select
         (select count(*)::int from vehicles where status = 'delivered') as delivered,
         (select count(*)::int from vehicles v join transactions x on x.dealer_id = v.dealer_id and x.vin = v.vin
            and x.kind = 'retail_delivery' and x.external_id = v.delivery_external_id and x.occurred_on = v.delivered_on
          where v.status = 'delivered') as linked,
         (select count(*)::int from vehicles where status = 'at_dealer') as stock,
         (select count(*)::int from vehicles where status = 'in_transit' and eta > '2026-11-20') as transit,
         (select count(*)::int from vehicles where status = 'delivered' and ordered_on < arrived_on and arrived_on < delivered_on) as ordered_before`,
    );
    const r = rows[0]!;
    expect(r.delivered).toBeGreaterThan(50);
    expect(r.linked).toBe(r.delivered);
    expect(r.ordered_before).toBe(r.delivered);
    expect(r.stock).toBeGreaterThan(10);
    expect(r.transit).toBeGreaterThan(0);
  });

  it('allocates a model line over the demo network: whole units adding up to the supply', async () => {
    const { rows } = await t.db.query<{ ml: string; skus: string[] }>(
      `select ml.code as ml, array_agg(s.code order by s.code) as skus from model_lines ml join skus s on s.model_line_id = ml.id
       where s.status = 'active' and s.powertrain <> 'BEV' group by ml.code order by ml.code limit 1`,
    );
    const { ml, skus } = rows[0]!;
    const run = await t.services.allocation.createRun({
      actor: SYSTEM_ACTOR,
      data: {
        month: '2026-11',
        modelLine: ml,
        supply: skus.map((sku, i) => ({ sku, units: 17 + i })),
      },
    });
    for (const total of run.totals) expect(total.allocated).toBe(total.supply);
    const results = await t.services.allocation.findResults({
      actor: SYSTEM_ACTOR,
      code: run.code,
      filter: { limit: 1_000_000, offset: 0 },
    });
    expect(results.total).toBe(run.summary.results);
    for (const r of results.items) expect(Number.isInteger(r.units)).toBe(true);
    const inactive = await t.db.query<{ code: string }>(
      `select code from dealers where status <> 'active'`,
    );
    for (const d of inactive.rows)
      expect(results.items.filter((r) => r.dealerCode === d.code).every((r) => r.units === 0)).toBe(
        true,
      );
  });
});
