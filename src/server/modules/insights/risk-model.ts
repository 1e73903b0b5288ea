/**
 * Commitment risk: the probability of reaching a commitment (a term total) from the actuals to
 * date plus the predictive distribution of the remaining months.
 *
 * The remaining months come from the forecast engine: its production point forecast and its
 * calibrated scaled-error quantiles per horizon (methods/intervals.ts). Months are not
 * independent — a forecast that is too high in month 1 is usually too high in month 2 — so the
 * errors are simulated through a Gaussian copula with an exchangeable correlation ρ, estimated
 * from the same calibration windows (the normal scores of each window's errors; see
 * `fitErrorModel`). Each draw: one common normal c, one normal ε_h per month,
 * z_h = √ρ·c + √(1−ρ)·ε_h, error_h = the calibrated quantile of Φ(z_h) at horizon h, month =
 * max(0, forecast_h + error_h · scale). The outcome is actual-to-date + Σ months.
 *
 * Deterministic: the uniforms come from a seeded generator (mulberry32), so the same inputs give
 * the same probability everywhere (backtest, nightly job, the dealer's card).
 */
import {
  type IntervalCalibration,
  type CalibrationWindow,
  calibrateFromErrors,
  calibratedQuantile,
  intervalScale,
} from '../forecasts/methods/intervals';
import { seededRandom } from '../forecasts/backtest/synthetic';
import { combineForecast } from '../forecasts/methods/combine';
import { sortDraws } from './sort-draws';

