/**
 * The production combination: a robust (median) combination of diverse methods for regular
 * series, its horizon total reconciled half-way to the seasonal naive total, and TSB for
 * intermittent ones and for counts whose year-on-year changes are counting noise. The choices
 * are measured, not guessed: see docs/forecasting.md for the figures on M3, the US and Quebec
 * series and the demo network, on MASE and on the 12-month total.
 */
import { demandProfile, tsb } from './intermittent';
import { mstlEts } from './mstl-ets';
import { naive2 } from './naive2';
import { seasonalDamped } from './seasonal-damped';
import { seasonalNaive } from './seasonal-naive';
import { maseScale } from './metrics';
import { MONTHLY_PERIOD } from './seasonality';
import { theta } from './theta';

/** A point forecaster: history (oldest first) and horizon in, `horizon` means out. */
export type Forecaster = (values: readonly number[], horizon: number) => number[];

/**
 * `accurate`: median of Theta, MSTL(12)+ETS, seasonal damped trend and seasonal naive (about 5 ms
 * per series, dominated by the WebAssembly AutoETS fit).
 * `fast`: median of Theta, seasonal damped trend and seasonal naive (about 0.6 ms per series), for
 * network-wide runs of hundreds of thousands of series.
 */
export type CombinationProfile = 'accurate' | 'fast';

export type ProductionMethod =
  | 'zero'
  | 'intermittent-tsb'
  | 'count-noise-tsb'
  | 'short-history-theta'
  | 'median-combination'
  | 'fast-median-combination';

export type PointForecastResult = { method: ProductionMethod; mean: number[] };

export const SINGLE_METHODS = {
  'seasonal-naive': seasonalNaive,
  naive2,
  theta,
  'mstl-ets': mstlEts,
  'seasonal-damped': seasonalDamped,
  tsb: (values: readonly number[], horizon: number) => tsb(values, horizon),
} satisfies Record<string, Forecaster>;

export type SingleMethodName = keyof typeof SINGLE_METHODS;

/** Median of a small list (the mean of the two middle values for an even count). */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Horizon-wise median of several forecasts. */
export function medianCombination(forecasts: readonly (readonly number[])[]): number[] {
  const horizon = forecasts[0]?.length ?? 0;
  return Array.from({ length: horizon }, (_, h) => medianOf(forecasts.map((f) => f[h]!)));
}

/** Horizon-wise mean of several forecasts. */
export function meanCombination(forecasts: readonly (readonly number[])[]): number[] {
  const horizon = forecasts[0]?.length ?? 0;
  return Array.from(
    { length: horizon },
    (_, h) => forecasts.reduce((sum, f) => sum + f[h]!, 0) / forecasts.length,
  );
}

/** The Syntetos–Boylan cut-off: an average demand interval of 1.32 months or more is intermittent. */
export const INTERMITTENT_ADI = 1.32;

/**
 * Weight of the combination's own horizon total in the reconciled total; the rest is the seasonal
 * naive total (the last year's months). The median follows trends its members extrapolate; where a
 * market shifts, the last year's total is the better anchor. 0.5 keeps the production forecast at
 * least as good as the best single method on both MASE and the 12-month total on M3 and Quebec
 * (docs/forecasting.md).
 */
export const TOTAL_COMBINATION_WEIGHT = 0.5;

/**
 * A whole-unit series whose in-sample year-on-year changes (the MASE scale) stay within this many
 * times the Poisson counting noise, 1.128·√mean, carries no seasonal or trend signal a model could
 * extrapolate: its level (TSB) is the forecast. Typical of a dealer's model line.
 */
export const COUNT_NOISE_RATIO = 1.6;

/** Whether `values` are whole-unit counts whose year-on-year changes are counting noise. */
export function isCountNoise(values: readonly number[]): boolean {
  let sum = 0;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) return false;
    sum += v;
  }
  const average = sum / Math.max(1, values.length);
  return average > 0 && maseScale(values) <= COUNT_NOISE_RATIO * 1.128 * Math.sqrt(average);
}

