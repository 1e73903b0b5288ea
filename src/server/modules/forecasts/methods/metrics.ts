/**
 * Accuracy metrics. sMAPE and MASE follow the M4 competition definitions (MASE scaled by the
 * in-sample seasonal naive error, period 12); WAPE, bias and coverage are pooled over all cells.
 */
import { MONTHLY_PERIOD } from './seasonality';

function assertSameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} vs ${b.length}`);
}

/**
 * Symmetric MAPE in percent: 200/h · Σ |y − ŷ| / (|y| + |ŷ|). A cell where both are 0 is a perfect
 * forecast and counts 0 (M4 has no zeros; sales series do).
 */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  assertSameLength(actual, forecast);
  if (actual.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < actual.length; i += 1) {
    const a = actual[i]!;
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    if (denominator > 0) sum += Math.abs(a - f) / denominator;
  }
  return (200 * sum) / actual.length;
}

/**
 * The MASE scale: mean absolute error of the in-sample seasonal naive forecast,
 * 1/(n−m) Σ_{t>m} |y_t − y_{t−m}|. Falls back to lag 1 when the history is shorter than m+1.
 * Returns 0 for a series whose seasonal naive is perfect in sample (MASE is then undefined).
 */
export function maseScale(insample: readonly number[], period = MONTHLY_PERIOD): number {
  const lag = insample.length > period ? period : 1;
  if (insample.length <= lag) return 0;
  let sum = 0;
  for (let t = lag; t < insample.length; t += 1) sum += Math.abs(insample[t]! - insample[t - lag]!);
  return sum / (insample.length - lag);
}

/** Mean absolute scaled error (M4). NaN when the scale is 0. */
export function mase(
  actual: readonly number[],
  forecast: readonly number[],
  insample: readonly number[],
  period = MONTHLY_PERIOD,
): number {
  assertSameLength(actual, forecast);
  const scale = maseScale(insample, period);
  if (!(scale > 0) || actual.length === 0) return Number.NaN;
  return meanAbsoluteError(actual, forecast) / scale;
}

export function meanAbsoluteError(actual: readonly number[], forecast: readonly number[]): number {
  assertSameLength(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i += 1) sum += Math.abs(actual[i]! - forecast[i]!);
  return sum / actual.length;
}

/** Pooled absolute-error and actual totals, to combine WAPE and bias across many series. */
export type ErrorTotals = {
  absoluteError: number;
  signedError: number;
  absoluteActual: number;
  cells: number;
};

export function errorTotals(actual: readonly number[], forecast: readonly number[]): ErrorTotals {
  assertSameLength(actual, forecast);
  let absoluteError = 0;
  let signedError = 0;
  let absoluteActual = 0;
  for (let i = 0; i < actual.length; i += 1) {
    absoluteError += Math.abs(actual[i]! - forecast[i]!);
    signedError += forecast[i]! - actual[i]!;
    absoluteActual += Math.abs(actual[i]!);
  }
  return { absoluteError, signedError, absoluteActual, cells: actual.length };
}

export function addTotals(a: ErrorTotals, b: ErrorTotals): ErrorTotals {
  return {
    absoluteError: a.absoluteError + b.absoluteError,
    signedError: a.signedError + b.signedError,
    absoluteActual: a.absoluteActual + b.absoluteActual,
    cells: a.cells + b.cells,
  };
}

/** Weighted absolute percentage error in percent: 100 · Σ|y − ŷ| / Σ|y|. */
export function wape(actual: readonly number[], forecast: readonly number[]): number {
  return wapeFromTotals(errorTotals(actual, forecast));
}

export function wapeFromTotals(totals: ErrorTotals): number {
  return totals.absoluteActual > 0
    ? (100 * totals.absoluteError) / totals.absoluteActual
    : Number.NaN;
}

/** Relative bias in percent: 100 · Σ(ŷ − y) / Σ|y| (positive = over-forecast). */
export function bias(actual: readonly number[], forecast: readonly number[]): number {
  return biasFromTotals(errorTotals(actual, forecast));
}

export function biasFromTotals(totals: ErrorTotals): number {
  return totals.absoluteActual > 0
    ? (100 * totals.signedError) / totals.absoluteActual
    : Number.NaN;
}

/** Absolute error of the horizon total: |Σy − Σŷ| (e.g. the 12-month volume). */
export function totalAbsoluteError(actual: readonly number[], forecast: readonly number[]): number {
  assertSameLength(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i += 1) sum += actual[i]! - forecast[i]!;
  return Math.abs(sum);
}

/**
 * The scale of a horizon total's error: the mean absolute error of the in-sample seasonal naive
 * forecast of `horizon`-month totals, 1/(n−m−h+1) Σ_t |Σ_{i=t..t+h−1} (y_i − y_{i−m})| (for h = 12:
 * the mean |change| of the rolling 12-month total over a year). 0 when the history is shorter than
 * m + h or the seasonal naive total is perfect in sample.
 */
export function totalScale(
  insample: readonly number[],
  horizon: number,
  period = MONTHLY_PERIOD,
): number {
  const n = insample.length;
  if (n < period + horizon || horizon < 1) return 0;
  let window = 0;
  for (let i = period; i < period + horizon; i += 1) window += insample[i]! - insample[i - period]!;
  let sum = Math.abs(window);
  let count = 1;
  for (let t = period + 1; t + horizon <= n; t += 1) {
    window += insample[t + horizon - 1]! - insample[t + horizon - 1 - period]!;
    window -= insample[t - 1]! - insample[t - 1 - period]!;
    sum += Math.abs(window);
    count += 1;
  }
  return sum / count;
}

/**
 * Scaled error of the horizon total: |Σy − Σŷ| / totalScale (1 = as good as the in-sample seasonal
 * naive total). NaN when the scale is 0.
 */
export function totalMase(
  actual: readonly number[],
  forecast: readonly number[],
  insample: readonly number[],
  period = MONTHLY_PERIOD,
): number {
  const scale = totalScale(insample, actual.length, period);
  return scale > 0 ? totalAbsoluteError(actual, forecast) / scale : Number.NaN;
}

/** Median (NaN for an empty list; NaNs are ignored). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Linear-interpolation quantile (R type 7) of the finite values. */
export function quantile(values: readonly number[], p: number): number {
  return quantiles(values, [p])[0]!;
}

/** Several type-7 quantiles of the finite values, sorting once. */
export function quantiles(values: readonly number[], probabilities: readonly number[]): number[] {
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  return probabilities.map((p) => {
    if (sorted.length === 0) return Number.NaN;
    const position = (sorted.length - 1) * p;
    const lo = Math.floor(position);
    const hi = Math.ceil(position);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
  });
}

/** Mean of the finite values. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      count += 1;
    }
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Number of cells with lower ≤ y ≤ upper. */
export function coveredCount(
  actual: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
): number {
  assertSameLength(actual, lower);
  assertSameLength(actual, upper);
  let covered = 0;
  for (let i = 0; i < actual.length; i += 1) {
    if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) covered += 1;
  }
  return covered;
}

/** Interval coverage in percent. */
export function coverage(
  actual: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
): number {
  if (actual.length === 0) return Number.NaN;
  return (100 * coveredCount(actual, lower, upper)) / actual.length;
}
