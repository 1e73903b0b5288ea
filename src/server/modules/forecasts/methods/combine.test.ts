import { describe, expect, it } from 'vitest';
import {
  combineForecast,
  isCountNoise,
  isFewCounts,
  steadyCountLevel,
  meanCombination,
  medianCombination,
  medianOf,
  reconcileTotal,
  SINGLE_METHODS,
  TOTAL_COMBINATION_WEIGHT,
} from './combine';
import { poisson, seededRandom } from '../backtest/synthetic';
import { seasonalNaive } from './seasonal-naive';
import { mase, totalMase } from './metrics';

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

describe('the 12-month total and counting noise', () => {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  it('reconciles a forecast to a total, proportionally or by a shift', () => {
    expect(reconcileTotal([1, 3], 8, true)).toEqual([2, 6]);
    expect(reconcileTotal([0, 0], 4, true)).toEqual([2, 2]);
    expect(reconcileTotal([-1, 1], 4, false)).toEqual([1, 3]);
  });
  it('takes counts varying like Poisson noise for noise, not seasonal or large ones', () => {
    // A few units a month around 9, spread like counting noise.
    const noise = [
      9, 12, 7, 10, 8, 11, 9, 6, 12, 10, 8, 9, 11, 7, 10, 9, 13, 8, 9, 10, 7, 11, 9, 8,
    ];
    expect(isCountNoise(noise)).toBe(true);
    const seasonal = Array.from({ length: 36 }, (_, t) => (t % 12 < 6 ? 4 : 30));
    expect(isCountNoise(seasonal)).toBe(false);
    expect(isCountNoise(noise.map((v) => v * 1000))).toBe(false);
    expect(isCountNoise(noise.map((v) => v + 0.5))).toBe(false);
    // Steady: the level is the mean of the months (the rate's maximum-likelihood estimate).
    const steady = combineForecast([...noise, ...noise], 12);
    expect(steady.method).toBe('count-noise-mean');
    expect(steady.mean).toEqual(new Array<number>(12).fill(sum(noise) / noise.length));
    // The last three months far below the rate (a line running out): TSB follows the new level.
    const runningOut = [...noise, ...noise.slice(0, 21), 2, 1, 1];
    expect(isCountNoise(runningOut)).toBe(true);
    expect(steadyCountLevel(runningOut)).toBeUndefined();
    const result = combineForecast(runningOut, 12);
    expect(result.method).toBe('count-noise-tsb');
    expect(result.mean).toEqual(SINGLE_METHODS.tsb(runningOut, 12));
  });
  it('forecasts steady counts more accurately by their mean than by exponential smoothing', () => {
    // 60 dealers selling about 9 units a month at a constant rate: the mean of four years has a
    // lower 12-month-total error than TSB's smoothed level, which follows the last months' noise.
    const totals = { production: 0, tsb: 0 };
    for (let i = 0; i < 60; i += 1) {
      const random = seededRandom(500 + i);
      const values = Array.from({ length: 60 }, () => poisson(random, 9));
      const history = values.slice(0, 48);
      const actual = sum(values.slice(48));
      totals.production += Math.abs(sum(combineForecast(history, 12).mean) - actual);
      totals.tsb += Math.abs(sum(SINGLE_METHODS.tsb(history, 12)) - actual);
    }
    expect(totals.production).toBeLessThan(totals.tsb);
  });
  it("reconciles the total half-way to the last year's where the series' last years say so", () => {
    // A seasonal market growing for two years, then flat for the last three: the trend members
    // overshoot the flat years, so both inner windows prefer the reconciled total.
    const values = Array.from({ length: 60 }, (_, t) => {
      const level = t < 24 ? 1000 + 20 * t : 1460;
      return Math.round(level * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)) + ((t * 37) % 11));
    });
    const median = medianCombination(
      (['theta', 'seasonal-damped', 'seasonal-naive'] as const).map((n) =>
        SINGLE_METHODS[n](values, 12),
      ),
    );
    const target =
      TOTAL_COMBINATION_WEIGHT * sum(median) +
      (1 - TOTAL_COMBINATION_WEIGHT) * sum(SINGLE_METHODS['seasonal-naive'](values, 12));
    expect(Math.abs(sum(median) - target)).toBeGreaterThan(1);
    const result = combineForecast(values, 12, { profile: 'fast' });
    expect(result.method).toBe('fast-median-combination');
    expect(sum(result.mean)).toBeCloseTo(target, 6);
    // A steady trend: the median's own total stays.
    const steady = Array.from({ length: 60 }, (_, t) =>
      Math.round((1000 + 20 * t) * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12))),
    );
    const steadyMedian = medianCombination(
      (['theta', 'seasonal-damped', 'seasonal-naive'] as const).map((n) =>
        SINGLE_METHODS[n](steady, 12),
      ),
    );
    expect(sum(combineForecast(steady, 12, { profile: 'fast' }).mean)).toBeCloseTo(
      sum(steadyMedian),
      6,
    );
  });
  it('weighs the year before the last at half the weight of the last', () => {
    // A swinging market (yearly growth −10 %, +10 %, −10 %, −5 %): the last year, forecast from
    // the three before it, slightly prefers the median; the year before it (a fall after a rise,
    // which the trend members overshoot) prefers the reconciled total by far more than twice as
    // much, so the two years together choose the reconciled total.
    const growth = [-0.1, 0.1, -0.1, -0.05];
    let level = 1000;
    const values = Array.from({ length: 48 }, (_, t) => {
      level *= 1 + growth[Math.floor(t / 12)]! / 12;
      return Math.round(level * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)) + ((t * 37) % 11));
    });
    const members = ['theta', 'seasonal-damped', 'seasonal-naive'] as const;
    const candidates = (history: readonly number[]) => {
      const median = medianCombination(members.map((n) => SINGLE_METHODS[n](history, 12)));
      const target =
        TOTAL_COMBINATION_WEIGHT * sum(median) +
        (1 - TOTAL_COMBINATION_WEIGHT) * sum(SINGLE_METHODS['seasonal-naive'](history, 12));
      return [median, reconcileTotal(median, target, true)] as const;
    };
    const score = (back: number) => {
      const fit = values.slice(0, values.length - back);
      const actual = values.slice(fit.length, fit.length + 12);
      return candidates(fit).map((f) => mase(actual, f, fit) + totalMase(actual, f, fit));
    };
    const [lastMedian, lastReconciled] = score(12);
    const [beforeMedian, beforeReconciled] = score(24);
    expect(lastMedian!).toBeLessThan(lastReconciled!);
    expect(beforeReconciled! + 2 * (lastReconciled! - lastMedian!)).toBeLessThan(beforeMedian!);
    const [median, reconciled] = candidates(values);
    expect(Math.abs(sum(median) - sum(reconciled))).toBeGreaterThan(100);
    expect(sum(combineForecast(values, 12, { profile: 'fast' }).mean)).toBeCloseTo(
      sum(reconciled),
      6,
    );
  });
});

