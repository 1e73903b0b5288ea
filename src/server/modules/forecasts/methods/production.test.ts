import { describe, expect, it } from 'vitest';
import { forecastSeries } from './index';

const seasonalSeries = Array.from(
  { length: 48 },
  (_, t) => 120 + 1.5 * t + 25 * Math.sin((2 * Math.PI * t) / 12) + ((t * 31) % 11),
);

describe('forecastSeries', () => {
  it('returns the production forecast with nested 80% and 95% intervals', () => {
    const result = forecastSeries(seasonalSeries, { horizon: 18 });
    expect(result.method).toBe('median-combination');
    for (const key of ['mean', 'lower80', 'upper80', 'lower95', 'upper95'] as const)
      expect(result[key]).toHaveLength(18);
    result.mean.forEach((m, h) => {
      expect(result.lower95[h]!).toBeLessThanOrEqual(result.lower80[h]!);
      expect(result.lower80[h]!).toBeLessThanOrEqual(m);
      expect(m).toBeLessThanOrEqual(result.upper80[h]!);
      expect(result.upper80[h]!).toBeLessThanOrEqual(result.upper95[h]!);
    });
    // Later horizons are at least as uncertain.
    expect(result.upper95[17]! - result.lower95[17]!).toBeGreaterThanOrEqual(
      result.upper95[0]! - result.lower95[0]!,
    );
  });
  it('adds requested levels and clamps count intervals at zero', () => {
    const sparse = Array.from({ length: 48 }, (_, t) => (t % 4 === 0 ? 1 : 0));
    const result = forecastSeries(sparse, { horizon: 6, levels: [50, 99] });
    expect(result.method).toBe('intermittent-tsb');
    expect(result.intervals.map((i) => i.level)).toEqual([50, 80, 95, 99]);
    result.lower95.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
  });
  it('rejects bad input clearly', () => {
    expect(() => forecastSeries([1, 2, 3], { horizon: 0 })).toThrow(/horizon/);
    expect(() => forecastSeries([1, Number.NaN, 3], { horizon: 3 })).toThrow(/value 1/);
    expect(() => forecastSeries([1, 2, 3], { horizon: 3, levels: [120] })).toThrow(/level/);
  });
});
