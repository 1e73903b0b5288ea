/**
 * The demand plan for production planning (issue 15): plant × SKU × month in whole units with the
 * interval, from the locked consensus; plants set per model line or SKU by the OEM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Plan = {
  version: string;
  rows: {
    plant: string;
    sku: string;
    month: string;
    periodStart: string;
    quantity: number;
    lower80: number;
    upper95: number;
  }[];
};

describe.each(engines())('production plan export (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let dealerA: Client;
  let cycleId: number;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-10-05' });
    await seedFixtures(t.db);
    [channel, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    const cycle = await t.db.query<{ id: number }>(
      `insert into forecast_cycles (cycle_month, status, horizon, history_months, adjust_until)
       values ('2026-10-01', 'locked', 2, 24, '2026-10-10') returning id`,
    );
    cycleId = cycle.rows[0]!.id;
    // Aura: Alpha (West) 10.4 and 5.3 units, Bravo (East) 7.4 in October; 3 in November for Alpha
    await t.db.query(
      `insert into forecast_cells (cycle_id, dealer_id, model_line_id, target_month, region_id, horizon, baseline,
                                   lower80, upper80, lower95, upper95, method, spreadsheet, mase_scale)
       select $1, d.id, m.id, x.month::date, d.region_id, 1, x.q, x.q - 2, x.q + 2, x.q - 3, x.q + 3, 'test', x.q, 1
       from (values ('DLR-ALPHA', '2026-10-01', 10.4), ('DLR-CHARLIE', '2026-10-01', 5.3),
                    ('DLR-BRAVO', '2026-10-01', 7.4), ('DLR-ALPHA', '2026-11-01', 3)) as x(dealer, month, q)
       join dealers d on d.code = x.dealer join model_lines m on m.code = 'ML-AURA'`,
      [cycleId],
    );
    // the SKU mix: West 75 % LX, 25 % EX; East all LX
    await t.db.query(
      `insert into forecast_sku_mix (cycle_id, region_id, sku_id, share)
       select $1, r.id, s.id, x.share from (values ('US-W', 'AURA-LX-ICE', 0.75), ('US-W', 'AURA-EX-BEV', 0.25),
         ('US-E', 'AURA-LX-ICE', 1)) as x(region, sku, share)
       join regions r on r.code = x.region join skus s on s.code = x.sku`,
      [cycleId],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sums the regions per plant × SKU × month in whole units adding up to the plan', async () => {
    await json(
      await channel.send('PUT', '/api/v1/settings/production-plants', {
        defaultPlant: 'P001',
        byModelLine: {},
        bySku: { 'AURA-EX-BEV': 'P-EV' },
      }),
      200,
    );
    expect(
      (
        await dealerA.send('PUT', '/api/v1/settings/production-plants', {
          defaultPlant: 'X',
          byModelLine: {},
          bySku: {},
        })
      ).status,
    ).toBe(403);
    const plan = await json<Plan>(
      await channel.get(`/api/v1/forecasts/cycles/${cycleId}/production-plan`),
      200,
    );
    expect(plan.version).toBe('DP-2026-10');
    expect(plan.rows.map((r) => [r.plant, r.sku, r.month, r.periodStart, r.quantity])).toEqual([
      ['P-EV', 'AURA-EX-BEV', '2026-10', '2026-10-01', 4],
      ['P-EV', 'AURA-EX-BEV', '2026-11', '2026-11-01', 1],
      ['P001', 'AURA-LX-ICE', '2026-10', '2026-10-01', 19],
      ['P001', 'AURA-LX-ICE', '2026-11', '2026-11-01', 2],
    ]);
    // October: 10.4 + 5.3 + 7.4 = 23.1 units, 23 whole; November 3
    const october = plan.rows
      .filter((r) => r.month === '2026-10')
      .reduce((a, r) => a + r.quantity, 0);
    expect(october).toBe(23);
    for (const r of plan.rows) expect(r.lower80).toBeLessThanOrEqual(r.upper95);
    const csv = await channel.get(`/api/v1/forecasts/cycles/${cycleId}/production-plan?format=csv`);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'plant,sku,modelLine,powertrain,month,periodStart,quantity,lower80,upper80,lower95,upper95',
    );
    expect(lines).toHaveLength(5);
  });

  it('gives a dealer its own plan only', async () => {
    const plan = await json<Plan>(
      await dealerA.get(`/api/v1/forecasts/cycles/${cycleId}/production-plan`),
      200,
    );
    // Alpha alone: 10.4 in October (7.8 LX, 2.6 EX), 3 in November
    expect(plan.rows.reduce((a, r) => a + r.quantity, 0)).toBe(13);
  });
});
