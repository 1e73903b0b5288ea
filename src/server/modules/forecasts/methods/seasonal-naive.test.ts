import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seasonalNaive } from './seasonal-naive';

describe('seasonalNaive', () => {
  it('repeats the last season exactly, cycling beyond 12 months', () => {
    const values = Array.from({ length: 30 }, (_, t) => t * 3 + (t % 5));
    const forecast = seasonalNaive(values, 18);
    expect(forecast.slice(0, 12)).toEqual(values.slice(18, 30));
    expect(forecast.slice(12, 18)).toEqual(values.slice(18, 24));
  });
  it('falls back to the last value for a short series and to zero for an empty one', () => {
    expect(seasonalNaive([4, 7, 9], 3)).toEqual([9, 9, 9]);
    expect(seasonalNaive([], 2)).toEqual([0, 0]);
  });
  it('property: forecast h equals the value one season before, for every history of 12+ months', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 60 }),
        fc.integer({ min: 1, max: 24 }),
        (values, horizon) => {
          const forecast = seasonalNaive(values, horizon);
          const n = values.length;
          forecast.forEach((f, h) => expect(f).toBe(values[n - 12 + (h % 12)]));
        },
      ),
    );
  });
});
