/**
 * The production combination: a robust (median) combination of diverse methods for regular
 * series (its horizon total reconciled half-way to the seasonal naive total where the series' own
 * last year says that is better), and TSB for
 * intermittent ones and for counts whose year-on-year changes are counting noise. The choices
 * are measured, not guessed: see docs/forecasting.md for the figures on M3, the US and Quebec
 * series and the demo network, on MASE and on the 12-month total.
 */
import { demandProfile, tsb } from './intermittent';
import { mstlEts } from './mstl-ets';
import { naive2 } from './naive2';
import { seasonalDamped } from './seasonal-damped';
import { seasonalNaive } from './seasonal-naive';
import { mase, totalMase } from './metrics';
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
  | 'count-noise-mean'
  | 'count-noise-tsb'
  | 'count-level-tsb'
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
 * Weight of the combination's own horizon total in the total-reconciled candidate; the rest is the
 * seasonal naive total (the last year's months). The median follows the trends its members
 * extrapolate; where a market shifts, the last year's total is the better anchor.
 */
export const TOTAL_COMBINATION_WEIGHT = 0.5;

/** Months of each inner validation window (the term the forecast's total matters for). */
export const INNER_WINDOW = MONTHLY_PERIOD;

/**
 * A whole-unit series averaging at most COUNT_NOISE_MAX_MEAN units a month whose mean absolute
 * deviation from its mean stays within COUNT_NOISE_RATIO × that of Poisson counting noise
 * (√(2/π)·√mean) carries no seasonality or trend a model could extrapolate beyond the noise: its
 * level (TSB) is the forecast. Typical of a dealer's total and its model lines.
 */
export const COUNT_NOISE_MAX_MEAN = 200;
export const COUNT_NOISE_RATIO = 2;

/** Whether `values` are small whole-unit counts whose variation is counting noise. */
export function isCountNoise(values: readonly number[]): boolean {
  let sum = 0;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) return false;
    sum += v;
  }
  const average = sum / Math.max(1, values.length);
  if (!(average > 0) || average > COUNT_NOISE_MAX_MEAN) return false;
  let deviation = 0;
  for (const v of values) deviation += Math.abs(v - average);
  deviation /= values.length;
  return deviation <= COUNT_NOISE_RATIO * Math.sqrt(2 / Math.PI) * Math.sqrt(average);
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

/**
 * Inner validation folds: the last INNER_WINDOW months, then the INNER_WINDOW months before them,
 * and so on while 24 months remain to fit on (a 48-month history has two).
 */
export const INNER_FOLDS = 2;

/**
 * Weight of each fold against the one a year later: a year further back counts half (a one-year
 * half-life; past errors discounted geometrically, as in discounted-error combination weights).
 * One year alone is a single draw of the market (a growth year before a stall); the year before it
 * adds evidence without outvoting the latest. Measured in docs/forecasting.md: equal weights lost
 * the US total, 0.4 or less gave Quebec's 1966 back to the median.
 */
export const INNER_FOLD_DISCOUNT = 0.5;

/**
 * The inner validation (rolling origin on the series' own history): each fold's INNER_WINDOW
 * months are forecast from the months before them by every candidate (the median, and the median
 * with its total reconciled half-way to the seasonal naive total) and scored by MASE plus the
 * total's MASE (both scaled on the fold's own fitting months); returns the index of the candidate
 * whose discounted sum of scores (INNER_FOLD_DISCOUNT per year back) is lowest (the first on a
 * tie). Needs 24 months before the last window, else 0 (the median).
 */
function innerChoice(
  values: readonly number[],
  names: readonly SingleMethodName[],
  candidates: (forecast: (name: SingleMethodName) => readonly number[]) => readonly number[][],
): number {
  let totals: number[] | undefined;
  for (let fold = 0; fold < INNER_FOLDS; fold += 1) {
    const fit = values.slice(0, values.length - (fold + 1) * INNER_WINDOW);
    if (fit.length < MIN_SEASONAL_LENGTH) break;
    const actual = values.slice(fit.length, fit.length + INNER_WINDOW);
    const forecasts = new Map(names.map((n) => [n, SINGLE_METHODS[n](fit, INNER_WINDOW)]));
    const scored = candidates(
      (name) => forecasts.get(name) ?? SINGLE_METHODS[name](fit, INNER_WINDOW),
    );
    const weight = INNER_FOLD_DISCOUNT ** fold;
    const scores = scored.map(
      (f) => weight * ((mase(actual, f, fit) || 0) + (totalMase(actual, f, fit) || 0)),
    );
    totals = totals ? totals.map((t, i) => t + scores[i]!) : scores;
  }
  if (!totals) return 0;
  let best = 0;
  for (let i = 1; i < totals.length; i += 1) if (totals[i]! < totals[best]! - 1e-12) best = i;
  return best;
}

