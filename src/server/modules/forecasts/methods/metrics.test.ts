import { describe, expect, it } from 'vitest';
import {
  bias,
  coverage,
  mase,
  maseScale,
  median,
  quantile,
  smape,
  totalAbsoluteError,
  totalMase,
  totalScale,
  wape,
} from './metrics';

describe('metrics against hand-computed values', () => {
  it('sMAPE (M4): 200/h Σ|y−ŷ|/(|y|+|ŷ|), zero when both are zero', () => {
    // |100-110|/(210) = 0.047619…, |50-40|/90 = 0.11111…, 0/0 → 0; mean × 200
    expect(smape([100, 50, 0], [110, 40, 0])).toBeCloseTo((200 / 3) * (10 / 210 + 10 / 90), 10);
  });
  it('MASE scaled by the in-sample seasonal naive MAE (period 12)', () => {
    const insample = Array.from({ length: 24 }, (_, t) => (t % 12) + (t < 12 ? 0 : 2)); // y_t − y_{t−12} = 2
    expect(maseScale(insample)).toBe(2);
    expect(mase([10, 20], [13, 19], insample)).toBe((3 + 1) / 2 / 2);
  });
  it('MASE falls back to lag 1 on short histories and is NaN when the scale is 0', () => {
    expect(maseScale([1, 3, 6])).toBe(2.5);
    expect(Number.isNaN(mase([1], [2], [5, 5, 5]))).toBe(true);
  });
  it('WAPE, bias and the total error', () => {
    expect(wape([10, 20, 30], [12, 15, 30])).toBeCloseTo((100 * 7) / 60, 12);
    expect(bias([10, 20, 30], [12, 15, 30])).toBeCloseTo((100 * -3) / 60, 12);
    expect(totalAbsoluteError([10, 20, 30], [12, 15, 30])).toBe(3);
  });
  it('median and type-7 quantiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(Number.isNaN(median([]))).toBe(true);
  });
  it('coverage counts actuals inside [lower, upper], bounds included', () => {
    expect(coverage([1, 2, 3, 4], [0, 2, 4, 0], [1, 3, 5, 3])).toBe(50);
  });
});

describe("the 12-month total's scaled error", () => {
  it('scales by the in-sample seasonal naive error of horizon totals', () => {
    // y_t − y_{t−12} = 2 for t in 12..23 and 5 for t in 24..26: the 12-month totals' changes are
    // 24 (t = 12..23), then 24 − 2 + 5 = 27, 30, 33 as the window slides.
    const insample = Array.from({ length: 27 }, (_, t) => (t % 12) + (t < 12 ? 0 : t < 24 ? 2 : 7));
    expect(totalScale(insample, 12)).toBeCloseTo((24 + 27 + 30 + 33) / 4, 10);
    expect(totalScale(insample.slice(0, 23), 12)).toBe(0);
    const actual = new Array<number>(12).fill(10);
    const forecast = new Array<number>(12).fill(9);
    expect(totalMase(actual, forecast, insample)).toBeCloseTo(12 / 28.5, 10);
    expect(totalMase(actual, forecast, insample.slice(0, 20))).toBeNaN();
  });
});
