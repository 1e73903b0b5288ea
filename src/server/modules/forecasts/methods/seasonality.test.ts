import { describe, expect, it } from 'vitest';
import {
  autocorrelation,
  centredMovingAverage,
  classicalSeasonalIndices,
  deseasonalise,
  isSeasonal,
  reseasonalise,
  seasonalIndicesFor,
} from './seasonality';

const PATTERN = [0.8, 0.9, 1.1, 1.2, 1.1, 1.0, 0.9, 1.0, 1.05, 0.95, 0.9, 1.1];
const patternMean = PATTERN.reduce((a, b) => a + b, 0) / 12;
const seasonal = (n: number, level = 100) =>
  Array.from({ length: n }, (_, t) => level * PATTERN[t % 12]!);

describe('autocorrelation', () => {
  it('matches a hand-computed value', () => {
    // x = 1,2,3,4: mean 2.5, deviations -1.5,-0.5,0.5,1.5; denominator 5; lag-1 numerator
    // (-0.5)(-1.5) + (0.5)(-0.5) + (1.5)(0.5) = 0.75 - 0.25 + 0.75 = 1.25
    expect(autocorrelation([1, 2, 3, 4], 1)).toBeCloseTo(0.25, 12);
  });
  it('is 0 for a constant series', () => {
    expect(autocorrelation([5, 5, 5, 5], 1)).toBe(0);
  });
});

describe('isSeasonal', () => {
  it('finds a 12-month pattern', () => {
    expect(isSeasonal(seasonal(48))).toBe(true);
  });
  it('does not find seasonality in a straight line or in short series', () => {
    expect(isSeasonal(Array.from({ length: 48 }, (_, t) => 10 + t))).toBe(false);
    expect(isSeasonal(seasonal(30))).toBe(false);
  });
});

describe('classical decomposition', () => {
  it('centred moving average of order 12 is flat on a pure seasonal series', () => {
    const cma = centredMovingAverage(seasonal(36), 12);
    expect(Number.isNaN(cma[5]!)).toBe(true);
    expect(cma[6]).toBeCloseTo(100 * patternMean, 10);
    expect(cma[29]).toBeCloseTo(100 * patternMean, 10);
    expect(Number.isNaN(cma[30]!)).toBe(true);
  });
  it('recovers multiplicative indices that average 1', () => {
    const { indices } = classicalSeasonalIndices(seasonal(48), 12, 'multiplicative');
    indices.forEach((v, k) => expect(v).toBeCloseTo(PATTERN[k]! / patternMean, 10));
    expect(indices.reduce((a, b) => a + b, 0) / 12).toBeCloseTo(1, 12);
  });
  it('deseasonalise then reseasonalise round-trips, and zeros switch to additive indices', () => {
    const values = seasonal(48);
    const s = seasonalIndicesFor(values);
    expect(s.mode).toBe('multiplicative');
    const adjusted = deseasonalise(values, s);
    adjusted.forEach((v) => expect(v).toBeCloseTo(100 * patternMean, 8));
    expect(reseasonalise(adjusted.slice(0, 12), 0, s).map((v) => Number(v.toFixed(8)))).toEqual(
      values.slice(0, 12).map((v) => Number(v.toFixed(8))),
    );
    const withZeros = Array.from(
      { length: 48 },
      (_, t) => 10 + 10 * Math.sin((2 * Math.PI * t) / 12),
    );
    expect(Math.min(...withZeros)).toBeCloseTo(0, 12);
    expect(seasonalIndicesFor(withZeros.map((v) => Math.max(0, v))).mode).toBe('additive');
  });
});