/** Months the level of a steady count series is averaged over (four years). */
export const STEADY_LEVEL_MONTHS = 48;

/** The recent spans whose mean is tested against the rate, and the test's bound in standard errors. */
const RECENT_MONTHS = [3, 6, 12] as const;
const SHIFT_STANDARD_ERRORS = 2;

/**
 * The level of counting noise around a constant rate: the mean of the last STEADY_LEVEL_MONTHS
 * months (the rate's maximum-likelihood estimate), unless the mean of the last 3, 6 or 12 months
 * lies more than 2 Poisson standard errors (2·√(rate/k)) from it — the level moved (a line running
 * out, a launch), and the caller keeps TSB, which follows it. Exponential smoothing chases the
 * noise of recent months instead: on the demo's count-noise windows the mean lowered MASE, the
 * 12-month total's MASE and its mean % error against TSB (lines 0.7752 / 1.058 / 33.7 →
 * 0.7738 / 1.040 / 33.2, dealers 0.8589 / 1.324 / 17.2 → 0.8553 / 1.310 / 17.0) and sharpened the
 * commitment probabilities.
 */
export function steadyCountLevel(values: readonly number[]): number | undefined {
  const window = values.slice(-STEADY_LEVEL_MONTHS);
  if (window.length < MIN_SEASONAL_LENGTH) return undefined;
  const rate = window.reduce((s, v) => s + v, 0) / window.length;
  for (const months of RECENT_MONTHS) {
    const recent = window.slice(-months).reduce((s, v) => s + v, 0) / months;
    if (Math.abs(recent - rate) > SHIFT_STANDARD_ERRORS * Math.sqrt(rate / months))
      return undefined;
  }
  return rate;
}

/**
 * Whole-unit counts averaging at most FEW_COUNTS_MAX_MEAN units a month: Poisson noise alone is
 * about 1/√mean of a month (18 % at 30), as large as the seasonal or trend shape a model would
 * fit on four years of them, so their level (TSB) is the forecast even where they vary more than
 * counting noise (a dealer's slow model lines; measured on the demo network's lines, where the
 * median lost to TSB on both MASE and the 12-month total).
 */
export const FEW_COUNTS_MAX_MEAN = 30;

/** Whether `values` are whole-unit counts averaging more than 0 and at most FEW_COUNTS_MAX_MEAN. */
export function isFewCounts(values: readonly number[]): boolean {
  let sum = 0;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0) return false;
    sum += v;
  }
  const average = sum / Math.max(1, values.length);
  return average > 0 && average <= FEW_COUNTS_MAX_MEAN;
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
 * - otherwise the horizon-wise median of the profile's members, or the same with its horizon total
 *   reconciled to TOTAL_COMBINATION_WEIGHT × its own total + the rest × the seasonal naive total,
 *   whichever scores better (MASE + the total's MASE) on the series' own last 12 months and, at
 *   half the weight, the 12 before them (innerChoice).
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
    const level = steadyCountLevel(values);
    if (level !== undefined)
      return { method: 'count-noise-mean', mean: new Array<number>(horizon).fill(level) };
    return { method: 'count-noise-tsb', mean: clamp(member('tsb')) };
  }
  if (isFewCounts(values)) {
    return { method: 'count-level-tsb', mean: clamp(member('tsb')) };
  }
  const names: SingleMethodName[] =
    profile === 'accurate'
      ? ['theta', 'mstl-ets', 'seasonal-damped', 'seasonal-naive']
      : ['theta', 'seasonal-damped', 'seasonal-naive'];
  const candidates = (forecast: (name: SingleMethodName) => readonly number[]) => {
    const median = clamp(medianCombination(names.map(forecast)));
    const total = (f: readonly number[]) => f.reduce((s, v) => s + v, 0);
    const reconciled =
      TOTAL_COMBINATION_WEIGHT * total(median) +
      (1 - TOTAL_COMBINATION_WEIGHT) * total(forecast('seasonal-naive'));
    return [median, reconcileTotal(median, reconciled, isNonNegative)];
  };
  const mean = candidates(member)[innerChoice(values, names, candidates)]!;
  return {
    method: profile === 'accurate' ? 'median-combination' : 'fast-median-combination',
    mean,
  };
}
