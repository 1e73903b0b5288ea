import { describe, expect, it } from 'vitest';
import { mstlEts, mstlEtsForecast } from './mstl-ets';

describe('MSTL(12) + ETS via @bsull/augurs', () => {
  it('initialises lazily from the wasm bytes and forecasts a seasonal trend', () => {
    const truth = (t: number) => 200 + 2 * t + 30 * Math.sin((2 * Math.PI * t) / 12);
    const values = Array.from({ length: 48 }, (_, t) => truth(t));
    const result = mstlEtsForecast(values, 12, [80]);
    expect(result.isFitted).toBe(true);
    result.mean.forEach((f, h) => expect(Math.abs(f - truth(48 + h))).toBeLessThan(10));
    const interval = result.intervals[0]!;
    expect(interval.level).toBe(80);
    interval.lower.forEach((lo, h) => expect(lo).toBeLessThanOrEqual(result.mean[h]! + 1e-9));
  });
  it('falls back (isFitted false) for short and constant series', () => {
    expect(mstlEtsForecast([1, 2, 3, 4, 5], 3).isFitted).toBe(false);
    const constant = mstlEtsForecast(new Array<number>(30).fill(6), 3);
    expect(constant.isFitted).toBe(false);
    expect(constant.mean).toEqual([6, 6, 6]);
    expect(mstlEts([1, 2, 3], 2)).toHaveLength(2);
  });
});
