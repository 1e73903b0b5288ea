/**
 * Issue 17 through the API: the fleet average and premium recomputed by hand from the feed rows
 * of a small network and compared exactly; scope (dealer B never sees dealer A's registrations);
 * the what-if; regulations as versioned data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const MARKET = {
  market: 'TEST-EU',
  effectiveFrom: '2025-01-01',
  document: {
    kind: 'eu_fleet_co2',
    name: 'EU rules on the test network',
    currency: 'EUR',
    countries: ['US'],
    targets: [
      { fromYear: 2025, toYear: 2029, gPerKm: '93.6' },
      { fromYear: 2030, toYear: null, gPerKm: '49.5' },
    ],
    averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
    premiumPerGPerKm: '95',
    evShareAskPercent: '25',
    pools: [
      {
        name: 'Pool with an EV maker',
        fromYear: 2025,
        toYear: 2027,
        members: [{ name: 'EV Co', registrations: 10, averageGPerKm: '0' }],
      },
    ],
  },
};

// dealer A (CA): 3 ICE at 160, one unwound, 1 BEV; dealer B (NY): 2 HEV at 190
const ROWS = [
  txRow({ externalId: 'S-1', sku: 'AURA-LX-ICE', vin: 'WAURA0ACE00000001' }),
  txRow({ externalId: 'S-2', sku: 'AURA-LX-ICE', vin: 'WAURA0ACE00000002' }),
  txRow({ externalId: 'S-3', sku: 'AURA-LX-ICE', vin: 'WAURA0ACE00000003' }),
  txRow({
    externalId: 'S-3U',
    kind: 'unwind',
    sku: 'AURA-LX-ICE',
    quantity: -1,
    amount: '-31000.00',
    originalExternalId: 'S-3',
    occurredOn: '2026-03-20',
  }),
  txRow({ externalId: 'S-4', sku: 'AURA-EX-BEV', vin: 'WAURA0BEV00000001', amount: '45000.00' }),
  txRow({
    externalId: 'S-5',
    dealerCode: 'DLR-BRAVO',
    sku: 'BOLT-XL-HEV',
    vin: 'WBLT00HEV00000001',
  }),
  txRow({
    externalId: 'S-6',
    dealerCode: 'DLR-BRAVO',
    sku: 'BOLT-XL-HEV',
    vin: 'WBLT00HEV00000002',
  }),
];
const CO2: Record<string, number> = { 'AURA-LX-ICE': 160, 'AURA-EX-BEV': 0, 'BOLT-XL-HEV': 190 };

/** The premium by hand: 95 × max(0, Σ e·q − 93.6 × Σ q), from the rows above. */
function byHand(dealer?: string) {
  let s = new Dec(0);
  let n = 0;
  for (const r of ROWS) {
    if (dealer && r.dealerCode !== dealer) continue;
    s = s.plus(new Dec(CO2[r.sku as string]!).times(r.quantity as number));
    n += r.quantity as number;
  }
  const excess = s.minus(new Dec('93.6').times(n));
  return { s, n, excess, average: s.div(n).toFixed(3) };
}

