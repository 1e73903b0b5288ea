import { describe, expect, it } from 'vitest';
import { supplyAssessment } from './assess-supply';
import { assessTiers, tierDrivers } from './program-risk';
import { expectedMissed, measureBasis } from './program-risk-measure';

const history = Array.from({ length: 36 }, (_, m) => 10 + ((m * 7) % 5) - 2);

describe('program tier risk (pure)', () => {
  it('probabilities fall as the threshold rises, from the same draws', () => {
    const thresholds = Array.from({ length: 40 }, (_, k) => 20 + 2 * k);
    const r = assessTiers({ history, toDate: 20, remaining: 3, term: 6, thresholds, reached: -1 });
    for (let k = 1; k < r.tiers.length; k += 1) {
      expect(r.tiers[k]!.probability).toBeLessThanOrEqual(r.tiers[k - 1]!.probability);
      expect(r.tiers[k]!.shortfall).toBeGreaterThanOrEqual(r.tiers[k - 1]!.shortfall);
    }
    expect(r.tiers[0]!.probability).toBe(1); // 20 already reached
    expect(r.tiers.at(-1)!.probability).toBeLessThan(0.05);
    expect(r.lower80).toBeLessThan(r.expected);
    expect(r.upper80).toBeGreaterThan(r.expected);
  });

  it('a tier the engine says is reached is certain, whatever the axis says', () => {
    const r = assessTiers({
      history,
      toDate: 5,
      remaining: 2,
      term: 3,
      thresholds: [10, 40],
      reached: 0,
    });
    expect(r.tiers[0]).toEqual({ probability: 1, shortfall: 0, unitsFor80: 0 });
    expect(r.tiers[1]!.probability).toBeLessThan(1);
  });

  it('ends the window: no months left, a tier is reached or not', () => {
    const r = assessTiers({
      history,
      toDate: 30,
      remaining: 0,
      term: 3,
      thresholds: [25, 35],
      reached: -1,
    });
    expect(r.tiers.map((t) => t.probability)).toEqual([1, 0]);
    expect(r.tiers[1]!.shortfall).toBe(5);
  });

  it("turns each measure into an axis the tiers are thresholds on (the engine's rules)", () => {
    const volumes = { qualifyingUnits: 40, qualifyingRevenue: '1200000.00', bevUnits: 8 };
    const attainment = measureBasis({
      measure: 'agreement_attainment',
      froms: ['90', '100'],
      volumes,
      plannedQuantity: 120,
      priorYear: null,
    })!;
    expect(attainment).toMatchObject({ axis: 'units', toDate: 40, thresholds: [108, 120] });
    expect(attainment.unitsNow).toEqual([68, 80]);
    const growth = measureBasis({
      measure: 'growth',
      froms: ['5'],
      volumes,
      plannedQuantity: null,
      priorYear: { units: 40, revenue: '0' },
    })!;
    expect(growth.thresholds).toEqual([42]);
    // EV share 25 %: others 32 now + 8 expected → BEVs ≥ 25 × 40 / 75.
    const ev = measureBasis({
      measure: 'ev_share',
      froms: ['25', '100'],
      volumes,
      plannedQuantity: null,
      priorYear: null,
      otherForecast: 8,
    })!;
    expect(ev.axis).toBe('bev_units');
    expect(ev.thresholds[0]).toBeCloseTo(40 / 3, 9);
    expect(ev.thresholds[1]).toBeNull();
    expect(ev.unitsNow).toEqual([3, null]); // (25 × 40 − 100 × 8) / 75 → 3 BEVs now
    expect(
      measureBasis({
        measure: 'growth',
        froms: ['5'],
        volumes,
        plannedQuantity: null,
        priorYear: null,
      }),
    ).toBeNull();
  });

  it('the expected missed money is (1 − p) × the exact money, rounded half-up once', () => {
    expect(expectedMissed(0.75, '5350.00', 'USD')).toBe('1337.50');
    expect(expectedMissed(0.333333, '0.03', 'USD')).toBe('0.02');
    expect(expectedMissed(1, '100.00', 'JPY')).toBe('0');
  });
});

