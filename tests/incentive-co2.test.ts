/**
 * Issue 17 §2, "Incentives gain a benefit and measure on CO2": a program that counts the units at
 * or below a CO2 threshold toward its tiers (measure low_co2_units) and pays per g/km below the
 * threshold (benefit per_g_co2_below), computed by hand on a small network and reproduced to the
 * cent by the statement (with g/km and threshold on each line), the network list, the
 * recalculation, progress and the what-if.
 *
 * SKUs (fixtures): AURA-LX-ICE 160 g/km, AURA-EX-BEV 0 g/km, BOLT-XL-HEV 190 g/km.
 * Threshold 170.5 g/km; tiers: from 0 low-CO2 units 1.005 per g/km, from 3 units 2.335 per g/km.
 *
 * April 2026, by hand (each line rounded half-up to the cent):
 * - DLR-ALPHA: 2 ICE + 1 BEV + 1 HEV → 3 units at or below 170.5 → tier from 3 (2.335):
 *   ICE 10.5 × 2.335 = 24.5175 → 24.52 (twice), BEV 170.5 × 2.335 = 398.1175 → 398.12,
 *   HEV 0 g/km below → 0.00; earned 447.16.
 * - DLR-CHARLIE: 1 BEV → 1 unit → tier from 0 (1.005): 170.5 × 1.005 = 171.3525 → 171.35.
 * - DLR-BRAVO: 1 HEV → 0 units → tier from 0: 0 × 1.005 = 0.00.
 * - One more BEV for DLR-ALPHA (what-if): 4 units, still 2.335: + 398.12 → 845.28.
 * - March: DLR-ALPHA 1 BEV → 171.35, approved; its frozen line keeps {0, 170.5, 170.5} g/km;
 *   the sustainability view's CO2 per 1,000 of incentive then comes from that statement:
 *   (93.6 − 0) × 1 g/km / 171.35 × 1,000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Line = {
  kind: string;
  sku: string | null;
  basis: string | null;
  rate: string | null;
  amount: string;
  explanation: string;
  co2?: { gPerKm: string; thresholdGPerKm: string; belowGPerKm: string } | null;
};
type Statement = { earned: string; measureValue: string; tierReached: string; lines: Line[] };

const program = {
  code: 'CO2-BONUS',
  name: 'Low-CO2 bonus',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'low_co2_units',
  benefit: 'per_g_co2_below',
  co2ThresholdGPerKm: '170.5',
  tiers: [
    { from: '0', value: '1.005' },
    { from: '3', value: '2.335' },
  ],
};

describe.each(engines())('CO2 measure and benefit (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ sku: 'AURA-LX-ICE', occurredOn: '2026-04-02' }),
      txRow({ sku: 'AURA-LX-ICE', occurredOn: '2026-04-03' }),
      txRow({ sku: 'AURA-EX-BEV', occurredOn: '2026-04-04', amount: '45500.00' }),
      txRow({ sku: 'BOLT-XL-HEV', occurredOn: '2026-04-05', amount: '52000.00' }),
      txRow({ dealerCode: 'DLR-CHARLIE', sku: 'AURA-EX-BEV', occurredOn: '2026-04-06' }),
      txRow({ dealerCode: 'DLR-BRAVO', sku: 'BOLT-XL-HEV', occurredOn: '2026-04-07' }),
      txRow({ sku: 'AURA-EX-BEV', occurredOn: '2026-03-10', amount: '45500.00' }),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [channel, finance, dealerA] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    await createProgram(channel, program);
  }, 240_000);
  afterAll(async () => t?.close());

  it('refuses a CO2 program without its threshold, and a threshold without a CO2 rule', async () => {
    const res = await channel.send('POST', '/api/v1/programs', {
      ...program,
      code: 'CO2-NO-T',
      co2ThresholdGPerKm: undefined,
    });
    const body = (await res.json()) as { details: { problems: { path: string; code: string }[] } };
    expect(res.status).toBe(400);
    expect(body.details.problems).toContainEqual(
      expect.objectContaining({ path: 'co2ThresholdGPerKm', code: 'required' }),
    );
    const extra = await channel.send('POST', '/api/v1/programs', {
      ...program,
      code: 'CO2-EXTRA',
      measure: 'units',
      benefit: 'per_unit',
    });
    expect(extra.status).toBe(400);
  });

  it('reproduces the hand-computed statement, with g/km and threshold on every line', async () => {
    const s = await json<Statement>(
      await finance.get('/api/v1/programs/CO2-BONUS/statements/DLR-ALPHA?period=2026-04'),
      200,
    );
    expect(s.measureValue).toBe('3');
    expect(s.tierReached).toBe('3');
    expect(s.earned).toBe('447.16');
    expect(s.lines.map((l) => [l.sku, l.basis, l.rate, l.amount, l.co2])).toEqual([
      [
        'AURA-LX-ICE',
        '10.5',
        '2.335',
        '24.52',
        { gPerKm: '160', thresholdGPerKm: '170.5', belowGPerKm: '10.5' },
      ],
      [
        'AURA-LX-ICE',
        '10.5',
        '2.335',
        '24.52',
        { gPerKm: '160', thresholdGPerKm: '170.5', belowGPerKm: '10.5' },
      ],
      [
        'AURA-EX-BEV',
        '170.5',
        '2.335',
        '398.12',
        { gPerKm: '0', thresholdGPerKm: '170.5', belowGPerKm: '170.5' },
      ],
      [
        'BOLT-XL-HEV',
        '0',
        '2.335',
        '0.00',
        { gPerKm: '190', thresholdGPerKm: '170.5', belowGPerKm: '0' },
      ],
    ]);
    expect(s.lines[0]!.explanation).toContain('160 g/km');
    expect(s.lines[0]!.explanation).toContain('threshold 170.5');
    const charlie = await json<Statement>(
      await finance.get('/api/v1/programs/CO2-BONUS/statements/DLR-CHARLIE?period=2026-04'),
      200,
    );
    expect(charlie.earned).toBe('171.35');
  });

  it('agrees on the network list, the recalculation, progress and the what-if', async () => {
    const list = await json<{
      items: { dealerCode: string; earned: string }[];
      totalEarned: string;
    }>(await finance.get('/api/v1/programs/CO2-BONUS/statements?period=2026-04'), 200);
    expect(Object.fromEntries(list.items.map((i) => [i.dealerCode, i.earned]))).toEqual({
      'DLR-ALPHA': '447.16',
      'DLR-BRAVO': '0.00',
      'DLR-CHARLIE': '171.35',
    });
    expect(list.totalEarned).toBe('618.51');
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    const april = all.items!.filter((i) => i.programCode === 'CO2-BONUS' && i.period === '2026-04');
    expect(Object.fromEntries(april.map((i) => [i.dealerCode, i.earned]))).toMatchObject({
      'DLR-ALPHA': '447.16',
      'DLR-CHARLIE': '171.35',
    });

    const progress = await json<{
      programs: { programCode: string; earned: string; measureValue: string }[];
    }>(await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'), 200);
    expect(progress.programs.find((p) => p.programCode === 'CO2-BONUS')).toMatchObject({
      earned: '447.16',
      measureValue: '3',
    });
    const whatIf = await json<{
      before: { earned: string };
      after: { earned: string };
      addedEarned: string;
    }>(
      await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
        programCode: 'CO2-BONUS',
        sku: 'AURA-EX-BEV',
        quantity: 1,
        date: '2026-04-20',
      }),
      200,
    );
    expect(whatIf.before.earned).toBe('447.16');
    expect(whatIf.after.earned).toBe('845.28');
    expect(whatIf.addedEarned).toBe('398.12');
    // An HEV above the threshold adds a unit to nothing and earns nothing.
    const hev = await json<{ addedEarned: string }>(
      await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
        programCode: 'CO2-BONUS',
        sku: 'BOLT-XL-HEV',
        quantity: 2,
        date: '2026-04-20',
      }),
      200,
    );
    expect(hev.addedEarned).toBe('0.00');
  });

  it('makes the CO2 reduction per 1,000 of incentive exact from the approved statements', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    await json(
      await admin.send('POST', '/api/v1/sustainability/regulations', {
        market: 'TEST-EU',
        effectiveFrom: '2025-01-01',
        document: {
          kind: 'eu_fleet_co2',
          name: 'EU rules on the test network',
          currency: 'EUR',
          countries: ['US'],
          targets: [{ fromYear: 2025, toYear: 2029, gPerKm: '93.6' }],
          averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
          premiumPerGPerKm: '95',
          evShareAskPercent: '25',
          pools: [],
        },
      }),
      201,
    );
    type Item = {
      code: string;
      basis: string;
      statements: number;
      units: number;
      incentive: string | null;
      co2ReductionGPerKm: string;
      gPerKmPerThousand: string | null;
    };
    const before = await json<{ items: Item[] }>(
      await admin.get('/api/v1/sustainability/programs?market=TEST-EU'),
      200,
    );
    expect(before.items.find((i) => i.code === 'CO2-BONUS')).toMatchObject({
      basis: 'estimate',
      statements: 0,
    });
    await json(
      await finance.send('POST', '/api/v1/programs/CO2-BONUS/periods/close', { period: '2026-03' }),
      200,
    );
    await json(
      await finance.send('POST', '/api/v1/programs/CO2-BONUS/statements/DLR-ALPHA/approve', {
        period: '2026-03',
      }),
      200,
    );
    // the approved (frozen) line keeps the structured CO2 figures, to the tenth
    const approved = await json<Statement & { status: string }>(
      await finance.get('/api/v1/programs/CO2-BONUS/statements/DLR-ALPHA?period=2026-03'),
      200,
    );
    expect(approved.status).toBe('approved');
    expect(approved.lines.map((l) => [l.sku, l.amount, l.co2])).toEqual([
      ['AURA-EX-BEV', '171.35', { gPerKm: '0', thresholdGPerKm: '170.5', belowGPerKm: '170.5' }],
    ]);
    const after = await json<{ items: Item[] }>(
      await admin.get('/api/v1/sustainability/programs?market=TEST-EU'),
      200,
    );
    expect(after.items.find((i) => i.code === 'CO2-BONUS')).toEqual(
      expect.objectContaining({
        basis: 'statements',
        statements: 1,
        units: 1,
        incentive: '171.35',
        co2ReductionGPerKm: '93.6',
        gPerKmPerThousand: new Dec('93.6').div('171.35').times(1000).toFixed(3),
      }),
    );
  });
});