describe.each(engines())('sustainability through the API (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-06-15' });
    await seedFixtures(t.db);
    await ingestRows(t.services, ROWS);
    admin = await login(t.url, USERS.admin, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    await json(await admin.send('POST', '/api/v1/sustainability/regulations', MARKET), 201);
  });
  afterAll(() => t.close());

  it('seeds EU 2019/631 and US ZEV as data and versions a market', async () => {
    const list = await json<{
      items: {
        market: string;
        versionNo: number;
        isCurrent: boolean;
        document: { targets?: unknown };
      }[];
    }>(await admin.get('/api/v1/sustainability/regulations'), 200);
    const eu = list.items.find((r) => r.market === 'EU')!;
    expect(eu.document.targets).toEqual([
      { fromYear: 2025, toYear: 2029, gPerKm: '93.6' },
      { fromYear: 2030, toYear: 2034, gPerKm: '49.5' },
      { fromYear: 2035, toYear: null, gPerKm: '0' },
    ]);
    expect(list.items.some((r) => r.market === 'US-ZEV' && r.isCurrent)).toBe(true);
    const v2 = await json<{ versionNo: number }>(
      await admin.send('POST', '/api/v1/sustainability/regulations', {
        ...MARKET,
        effectiveFrom: '2027-01-01',
      }),
      201,
    );
    expect(v2.versionNo).toBe(2);
    const bad = await admin.send('POST', '/api/v1/sustainability/regulations', {
      ...MARKET,
      document: { ...MARKET.document, premiumPerGPerKm: 95 },
    });
    expect(bad.status).toBe(400);
    expect((await dealerA.send('POST', '/api/v1/sustainability/regulations', MARKET)).status).toBe(
      403,
    );
  });

  it('computes the fleet average and premium exactly as by hand', async () => {
    const fleet = await json<{
      years: {
        year: number;
        registrations: number;
        averageGPerKm: string | null;
        premium: string;
      }[];
      windowAverageGPerKm: string;
      windowPremium: string;
      dealers: { code: string; contribution: string; bevsNeeded: number }[];
      shadowPrices: { modelLineCode: string; perUnit: string }[];
      pools: { premium: string; saving: string }[];
    }>(await admin.get('/api/v1/sustainability/fleet?market=TEST-EU&year=2026'), 200);
    const h = byHand();
    expect(h.n).toBe(5);
    const premium = h.excess.times(95).toFixed(2);
    expect(premium).toBe('22040.00');
    expect(fleet.windowPremium).toBe(premium);
    expect(fleet.windowAverageGPerKm).toBe(h.average);
    const y2026 = fleet.years.find((y) => y.year === 2026)!;
    expect(y2026).toMatchObject({ registrations: 5, averageGPerKm: '140.000', premium });
    // dealer contributions add up to the premium (both above target here)
    const a = fleet.dealers.find((d) => d.code === 'DLR-ALPHA')!;
    const b = fleet.dealers.find((d) => d.code === 'DLR-BRAVO')!;
    expect(a.contribution).toBe(byHand('DLR-ALPHA').excess.times(95).toFixed(2));
    expect(b.contribution).toBe('18316.00');
    expect(new Dec(a.contribution).plus(b.contribution).toFixed(2)).toBe(premium);
    // one more 150 g/km-ish car: shadow price 95 × (e − 93.6), e the line's average (Aura: 320/3)
    const aura = fleet.shadowPrices.find((s) => s.modelLineCode === 'ML-AURA')!;
    expect(aura.perUnit).toBe(new Dec(320).div(3).minus('93.6').times(95).toFixed(2));
    // a pool with 10 zero-emission cars: 700 − 93.6 × 15 < 0
    expect(fleet.pools[0]).toEqual({
      name: 'Pool with an EV maker',
      averageGPerKm: '46.667',
      premium: '0.00',
      saving: premium,
    });
  });

  it('answers the what-if: +2 BEVs of the Aura in the West', async () => {
    const w = await json<{
      after: { premium: string; averageGPerKm: string };
      premiumChange: string;
      sku: string;
    }>(
      await admin.send('POST', '/api/v1/sustainability/what-if', {
        market: 'TEST-EU',
        modelLine: 'ML-AURA',
        region: 'US-W',
        units: 2,
      }),
      200,
    );
    expect(w.sku).toBe('AURA-EX-BEV');
    expect(w.after.premium).toBe(new Dec(700).minus(new Dec('93.6').times(7)).times(95).toFixed(2));
    expect(w.premiumChange).toBe(new Dec('93.6').times(-2).times(95).toFixed(2));
    expect(w.after.averageGPerKm).toBe('100.000');
  });

  it("shows a dealer its own contribution and never another dealer's", async () => {
    const mine = await json<{
      contribution: string;
      evSharePercent: string;
      nextSale: { powertrain: string; value: string }[];
    }>(await dealerA.get('/api/v1/sustainability/dealers/DLR-ALPHA?market=TEST-EU'), 200);
    expect(mine.contribution).toBe('3724.00');
    expect(mine.evSharePercent).toBe('33.3');
    expect(mine.nextSale.find((s) => s.powertrain === 'BEV')!.value).toBe('8892.00');
    expect(
      (await dealerB.get('/api/v1/sustainability/dealers/DLR-ALPHA?market=TEST-EU')).status,
    ).toBe(404);
    expect((await dealerB.get('/api/v1/sustainability/fleet?market=TEST-EU')).status).toBe(403);
    const ledgerB = await json<{ total: number; items: { vin: string; dealerCode: string }[] }>(
      await dealerB.get('/api/v1/sustainability/ledger?market=TEST-EU'),
      200,
    );
    expect(ledgerB.total).toBe(2);
    expect(ledgerB.items.every((i) => i.dealerCode === 'DLR-BRAVO')).toBe(true);
    const all = await json<{ total: number }>(
      await admin.get('/api/v1/sustainability/ledger?market=TEST-EU&year=2026'),
      200,
    );
    expect(all.total).toBe(7);
  });

  it('keeps environmental data on the SKU and in the catalog API', async () => {
    const r = await json<{ massKg: number; batteryKwh: string }>(
      await admin.send('PATCH', '/api/v1/sustainability/vehicle-data/AURA-EX-BEV', {
        massKg: 2050,
        batteryKwh: '77.4',
        electricRangeKm: 450,
      }),
      200,
    );
    expect(r).toMatchObject({ massKg: 2050, batteryKwh: '77.4' });
    const sku = await json<{ massKg: number; electricRangeKm: number }>(
      await admin.get('/api/v1/skus/AURA-EX-BEV'),
      200,
    );
    expect(sku).toMatchObject({ massKg: 2050, electricRangeKm: 450 });
    const bad = await json<{ details: { problems: { path: string }[] } }>(
      await admin.send('PATCH', '/api/v1/sustainability/vehicle-data/AURA-EX-BEV', {
        co2GramsPerKm: 12,
      }),
      400,
    );
    expect(bad.details.problems[0]!.path).toBe('body.co2GramsPerKm');
  });

  it('shows the US ZEV share per state with its status', async () => {
    const z = await json<{
      requiredPercent: string;
      states: { state: string; deliveries: number; zevDeliveries: number; zevNeeded: number }[];
    }>(await admin.get('/api/v1/sustainability/zev?market=US-ZEV&modelYear=2026'), 200);
    expect(z.requiredPercent).toBe('35');
    // CA: 3 net deliveries, 1 BEV (33.3 % < 35 %: one more); NY: 2 HEV → needs n with n / (2 + n) ≥ 35 %: 2
    expect(z.states.find((s) => s.state === 'CA')).toMatchObject({
      deliveries: 3,
      zevDeliveries: 1,
      zevNeeded: 1,
    });
    expect(z.states.find((s) => s.state === 'NY')).toMatchObject({
      deliveries: 2,
      zevDeliveries: 0,
      zevNeeded: 2,
    });
  });

  it('reads the EV programs: the dealer sees them, the what-if costs them, each shows CO2 per 1,000', async () => {
    await t.db.query(
      `insert into programs (code, status, created_by_label) values ('BEV-BONUS', 'published', 'test')`,
    );
    await t.db.query(
      `insert into program_versions (program_id, version_no, effective_from, status, definition, created_by_label)
       values ((select id from programs where code = 'BEV-BONUS'), 1, '2026-01-01', 'published', $1::jsonb, 'test')`,
      [
        JSON.stringify({
          name: 'BEV bonus',
          currency: 'USD',
          startDate: '2026-01-01',
          endDate: '2026-12-31',
          measure: 'units',
          benefit: 'per_unit',
          tiers: [{ from: '1', value: '1000' }],
          eligibility: { regions: ['US-W'], dealerGroups: [], dealers: [] },
          qualifying: { powertrains: ['BEV'], modelLines: [], skus: [] },
        }),
      ],
    );
    const a = await json<{ evIncentives: { code: string; perUnit: string }[] }>(
      await dealerA.get('/api/v1/sustainability/dealers/DLR-ALPHA?market=TEST-EU'),
      200,
    );
    expect(a.evIncentives).toEqual([
      expect.objectContaining({ code: 'BEV-BONUS', perUnit: '1000' }),
    ]);
    const b = await json<{ evIncentives: unknown[] }>(
      await dealerB.get('/api/v1/sustainability/dealers/DLR-BRAVO?market=TEST-EU'),
      200,
    );
    expect(b.evIncentives).toEqual([]); // the program is for the West only
    const w = await json<{ incentiveCost: string; incentivePrograms: string[] }>(
      await admin.send('POST', '/api/v1/sustainability/what-if', {
        market: 'TEST-EU',
        modelLine: 'ML-AURA',
        region: 'US-W',
        units: 2,
      }),
      200,
    );
    expect(w).toMatchObject({ incentiveCost: '2000.00', incentivePrograms: ['BEV-BONUS'] });
    const p = await json<{
      items: {
        code: string;
        units: number;
        co2ReductionGPerKm: string;
        gPerKmPerThousand: string;
      }[];
    }>(await admin.get('/api/v1/sustainability/programs?market=TEST-EU'), 200);
    // one BEV paid on: (93.6 − 0) × 1 g/km for 1,000 of incentive
    expect(p.items).toEqual([
      expect.objectContaining({
        code: 'BEV-BONUS',
        units: 1,
        co2ReductionGPerKm: '93.6',
        gPerKmPerThousand: '93.600',
      }),
    ]);
    expect((await dealerA.get('/api/v1/sustainability/programs?market=TEST-EU')).status).toBe(403);
  });
});