/**
 * Rescales a non-negative forecast so its horizon total is `total` (proportionally; additively
 * when the forecast sums to zero or the series can be negative).
 */
export function reconcileTotal(
  forecast: readonly number[],
  total: number,
  isNonNegative: boolean,
): number[] {
  const current = forecast.reduce((s, v) => s + v, 0);
  if (isNonNegative && current > 0) return forecast.map((v) => (v * Math.max(0, total)) / current);
  const shift = (total - current) / Math.max(1, forecast.length);
  return forecast.map((v) => (isNonNegative ? Math.max(0, v + shift) : v + shift));
}

/** Shorter histories cannot support a seasonal decomposition; they get non-seasonal Theta. */
export const MIN_SEASONAL_LENGTH = 2 * MONTHLY_PERIOD;

export type CombineOptions = {
  profile?: CombinationProfile;
  /** Monthly factors (averaging 1) for intermittent series, e.g. from the parent aggregate. */
  seasonalProfile?: readonly number[];
  /** Member forecasts already computed for these values and horizon (the backtest reuses them). */
  members?: Partial<Record<SingleMethodName, readonly number[]>>;
};

/**
 * The production point forecast.
 * - empty or all-zero history: zeros;
 * - non-negative series with an average demand interval ≥ 1.32 months (≥ about 24% zero months):
 *   TSB (intermittent demand);
 * - fewer than 24 months: Theta without seasonality;
 * - whole-unit counts whose year-on-year changes are counting noise (isCountNoise): TSB;
 * - otherwise the horizon-wise median of the profile's members and TSB, its horizon total then
 *   reconciled to TOTAL_COMBINATION_WEIGHT × its own total + the rest × the seasonal naive total.
 * Forecasts of a non-negative series are clamped at 0.
 */
export function combineForecast(
  values: readonly number[],
  horizon: number,
  options: CombineOptions = {},
): PointForecastResult {
  const profile = options.profile ?? 'accurate';
  if (values.length === 0 || values.every((v) => v === 0)) {
    return { method: 'zero', mean: new Array<number>(horizon).fill(0) };
  }
  const isNonNegative = values.every((v) => v >= 0);
  const member = (name: SingleMethodName) =>
    options.members?.[name] ?? SINGLE_METHODS[name](values, horizon);
  const clamp = (forecast: readonly number[]) =>
    isNonNegative ? forecast.map((v) => Math.max(0, v)) : forecast.slice();
  if (isNonNegative && demandProfile(values).adi >= INTERMITTENT_ADI) {
    const mean = options.seasonalProfile
      ? tsb(values, horizon, options.seasonalProfile)
      : (options.members?.tsb?.slice() ?? tsb(values, horizon));
    return { method: 'intermittent-tsb', mean };
  }
  if (values.length < MIN_SEASONAL_LENGTH) {
    return { method: 'short-history-theta', mean: clamp(member('theta')) };
  }
  if (isCountNoise(values)) {
    return { method: 'count-noise-tsb', mean: clamp(member('tsb')) };
  }
  const names: SingleMethodName[] =
    profile === 'accurate'
      ? ['theta', 'mstl-ets', 'seasonal-damped', 'seasonal-naive', 'tsb']
      : ['theta', 'seasonal-damped', 'seasonal-naive', 'tsb'];
  // TSB assumes non-negative demand; a series with negative values combines the others.
  const members = names.filter((n) => isNonNegative || n !== 'tsb').map(member);
  const median = clamp(medianCombination(members));
  const total = (forecast: readonly number[]) => forecast.reduce((s, v) => s + v, 0);
  const reconciled =
    TOTAL_COMBINATION_WEIGHT * total(median) +
    (1 - TOTAL_COMBINATION_WEIGHT) * total(member('seasonal-naive'));
  return {
    method: profile === 'accurate' ? 'median-combination' : 'fast-median-combination',
    mean: reconcileTotal(median, reconciled, isNonNegative),
  };
}
