/**
 * Issue 17 §1 and its performance work (migration 0031): the retail delivery report's buyer
 * state/country places a registration in the CO2 ledger (else the dealer's place), and the
 * monthly CO2 ledger the fleet figures read (the feed's monthly roll-up, moved to the buyer's
 * place) sums exactly to the per-VIN ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { ingestRows, seedFixtures, txRow } from './helpers/fixtures';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const MARKET = {
  market: 'TEST-US',
  effectiveFrom: '2025-01-01',
  document: {
    kind: 'eu_fleet_co2' as const,
    name: 'Fleet rules on the US test network',
    legalBasis: '',
    currency: 'USD',
    countries: ['US'],
    targets: [{ fromYear: 2025, toYear: 2029, gPerKm: '93.6' }],
    averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
    premiumPerGPerKm: '95',
    massAdjustment: null,
    evShareAskPercent: '25',
    pools: [],
    note: '',
  },
};

const delivery = (n: number, buyer: Record<string, string>, sku = 'AURA-LX-ICE') => ({
  dealNumber: `RDR-${n}`,
  dealerCode: 'DLR-ALPHA',
  vin: `1FTEW1EP5MFA2000${n}`,
  sku,
  saleDate: '2026-03-02',
  deliveryDate: '2026-03-04',
  saleCategory: 'retail',
  buyer: { type: 'individual', ...buyer },
  amounts: { salePrice: '31250.00', currency: 'USD' },
});

describe.each(engines())('the CO2 ledger’s place of registration (%s)', (engine) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-06-15' });
    await seedFixtures(t.db);
    // the feed alone: the dealer's place (DLR-ALPHA is in CA, DLR-BRAVO in NY)
    await ingestRows(t.services, [
      txRow({ externalId: 'F-1', occurredOn: '2026-02-10' }),
      txRow({ externalId: 'F-2', sku: 'AURA-EX-BEV', occurredOn: '2026-03-11' }),
      txRow({ externalId: 'F-3', dealerCode: 'DLR-BRAVO', sku: 'BOLT-XL-HEV' }),
    ]);
    // the report: a buyer in Nevada, one in Mexico (no state), one where the dealer is
    await t.services.rdr.ingestReport({
      actor: SYSTEM_ACTOR,
      report: {
        source: 'dms-star',
        deliveries: [
          delivery(1, { state: 'NV', country: 'US' }),
          delivery(2, { country: 'MX' }, 'BOLT-XL-HEV'),
          delivery(3, { state: 'CA', country: 'US' }),
        ],
      },
    } as Parameters<typeof t.services.rdr.ingestReport>[0]);
    await t.services.sustainability.createRegulation({ actor: SYSTEM_ACTOR, data: MARKET });
  });
  afterAll(() => t?.close());

  it("takes the buyer's state and country from the retail delivery report when it gives them", async () => {
    const { rows } = await t.db.query<{
      external_id: string;
      country: string;
      state_province: string | null;
      place_source: string;
    }>(
      `select t.external_id, l.country, l.state_province, l.place_source from co2_ledger l
       join transactions t on t.id = l.id order by t.external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'F-1', country: 'US', state_province: 'CA', place_source: 'dealer' },
      { external_id: 'F-2', country: 'US', state_province: 'CA', place_source: 'dealer' },
      { external_id: 'F-3', country: 'US', state_province: 'NY', place_source: 'dealer' },
      { external_id: 'RDR-1', country: 'US', state_province: 'NV', place_source: 'rdr' },
      { external_id: 'RDR-2', country: 'MX', state_province: null, place_source: 'rdr' },
      { external_id: 'RDR-3', country: 'US', state_province: 'CA', place_source: 'rdr' },
    ]);
    const page = await t.services.sustainability.findLedger({
      actor: SYSTEM_ACTOR,
      market: 'TEST-US',
      year: 2026,
      limit: 100,
      offset: 0,
    });
    // the Mexican registration is not in the US market
    expect(page.total).toBe(5);
    expect(page.items.find((i) => i.vin === '1FTEW1EP5MFA20001')).toMatchObject({
      country: 'US',
      state: 'NV',
      placeSource: 'rdr',
    });
  });

  it('sums the monthly ledger exactly to the per-VIN ledger, place by place', async () => {
    const byVin = await t.db.query<{ key: string; units: number }>(
      `select concat_ws('|', date_trunc('month', occurred_on)::date, country, state_province, sku_id) as key,
              sum(quantity)::int as units
       from co2_ledger group by 1 having sum(quantity) <> 0 order by 1`,
    );
    const byMonth = await t.db.query<{ key: string; units: number }>(
      `select concat_ws('|', month, country, state_province, sku_id) as key, sum(quantity)::int as units
       from co2_ledger_monthly group by 1 having sum(quantity) <> 0 order by 1`,
    );
    expect(byMonth.rows).toEqual(byVin.rows);
    expect(byVin.rows.some((r) => r.key.includes('|MX|'))).toBe(true);
  });

  it('counts a registration in the market of its place: the fleet and the dealer dashboard', async () => {
    const fleet = await t.services.sustainability.getFleet({
      actor: SYSTEM_ACTOR,
      market: 'TEST-US',
      year: 2026,
    });
    const alpha = fleet.dealers.find((d) => d.code === 'DLR-ALPHA')!;
    // F-1 (160), F-2 (BEV, 0), RDR-1 and RDR-3 (160 each); RDR-2 is registered in Mexico
    expect(alpha.registrations).toBe(4);
    expect(alpha.averageGPerKm).toBe('120.000');
    expect(fleet.years.find((y) => y.year === 2026)!.registrations).toBeGreaterThanOrEqual(5);
  });
});