describe('a share is not monotone', () => {
  it('a tier reached today is read from the draws when other units can dilute it', () => {
    const r = assessTiers({
      history,
      toDate: 3,
      remaining: 2,
      term: 3,
      thresholds: [40],
      reached: 0,
      isMonotone: false,
    });
    expect(r.tiers[0]!.probability).toBeLessThan(0.2);
  });
});

describe("drivers of each tier (the agreements' code)", () => {
  const additiveSum = (ds: { units: number; additive?: boolean }[]) =>
    Math.round(ds.filter((d) => d.additive !== false).reduce((s, d) => s + d.units, 0) * 10) / 10;

  it('add up exactly to threshold − expected, per tier, with supply and market split out', () => {
    const thresholds = [30, 45, 70];
    const supplyInput = { units: 2, daysSupply: 6, label: 'Aura' };
    const plain = assessTiers({
      history,
      toDate: 22,
      remaining: 3,
      term: 6,
      thresholds,
      reached: -1,
    });
    const supply = supplyAssessment({
      supply: supplyInput,
      firstMonth: plain.forecastRemaining / 3,
      remaining: 3,
      lead: 0,
      need: 45 - 22,
    })!;
    expect(supply.shortage).toBeGreaterThan(0);
    const r = assessTiers({
      history,
      toDate: 22,
      remaining: 3,
      term: 6,
      thresholds,
      reached: -1,
      shortage: supply.shortage,
    });
    // the shortage comes off the outcome and every tier's probability
    expect(r.expected).toBeCloseTo(plain.expected - supply.shortage, 9);
    expect(r.tiers[1]!.probability).toBeLessThan(plain.tiers[1]!.probability);
    const drivers = tierDrivers({
      history,
      toDate: 22,
      elapsed: 3,
      term: 6,
      lead: 0,
      thresholds,
      reached: [false, false, false],
      result: r,
      supply,
      supplyInput,
      market: { ratio: 0.9, months: 6 },
      lines: [
        { modelLine: 'Aura', units: 4, lastYear: 9 },
        { modelLine: 'Vela', units: 12, lastYear: 11 },
      ],
      unit: 'units',
    });
    thresholds.forEach((t, k) => {
      const ds = drivers[k]!;
      expect(additiveSum(ds)).toBe(Math.round((t - r.expected) * 10) / 10);
      expect(ds.map((d) => d.kind)).toEqual([
        'pace',
        'plan_vs_run_rate',
        'seasonality',
        'last_year',
        'market_trend',
        'availability',
        'mix',
      ]);
      // pace: the threshold spread evenly, half the window gone
      expect(ds[0]!.units).toBe(Math.round((t / 2 - 22) * 10) / 10);
      expect(ds[0]!.text).toContain(`tier ${k + 1}`);
    });
    // only the lagging line, not additive
    expect(drivers[0]!.at(-1)).toMatchObject({ kind: 'mix', units: 5, additive: false });
    expect(drivers[0]!.at(-1)!.text).toContain('Aura');
  });

  it('a reached tier or one out of reach has none; a revenue axis speaks its currency', () => {
    const r = assessTiers({
      history,
      toDate: 25,
      remaining: 2,
      term: 4,
      thresholds: [20, null, 60],
      reached: 0,
    });
    const drivers = tierDrivers({
      history,
      toDate: 25,
      elapsed: 2,
      term: 4,
      lead: 0,
      thresholds: [20, null, 60],
      reached: [true, false, false],
      result: r,
      supply: null,
      unit: 'EUR',
    });
    expect(drivers[0]).toEqual([]);
    expect(drivers[1]).toEqual([]);
    expect(additiveSum(drivers[2]!)).toBe(Math.round((60 - r.expected) * 10) / 10);
    expect(drivers[2]![0]!.text).toMatch(/EUR (behind|ahead of) tier 3 so far/);
  });
});
