import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_PROBABILITIES,
  calibratedInterval,
  calibratedQuantile,
  calibrateFromErrors,
  calibrationSplit,
  conformalQuantiles,
  intervalScale,
} from './intervals';
import { coverage } from './metrics';
import { seededRandom } from '../backtest/synthetic';

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

describe('calibrateFromErrors', () => {
  it('estimates per-horizon quantiles that widen with the horizon', () => {
    const random = seededRandom(7);
    const errors = Array.from({ length: 6 }, (_, h) =>
      Array.from({ length: 4000 }, () => (1 + 0.2 * h) * normal(random)),
    );
    const table = calibrateFromErrors(errors, 'test');
    expect(table.sampleSize).toBe(24000);
    // Standard normal 10% quantile is −1.2816; horizon 1 pools horizons 1–2 (sd 1 and 1.2).
    expect(calibratedQuantile(table, 1, 0.1)).toBeLessThan(-1.2);
    expect(calibratedQuantile(table, 1, 0.1)).toBeGreaterThan(-1.6);
    for (let h = 2; h <= 6; h += 1) {
      expect(calibratedQuantile(table, h, 0.975)).toBeGreaterThanOrEqual(
        calibratedQuantile(table, h - 1, 0.975),
      );
      expect(calibratedQuantile(table, h, 0.025)).toBeLessThanOrEqual(
        calibratedQuantile(table, h - 1, 0.025),
      );
    }
    // Beyond the calibrated horizons the width grows with √h.
    expect(calibratedQuantile(table, 24, 0.9)).toBeCloseTo(
      calibratedQuantile(table, 6, 0.9) * 2,
      9,
    );
    expect(table.quantiles[0]).toHaveLength(CALIBRATION_PROBABILITIES.length);
  });

  it('gives nominal coverage on fresh errors from the same distribution (split conformal)', () => {
    const random = seededRandom(11);
    const draw = () =>
      Array.from({ length: 3 }, () => Array.from({ length: 3000 }, () => normal(random) * 2 + 0.5));
    const table = calibrateFromErrors(draw(), 'test');
    const fresh = draw();
    for (const level of [80, 95]) {
      const alpha = 1 - level / 100;
      const actual = fresh[1]!;
      const lower = actual.map(() => calibratedQuantile(table, 2, alpha / 2));
      const upper = actual.map(() => calibratedQuantile(table, 2, 1 - alpha / 2));
      expect(Math.abs(coverage(actual, lower, upper) - level)).toBeLessThan(2.5);
    }
  });
});

describe('calibratedInterval', () => {
  const table = {
    source: 'test',
    sampleSize: 1,
    quantiles: [[-4, -3, -2.5, -2, -1, 1, 2, 2.5, 3, 4]],
  };
  it('puts mean + q·scale around the forecast, 95% wider than 80%', () => {
    const i80 = calibratedInterval([10, 10], 2, 80, table, { isNonNegative: false });
    const i95 = calibratedInterval([10, 10], 2, 95, table, { isNonNegative: false });
    // Horizon 2 is beyond the one calibrated horizon: widened by √2.
    expect(i80.lower[0]).toBeCloseTo(6, 12);
    expect(i80.upper[0]).toBeCloseTo(14, 12);
    expect(i80.upper[1]).toBeCloseTo(10 + 4 * Math.sqrt(2), 12);
    expect(i95.lower[0]).toBeCloseTo(4, 12);
    expect(i95.upper[0]).toBeCloseTo(16, 12);
  });
  it('clamps count intervals at zero', () => {
    const interval = calibratedInterval([1], 2, 95, table, { isNonNegative: true });
    expect(interval.lower).toEqual([0]);
    expect(interval.upper[0]).toBeCloseTo(7, 12);
  });
  it('rejects levels outside (0, 100)', () => {
    expect(() => calibratedInterval([1], 1, 100, table, { isNonNegative: true })).toThrow(
      RangeError,
    );
  });
});

describe('scale and splits', () => {
  it('uses the seasonal naive MAE, then lag-1 MAE, then 10% of the level', () => {
    expect(intervalScale(Array.from({ length: 24 }, (_, t) => (t < 12 ? 0 : 3)))).toBe(3);
    // Identical seasons: lag-1 MAE, 22 steps of 1 and one of 11 over 23 differences.
    expect(intervalScale(Array.from({ length: 24 }, (_, t) => t % 12))).toBeCloseTo(33 / 23, 12);
    expect(intervalScale(new Array<number>(24).fill(50))).toBe(5);
    expect(intervalScale(new Array<number>(24).fill(0))).toBe(0);
  });
  it('holds out the last horizon months when at least 24 remain', () => {
    const values = Array.from({ length: 40 }, (_, t) => t);
    expect(calibrationSplit(values, 12)?.history).toHaveLength(28);
    expect(calibrationSplit(values, 12)?.actual[0]).toBe(28);
    expect(calibrationSplit(values.slice(0, 30), 12)).toBeUndefined();
  });
});

describe('conformalQuantiles', () => {
  it('takes the order statistics of split conformal prediction, never values between errors', () => {
    const errors = Array.from({ length: 19 }, (_, i) => i + 1);
    // ranks ⌊p(n+1)⌋ below the median, ⌈p(n+1)⌉ above: 2nd and 18th of 19.
    expect(conformalQuantiles(errors, [0.1, 0.9])).toEqual([2, 18]);
    // Lumpy errors (a dealer selling 0 or 5 units): the quantile is one of the lumps.
    const lumpy = [...new Array<number>(90).fill(-0.5), ...new Array<number>(10).fill(4.5)];
    expect(conformalQuantiles(lumpy, [0.05, 0.9])).toEqual([-0.5, 4.5]);
    const interpolated = calibrateFromErrors([lumpy], 'interpolated');
    const conformal = calibrateFromErrors([lumpy], 'conformal', { conformal: true });
    expect(calibratedQuantile(interpolated, 1, 0.9)).toBeCloseTo(0, 9);
    expect(calibratedQuantile(conformal, 1, 0.9)).toBe(4.5);
  });
});
