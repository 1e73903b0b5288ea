/**
 * Issue 14 §2, the regional market trend driver: with a planted decline of the all-brand
 * registrations in the region's areas (the last six months 30 % below the same months a year
 * earlier), an agreement's risk gets a `market_trend` driver in units — the same months last
 * year, 30 % fewer — and the drivers still add up exactly to the gap between plan and expected
 * outcome. A dealer whose region has no market data gets no such driver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskBoard } from '../src/shared/schemas/insights';
import { ingestRows, PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { approvedAuraAgreement, auraHistory } from './helpers/insights';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const TODAY = '2026-04-20';

describe.each(engines())('insights: regional market trend driver (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    const [admin, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    channel = await login(t.url, USERS.channel, PASSWORD);
    await ingestRows(t.services, [
      ...auraHistory('DLR-ALPHA', 'MA'),
      ...auraHistory('DLR-BRAVO', 'MB'),
    ]);
    // The West's market: Charlie's area (same region as Alpha). 2025-04 … 2025-09: 1,000 a month;
    // 2025-10 … 2026-03: 700 a month — a 30 % decline on the same months a year earlier.
    await t.db.exec(`
      insert into market_areas (code, name, kind) values ('93701', 'Fresno', 'postcode');
      insert into dealer_areas (dealer_id, area_code) select id, '93701' from dealers where code = 'DLR-CHARLIE';
      insert into market_registrations (area_code, segment, month, units, source)
        select '93701', 'compact SUV', m::date, 1000, 'test' from generate_series('2024-10-01'::date, '2025-09-01', '1 month') m;
      insert into market_registrations (area_code, segment, month, units, source)
        select '93701', 'compact SUV', m::date, 700, 'test' from generate_series('2025-10-01'::date, '2026-03-01', '1 month') m;
    `);
    await approvedAuraAgreement({ channel, admin, dealer: dealerA! }, 'DLR-ALPHA', 150);
    await approvedAuraAgreement({ channel, admin, dealer: dealerB! }, 'DLR-BRAVO', 150);
    await t.services.insights.refresh(null);
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('a planted market decline is a driver in units, and the drivers still add up to the gap', async () => {
    const board = await json<RiskBoard>(await channel.get('/api/v1/insights/risks'), 200);
    const alpha = board.items.find((i) => i.dealerCode === 'DLR-ALPHA')!;
    const bravo = board.items.find((i) => i.dealerCode === 'DLR-BRAVO')!;
    const market = alpha.drivers.find((d) => d.kind === 'market_trend')!;
    // The same 9 months (April–December) last year sold 10 ± 2 a month: 30 % of them, ≈ 27.
    expect(market.units).toBeGreaterThan(20);
    expect(market.units).toBeLessThan(35);
    expect(market.text).toMatch(/30 % below a year ago over the last 6 months/);
    for (const r of [alpha, bravo]) {
      const additive = r.drivers.filter((d) => d.additive !== false);
      const sum = additive.reduce((s, d) => s + d.units, 0);
      expect(Math.abs(sum - (r.commitment - r.expected))).toBeLessThan(0.06);
      expect(Math.round(sum * 10)).toBe(Math.round((r.commitment - r.expected) * 10));
    }
    expect(additive(alpha)).toEqual([
      'pace',
      'plan_vs_run_rate',
      'seasonality',
      'last_year',
      'market_trend',
    ]);
    // The East has no market data: no market driver.
    expect(additive(bravo)).toEqual(['pace', 'plan_vs_run_rate', 'seasonality', 'last_year']);
  });
});

const additive = (r: RiskBoard['items'][number]) =>
  r.drivers.filter((d) => d.additive !== false).map((d) => d.kind);