/** The error model of the remaining months: calibrated quantiles plus correlation per length. */
export type ErrorModel = {
  calibration: IntervalCalibration;
  /** correlation[r-1]: exchangeable copula correlation for r remaining months (r ≥ 1). */
  correlation: number[];
};

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A seeded standard normal generator (Box–Muller on mulberry32). */
export function seededNormal(seed: number): () => number {
  const random = seededRandom(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = Math.max(random(), 1e-12);
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/**
 * Fits the error model on calibration windows (a history, the months after it, and the
 * forecast of those months from the history): the engine's quantile table of scaled errors and,
 * for each number of months r, the exchangeable correlation of the errors' normal scores:
 * Var(Σ_{h≤r} z_h) = r + r(r−1)ρ, so ρ_r = (mean (Σ z)² − r) / (r(r−1)), within [0, 0.95].
 */
export function fitErrorModel(windows: readonly CalibrationWindow[], horizon: number): ErrorModel {
  const rows: number[][] = [];
  for (const w of windows) {
    const scale = intervalScale(w.history);
    if (!(scale > 0) || w.actual.length < horizon) continue;
    const errors = Array.from(
      { length: horizon },
      (_, h) => (w.actual[h]! - w.forecast[h]!) / scale,
    );
    if (errors.every(Number.isFinite)) rows.push(errors);
  }
  const byHorizon = Array.from({ length: horizon }, (_, h) => rows.map((row) => row[h]!));
  const calibration = calibrateFromErrors(byHorizon, 'insights:risk');
  const n = rows.length;
  // Normal scores per horizon (mid-ranks).
  const scores: number[][] = rows.map(() => new Array<number>(horizon).fill(0));
  for (let h = 0; h < horizon && n > 0; h += 1) {
    const order = rows.map((_, i) => i).sort((i, j) => rows[i]![h]! - rows[j]![h]!);
    order.forEach((i, rank) => {
      scores[i]![h] = normalQuantile((rank + 0.5) / n);
    });
  }
  const correlation = Array.from({ length: horizon }, (_, index) => {
    const r = index + 1;
    if (r === 1 || n < 10) return 0;
    let sumSquares = 0;
    for (const row of scores) {
      let s = 0;
      for (let h = 0; h < r; h += 1) s += row[h]!;
      sumSquares += s * s;
    }
    const rho = (sumSquares / n - r) / (r * (r - 1));
    return Math.min(0.95, Math.max(0, rho));
  });
  return { calibration, correlation };
}

export type RiskInput = {
  /** Units reached so far in the term. */
  toDate: number;
  /** The commitment (units) for the whole term. */
  commitment: number;
  /** The production point forecast of each remaining month. */
  forecast: readonly number[];
  /** The scale the errors are measured in (intervalScale of the history). */
  scale: number;
  errorModel: ErrorModel;
  /** Counts cannot be negative (default true). */
  isNonNegative?: boolean;
  /**
   * Per month, the share of the simulated month that is sold (default 1): 0 after a planned end
   * of sale (catalog `sales_end_on`), so those months add neither units nor spread.
   */
  keep?: readonly number[];
  /** Monte Carlo draws (default 1000). */
  draws?: number;
  seed?: number;
};

export type RiskResult = {
  /** P(outcome ≥ commitment), before recalibration. */
  probability: number;
  /** Expected outcome (units) for the term. */
  expected: number;
  /** 80 % interval of the outcome. */
  lower80: number;
  upper80: number;
  /** E[max(0, commitment − outcome)] in units. */
  expectedShortfall: number;
};

/**
 * The scaled errors of every draw and month, `errors[h·draws + d]` (month-major, so the
 * simulation's inner loop runs over the draws of one month in memory order): they depend only on the error
 * model, the number of months, the draws and the seed — not on the series — so they are drawn
 * once and kept (a network run reuses a handful of matrices for every commitment; the values are
 * the same as drawing them for each commitment).
 */
const errorMatrices = new WeakMap<IntervalCalibration, Map<string, Float64Array>>();

function errorMatrix(
  errorModel: ErrorModel,
  months: number,
  draws: number,
  seed: number,
): Float64Array {
  const rho = errorModel.correlation[Math.min(months, errorModel.correlation.length) - 1] ?? 0;
  const { calibration } = errorModel;
  let byKey = errorMatrices.get(calibration);
  if (!byKey) errorMatrices.set(calibration, (byKey = new Map()));
  const key = `${months}|${rho}|${draws}|${seed}`;
  const cached = byKey.get(key);
  if (cached) return cached;
  const common = Math.sqrt(rho);
  const own = Math.sqrt(1 - rho);
  const normal = seededNormal(seed);
  const errors = new Float64Array(draws * months);
  for (let d = 0; d < draws; d += 1) {
    const c = normal();
    for (let h = 0; h < months; h += 1) {
      const z = common * c + own * normal();
      errors[h * draws + d] = calibratedQuantile(calibration, h + 1, normalCdf(z));
    }
  }
  if (byKey.size > 256) byKey.clear();
  byKey.set(key, errors);
  return errors;
}

/** Scratch draws of `sortedRemaining(…, true)` (one thread; reused by every call that asks). */
let scratchDraws = new Float64Array(0);

/**
 * Draws of the remaining total (see the module comment). Month by month over all the draws: each
 * draw's total still adds its months in order from 0, so the sums are the same numbers as adding
 * each draw's months in turn, in less than half the time (the inner loop reads one month's
 * errors in memory order). `scratch`: into the shared scratch array, valid until the next such
 * call (a caller that keeps no draws after it returns: assess.ts).
 */
export function simulateRemaining(
  input: Omit<RiskInput, 'toDate' | 'commitment'>,
  scratch = false,
): Float64Array {
  const draws = input.draws ?? 1000;
  const r = input.forecast.length;
  let out: Float64Array;
  if (scratch) {
    if (scratchDraws.length < draws) scratchDraws = new Float64Array(draws);
    out = scratchDraws.subarray(0, draws);
    out.fill(0);
  } else out = new Float64Array(draws);
  if (r === 0) return out;
  const errors = errorMatrix(input.errorModel, r, draws, input.seed ?? 20261205);
  const nonNegative = input.isNonNegative ?? true;
  const { forecast, scale, keep } = input;
  for (let h = 0; h < r; h += 1) {
    const mean = forecast[h]!;
    const share = keep ? (keep[h] ?? 1) : 1;
    const row = h * draws;
    if (nonNegative && !keep) {
      for (let d = 0; d < draws; d += 1) out[d]! += Math.max(0, mean + errors[row + d]! * scale);
    } else {
      for (let d = 0; d < draws; d += 1) {
        const month = mean + errors[row + d]! * scale;
        const sold = nonNegative ? Math.max(0, month) : month;
        out[d]! += keep ? sold * share : sold;
      }
    }
  }
  return out;
}

function quantileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * The risk from sorted draws of the remaining total: P(toDate + R ≥ commitment) with half a draw
 * either side (keeps the raw probability off 0 and 1; it is recalibrated after), the expected
 * outcome, its 80 % interval and the expected shortfall.
 */
export function riskFromDraws(
  sorted: Float64Array,
  toDate: number,
  commitment: number,
): RiskResult {
  const n = sorted.length;
  if (n === 0) {
    return {
      probability: toDate >= commitment ? 1 : 0,
      expected: toDate,
      lower80: toDate,
      upper80: toDate,
      expectedShortfall: Math.max(0, commitment - toDate),
    };
  }
  const low = firstReaching(sorted, commitment - toDate);
  let sum = 0;
  let shortfall = 0;
  for (let i = 0; i < n; i += 1) {
    const outcome = toDate + sorted[i]!;
    sum += outcome;
    if (i < low) shortfall += commitment - outcome;
  }
  return {
    probability: (n - low + 0.5) / (n + 1),
    expected: sum / n,
    lower80: toDate + quantileOfSorted(sorted, 0.1),
    upper80: toDate + quantileOfSorted(sorted, 0.9),
    expectedShortfall: shortfall / n,
  };
}

/** Index of the first sorted draw ≥ `needed` (n when none). */
function firstReaching(sorted: Float64Array, needed: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! >= needed) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Only the raw probability of `riskFromDraws` (a binary search: for the "N more units" search). */
export function probabilityFromDraws(
  sorted: Float64Array,
  toDate: number,
  commitment: number,
): number {
  const n = sorted.length;
  if (n === 0) return toDate >= commitment ? 1 : 0;
  return (n - firstReaching(sorted, commitment - toDate) + 0.5) / (n + 1);
}

/**
 * The app's forecast of `remaining` months after `lead` months from the end of `history`: the
 * production combination, `fast` profile (zeros without history). The agreements, the program
 * tiers and the lines whose sale ends all forecast through it.
 */
export function remainingForecast(history: readonly number[], remaining: number, lead = 0) {
  return remaining > 0 && history.length > 0
    ? combineForecast(history, lead + remaining, { profile: 'fast' }).mean.slice(lead)
    : new Array<number>(Math.max(0, remaining)).fill(0);
}

/**
 * Sorted draws of the remaining total (see simulateRemaining; `scratch`: in the shared scratch
 * array, valid until the next call that asks for it, so a network run allocates none per line).
 */
export function sortedRemaining(
  input: Omit<RiskInput, 'toDate' | 'commitment'>,
  scratch = false,
): Float64Array {
  return input.forecast.length === 0
    ? new Float64Array(0)
    : sortDraws(simulateRemaining(input, scratch));
}

/** The raw (uncalibrated) probability of reaching the commitment, expected outcome and interval. */
export function commitmentRisk(input: RiskInput): RiskResult {
  return riskFromDraws(sortedRemaining(input), input.toDate, input.commitment);
}