describe('few counts a month', () => {
  const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
  // Slow model lines: 10 to 20 units a month, ramping up over their first two years (a launch),
  // with autocorrelated demand swings: more varied than counting noise, but nothing in them a
  // trend or seasonal model should extrapolate.
  const panel = Array.from({ length: 60 }, (_, i) => {
    const random = seededRandom(1000 + i);
    const top = 10 + 10 * random();
    let swing = 0;
    return Array.from({ length: 60 }, (_, t) => {
      swing = 0.5 * swing + 0.3 * 1.7 * (2 * random() - 1);
      return poisson(random, top * Math.min(1, 0.25 + (0.75 * t) / 24) * Math.exp(swing));
    });
  });
  const routed = panel.filter((values) => !isCountNoise(values.slice(0, 48)));

  it('forecasts their level (TSB), not the median of trend and seasonal members', () => {
    expect(routed.length).toBeGreaterThan(20);
    for (const values of routed) {
      const history = values.slice(0, 48);
      expect(isFewCounts(history)).toBe(true);
      const result = combineForecast(history, 12);
      expect(result.method).toBe('count-level-tsb');
      expect(result.mean).toEqual(SINGLE_METHODS.tsb(history, 12));
    }
    expect(isFewCounts(panel[0]!.map((v) => v * 10))).toBe(false);
    expect(isFewCounts(panel[0]!.map((v) => v + 0.5))).toBe(false);
  });

  it('beats the median on the 12-month total and every method on the monthly error', () => {
    type Forecaster = (values: readonly number[]) => readonly number[];
    const totalError = (forecaster: Forecaster) =>
      sum(routed.map((v) => Math.abs(sum(forecaster(v.slice(0, 48))) - sum(v.slice(48)))));
    const monthlyError = (forecaster: Forecaster) =>
      sum(
        routed.map((v) => {
          const forecast = forecaster(v.slice(0, 48));
          return sum(v.slice(48).map((actual, h) => Math.abs(actual - forecast[h]!)));
        }),
      );
    const production: Forecaster = (v) => combineForecast(v, 12).mean;
    const median: Forecaster = (v) =>
      medianCombination(
        (['theta', 'mstl-ets', 'seasonal-damped', 'seasonal-naive'] as const).map((n) =>
          SINGLE_METHODS[n](v, 12),
        ),
      );
    expect(totalError(production)).toBeLessThan(totalError(median));
    expect(monthlyError(production)).toBeLessThan(monthlyError(median));
    for (const name of [
      'theta',
      'mstl-ets',
      'seasonal-damped',
      'seasonal-naive',
      'naive2',
    ] as const)
      expect(monthlyError(production)).toBeLessThan(
        monthlyError((v) => SINGLE_METHODS[name](v, 12)),
      );
  });
});
