import { describe, expect, it } from 'vitest';
import { Dec } from '../../../shared/money';
import type { EuFleetRegulation } from '../../../shared/schemas/sustainability';
import {
  assessPool,
  assessWindow,
  bevsNeeded,
  contribution,
  fleetAverage,
  premium,
  shadowPrice,
  show3,
  targetFor,
} from './fleet-co2';

const EU: EuFleetRegulation = {
  kind: 'eu_fleet_co2',
  name: 'EU',
  legalBasis: '',
  currency: 'EUR',
  countries: ['DE'],
  targets: [
    { fromYear: 2025, toYear: 2029, gPerKm: '93.6' },
    { fromYear: 2030, toYear: null, gPerKm: '49.5' },
  ],
  averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
  premiumPerGPerKm: '95',
  massAdjustment: null,
  evShareAskPercent: null,
  pools: [],
  note: '',
};

describe('fleet CO2 arithmetic', () => {
  it('prices one more car exactly at 95 × (e − target)', () => {
    const t = targetFor(EU, 2026)!;
    expect(shadowPrice(150, t, '95', 'EUR')).toBe('5358.00');
    expect(shadowPrice(0, t, '95', 'EUR')).toBe('-8892.00');
    expect(shadowPrice(0, targetFor(EU, 2030)!, '95', 'EUR')).toBe('-4702.50');
  });

  it('computes the premium of a small fleet by hand', () => {
    // 3 × 150 + 1 × 0 + 2 × 120 = 690 g/km over 6 cars: average 115; excess 21.4 × 6 × 95
    const sums = { sumCo2: 690, units: 6 };
    expect(show3(fleetAverage(sums))).toBe('115.000');
    const t = targetFor(EU, 2025)!;
    expect(premium(690, t.times(6), '95', 'EUR')).toBe('12198.00');
    expect(contribution(sums, t, '95', 'EUR')).toBe('12198.00');
    // adding a 150 g/km car adds exactly 95 × (150 − 93.6)
    expect(new Dec(premium(840, t.times(7), '95', 'EUR')).minus('12198.00').toFixed(2)).toBe(
      '5358.00',
    );
    // under target: no premium, a negative contribution
    expect(premium(100, t.times(2), '95', 'EUR')).toBe('0.00');
    expect(contribution({ sumCo2: 100, units: 2 }, t, '95', 'EUR')).toBe('-8284.00');
  });

  it('counts the BEVs that close the gap: the smallest n with S/(N+n) ≤ T', () => {
    const t = targetFor(EU, 2025)!;
    const n = bevsNeeded({ sumCo2: 690, units: 6 }, t)!;
    expect(n).toBe(2); // 690 / 93.6 = 7.37… − 6 → 2
    expect(new Dec(690).div(6 + n).lte(t)).toBe(true);
    expect(new Dec(690).div(6 + n - 1).lte(t)).toBe(false);
    expect(bevsNeeded({ sumCo2: 100, units: 2 }, t)).toBe(0);
    expect(bevsNeeded({ sumCo2: 100, units: 2 }, new Dec(0))).toBeNull();
  });

  it('pools the window years and the target per car', () => {
    const w = assessWindow(EU, [
      { year: 2025, sumCo2: 1000, units: 10 },
      { year: 2026, sumCo2: 900, units: 10 },
      { year: 2030, sumCo2: 0, units: 5 },
    ]);
    // 2030 has its own band (49.5): included with its own target
    expect(w.units).toBe(25);
    expect(w.targetSum.toFixed(1)).toBe('2119.5');
    expect(w.premium).toBe('0.00');
    const only = assessWindow(EU, [
      { year: 2025, sumCo2: 1000, units: 10 },
      { year: 2026, sumCo2: 900, units: 10 },
    ]);
    expect(only.average!.toFixed(3)).toBe('95.000');
    expect(only.premium).toBe(new Dec(1900).minus(1872).times(95).toFixed(2));
    const pool = assessPool(
      EU,
      only,
      [{ registrations: 10, averageGPerKm: '80' }],
      new Dec('93.6'),
    );
    expect(pool.premium).toBe('0.00');
    expect(pool.saving).toBe(only.premium);
  });

  it('applies a mass adjustment when the regulation has one', () => {
    const reg = { ...EU, massAdjustment: { a: '0.0333', referenceMassKg: 1600 } };
    expect(targetFor(reg, 2025, new Dec(1700))!.toFixed(2)).toBe('96.93');
  });
});
