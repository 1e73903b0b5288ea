import { describe, expect, it } from 'vitest';
import { combineForecast, meanCombination, medianCombination, medianOf } from './combine';
import { seasonalNaive } from './seasonal-naive';

const seasonalSeries = (n: number) =>
  Array.from(
    { length: n },
    (_, t) => 100 + t + 20 * Math.sin((2 * Math.PI * t) / 12) + ((t * 37) % 7),
  );

describe('combinations', () => {
  it('median and mean, horizon by horizon', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
    expect(
      medianCombination([
        [1, 10],
        [2, 30],
        [9, 20],
      ]),
    ).toEqual([2, 20]);
    expect(
      meanCombination([
        [1, 10],
        [3, 30],
      ]),
    ).toEqual([2, 20]);
  });
});

describe('combineForecast routing', () => {
  it('uses the median combination for regular series, with the fast profile on request', () => {
    const values = seasonalSeries(48);
    expect(combineForecast(values, 12).method).toBe('median-combination');
    const fast = combineForecast(values, 12, { profile: 'fast' });
    expect(fast.method).toBe('fast-median-combination');
    expect(fast.mean).toHaveLength(12);
  });
  it('uses the members given instead of recomputing them', () => {
    const values = seasonalSeries(48);
    const members = {
      theta: new Array<number>(3).fill(1),
      'seasonal-damped': new Array<number>(3).fill(5),
      'seasonal-naive': seasonalNaive(values, 3),
    };
    const result = combineForecast(values, 3, { profile: 'fast', members });
    result.mean.forEach((f, h) => expect(f).toBe(medianOf([1, 5, members['seasonal-naive'][h]!])));
  });
  it('routes sparse series to TSB, short ones to Theta, all-zero ones to zero', () => {
    const sparse = Array.from({ length: 48 }, (_, t) => (t % 3 === 0 ? 1 : 0));
    expect(combineForecast(sparse, 6).method).toBe('intermittent-tsb');
    expect(combineForecast([5, 6, 7, 8, 9, 10], 3).method).toBe('short-history-theta');
    expect(combineForecast(new Array<number>(24).fill(0), 3)).toEqual({
      method: 'zero',
      mean: [0, 0, 0],
    });
  });
  it('never forecasts below zero for a non-negative series', () => {
    const falling = Array.from({ length: 36 }, (_, t) => Math.max(0, 200 - 6 * t) + 1);
    combineForecast(falling, 18).mean.forEach((f) => expect(f).toBeGreaterThanOrEqual(0));
  });
});
