/**
 * Seasonality helpers shared by the classic M4 benchmarks (Naive2, Theta): the autocorrelation
 * seasonality test and classical (moving-average) seasonal decomposition.
 */

/** The monthly seasonal period used throughout the forecasting module. */
export const MONTHLY_PERIOD = 12;

/** A seasonal method: the series, the months to forecast and the season's length. */
export type SeasonalMethod = (
  values: readonly number[],
  horizon: number,
  period?: number,
) => number[];

/** A flat forecast: `value` in each of the `horizon` months. */
export const flatForecast = (horizon: number, value: number): number[] =>
  new Array<number>(horizon).fill(value);

/** Sample autocorrelation of `values` at `lag` (the usual biased estimator, as R's `acf`). */
export function autocorrelation(values: readonly number[], lag: number): number {
  const n = values.length;
  if (lag >= n || n === 0) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let denominator = 0;
  for (const v of values) denominator += (v - mean) * (v - mean);
  if (denominator === 0) return 0;
  let numerator = 0;
  for (let t = lag; t < n; t += 1) numerator += (values[t]! - mean) * (values[t - lag]! - mean);
  return numerator / denominator;
}

/**
 * The seasonality test of the M4 benchmarks: the autocorrelation at lag `period` is significant at
 * 90% (two-sided, 1.645) against Bartlett's standard error built from the lower lags. Series shorter
 * than three periods are treated as non-seasonal, as in the M4 code.
 */
export function isSeasonal(values: readonly number[], period = MONTHLY_PERIOD): boolean {
  const n = values.length;
  if (period <= 1 || n < 3 * period) return false;
  let sum = 0;
  for (let lag = 1; lag < period; lag += 1) sum += autocorrelation(values, lag) ** 2;
  const limit = 1.645 * Math.sqrt((1 + 2 * sum) / n);
  return Math.abs(autocorrelation(values, period)) > limit;
}

export type SeasonalMode = 'multiplicative' | 'additive' | 'none';

/**
 * Seasonal indices by position: `indices[(start + t) % period]` applies to observation t. For the
 * multiplicative mode they average 1, for the additive mode 0.
 */
export type SeasonalIndices = { mode: SeasonalMode; period: number; indices: number[] };

/** Centred moving average of order `period` (2×m for even m), NaN where undefined. */
export function centredMovingAverage(values: readonly number[], period: number): number[] {
  const n = values.length;
  const out = new Array<number>(n).fill(Number.NaN);
  const half = Math.floor(period / 2);
  if (n < period + (period % 2 === 0 ? 1 : 0)) return out;
  // Running sum of the inner window values[t−half+1 .. t+half−1] (even) or values[t−half .. t+half] (odd).
  const isEven = period % 2 === 0;
  const innerFrom = isEven ? 1 - half : -half;
  const innerTo = isEven ? half - 1 : half;
  let inner = 0;
  for (let k = half + innerFrom; k <= half + innerTo; k += 1) inner += values[k]!;
  for (let t = half; t < n - half; t += 1) {
    if (t > half) inner += values[t + innerTo]! - values[t - 1 + innerFrom]!;
    const sum = isEven ? inner + 0.5 * values[t - half]! + 0.5 * values[t + half]! : inner;
    out[t] = sum / period;
  }
  return out;
}

/**
 * Classical decomposition indices (R's `decompose`): ratios (or differences) of the series to its
 * centred moving average, averaged by position in the season and normalised. Index k applies to
 * positions t with t % period === k (t counted from the first observation).
 */
export function classicalSeasonalIndices(
  values: readonly number[],
  period: number,
  mode: Exclude<SeasonalMode, 'none'>,
): SeasonalIndices {
  const trend = centredMovingAverage(values, period);
  const sums = new Array<number>(period).fill(0);
  const counts = new Array<number>(period).fill(0);
  for (let t = 0; t < values.length; t += 1) {
    const tr = trend[t]!;
    if (Number.isNaN(tr)) continue;
    if (mode === 'multiplicative' && tr === 0) continue;
    const detrended = mode === 'multiplicative' ? values[t]! / tr : values[t]! - tr;
    sums[t % period]! += detrended;
    counts[t % period]! += 1;
  }
  const raw = sums.map((s, k) =>
    counts[k]! > 0 ? s / counts[k]! : mode === 'multiplicative' ? 1 : 0,
  );
  const mean = raw.reduce((a, b) => a + b, 0) / period;
  const indices =
    mode === 'multiplicative'
      ? raw.map((v) => (mean === 0 ? 1 : v / mean))
      : raw.map((v) => v - mean);
  return { mode, period, indices };
}

/** Indices that change nothing. */
export function noSeasonality(period: number): SeasonalIndices {
  return { mode: 'none', period, indices: new Array<number>(period).fill(1) };
}

/**
 * The deseasonalisation of the M4 benchmarks: if the 90% test finds seasonality, classical
 * multiplicative indices; a series with zeros or negatives (multiplicative indices undefined) gets
 * additive indices instead.
 */
export function seasonalIndicesFor(
  values: readonly number[],
  period = MONTHLY_PERIOD,
): SeasonalIndices {
  if (!isSeasonal(values, period)) return noSeasonality(period);
  const isPositive = values.every((v) => v > 0);
  const indices = classicalSeasonalIndices(
    values,
    period,
    isPositive ? 'multiplicative' : 'additive',
  );
  if (
    indices.mode === 'multiplicative' &&
    indices.indices.some((v) => !(v > 0) || !Number.isFinite(v))
  ) {
    return noSeasonality(period);
  }
  return indices;
}

/** Removes the seasonal component from observations 0..n-1. */
export function deseasonalise(values: readonly number[], seasonal: SeasonalIndices): number[] {
  if (seasonal.mode === 'none') return values.slice();
  const { period, indices } = seasonal;
  return values.map((v, t) =>
    seasonal.mode === 'multiplicative' ? v / indices[t % period]! : v - indices[t % period]!,
  );
}

/** Puts the seasonal component back on forecasts for observations n, n+1, … */
export function reseasonalise(
  forecast: readonly number[],
  n: number,
  seasonal: SeasonalIndices,
): number[] {
  if (seasonal.mode === 'none') return forecast.slice();
  const { period, indices } = seasonal;
  return forecast.map((v, h) => {
    const index = indices[(n + h) % period]!;
    return seasonal.mode === 'multiplicative' ? v * index : v + index;
  });
}
