/**
 * Calibrated prediction intervals.
 *
 * Model-based intervals (MSTL's, ETS's) assume the model is right and cover far less than they
 * claim. Instead, the interval around the production forecast is built from the empirical
 * distribution of scaled forecast errors at each horizon (a split-conformal construction):
 *
 *   error_h = (y_{n+h} − ŷ_{n+h}) / scale,   scale = in-sample seasonal naive MAE (the MASE scale)
 *   interval_h = [ŷ_h + q_{α/2}(h) · scale, ŷ_h + q_{1−α/2}(h) · scale]
 *
 * The quantiles q come from a calibration: hold out the last `horizon` months of each history,
 * forecast them from the months before, and pool the scaled errors across series (and across
 * neighbouring horizons, to steady the tails). Quantiles widen monotonically with the horizon.
 * Nothing from the future is used: a calibration sees only the histories being forecast.
 */
import { maseScale, quantiles } from './metrics';
import { MONTHLY_PERIOD } from './seasonality';

/** Probabilities stored per horizon; levels 50, 80, 90, 95 and 99 map onto pairs of them. */
export const CALIBRATION_PROBABILITIES = [
  0.005, 0.025, 0.05, 0.1, 0.25, 0.75, 0.9, 0.95, 0.975, 0.995,
] as const;

export type IntervalCalibration = {
  /** Where the quantiles come from (e.g. `default:m3` or `batch`). */
  source: string;
  /** quantiles[h][k]: quantile CALIBRATION_PROBABILITIES[k] of the scaled error at horizon h+1. */
  quantiles: number[][];
  /** Number of (series, horizon) errors behind the table. */
  sampleSize: number;
};

export type Interval = { level: number; lower: number[]; upper: number[] };

/**
 * The scale errors are measured in: the MASE scale (seasonal naive MAE), else the lag-1 MAE, else
 * 10% of the mean absolute value; 0 only for an all-zero history.
 */
export function intervalScale(values: readonly number[], period = MONTHLY_PERIOD): number {
  const seasonal = maseScale(values, period);
  if (seasonal > 0) return seasonal;
  const naive = maseScale(values, 1);
  if (naive > 0) return naive;
  const meanAbs = values.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, values.length);
  return 0.1 * meanAbs;
}

/**
 * Builds a calibration table from scaled errors: errorsByHorizon[h] holds the scaled errors at
 * horizon h+1. Each horizon's quantiles pool the errors of horizons h−1..h+1; lower quantiles
 * are then made non-increasing and upper ones non-decreasing in h.
 */
export function calibrateFromErrors(
  errorsByHorizon: readonly (readonly number[])[],
  source: string,
  options: { conformal?: boolean } = {},
): IntervalCalibration {
  const horizons = errorsByHorizon.length;
  const table: number[][] = [];
  let sampleSize = 0;
  for (let h = 0; h < horizons; h += 1) {
    sampleSize += errorsByHorizon[h]!.length;
    const pooled: number[] = [];
    for (let k = Math.max(0, h - 1); k <= Math.min(horizons - 1, h + 1); k += 1) {
      for (const e of errorsByHorizon[k]!) if (Number.isFinite(e)) pooled.push(e);
    }
    table.push(
      pooled.length === 0
        ? CALIBRATION_PROBABILITIES.map(() => 0)
        : options.conformal
          ? conformalQuantiles(pooled, CALIBRATION_PROBABILITIES)
          : quantiles(pooled, CALIBRATION_PROBABILITIES),
    );
  }
  for (let h = 1; h < horizons; h += 1) {
    CALIBRATION_PROBABILITIES.forEach((p, k) => {
      const previous = table[h - 1]![k]!;
      const current = table[h]![k]!;
      if (p < 0.5) table[h]![k] = Math.min(previous, current);
      if (p > 0.5) table[h]![k] = Math.max(previous, current);
    });
  }
  return { source, quantiles: table, sampleSize };
}

/**
 * Split-conformal quantiles: the order statistics that cover at least `p` of the errors (below
 * the median: at most `p` below), instead of interpolating between them. On count data errors
 * come in lumps (a dealer that sells 0 or 1 a month); an interpolated quantile falls between two
 * lumps and covers less than it claims, an order statistic does not.
 */
export function conformalQuantiles(
  values: readonly number[],
  probabilities: readonly number[],
): number[] {
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  const n = sorted.length;
  return probabilities.map((p) => {
    if (n === 0) return Number.NaN;
    const rank = p < 0.5 ? Math.floor(p * (n + 1)) : Math.ceil(p * (n + 1));
    return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
  });
}

/** Quantile of the scaled error at horizon h (1-based) and probability p, interpolated in p. */
export function calibratedQuantile(calibration: IntervalCalibration, h: number, p: number): number {
  const table = calibration.quantiles;
  if (table.length === 0) return 0;
  const lastIndex = table.length - 1;
  const row = table[Math.min(h - 1, lastIndex)]!;
  const probabilities = CALIBRATION_PROBABILITIES;
  let value: number;
  if (p <= probabilities[0]!) value = row[0]!;
  else if (p >= probabilities[probabilities.length - 1]!) value = row[probabilities.length - 1]!;
  else {
    let k = 0;
    while (probabilities[k + 1]! < p) k += 1;
    const p0 = probabilities[k]!;
    const p1 = probabilities[k + 1]!;
    value = row[k]! + ((row[k + 1]! - row[k]!) * (p - p0)) / (p1 - p0);
  }
  // Beyond the calibrated horizons, widen with the square root of the horizon.
  return h - 1 > lastIndex ? value * Math.sqrt(h / table.length) : value;
}

export type ApplyIntervalOptions = {
  /** Clamp lower (and upper) bounds at 0: counts cannot be negative. */
  isNonNegative: boolean;
};

/** Intervals at `level` (in percent, e.g. 80) around `mean`, in the units of the series. */
export function calibratedInterval(
  mean: readonly number[],
  scale: number,
  level: number,
  calibration: IntervalCalibration,
  options: ApplyIntervalOptions,
): Interval {
  if (!(level > 0 && level < 100))
    throw new RangeError(`interval level must be in (0, 100), got ${level}`);
  const alpha = 1 - level / 100;
  const lower: number[] = [];
  const upper: number[] = [];
  mean.forEach((m, i) => {
    const h = i + 1;
    let lo = m + calibratedQuantile(calibration, h, alpha / 2) * scale;
    let hi = m + calibratedQuantile(calibration, h, 1 - alpha / 2) * scale;
    if (lo > hi) [lo, hi] = [hi, lo];
    if (options.isNonNegative) {
      lo = Math.max(0, lo);
      hi = Math.max(0, hi);
    }
    lower.push(lo);
    upper.push(hi);
  });
  return { level, lower, upper };
}

/** The forecast of one calibration window. */
export type CalibrationWindow = {
  history: readonly number[];
  actual: readonly number[];
  forecast: readonly number[];
};

/** Scaled errors of calibration windows, grouped by horizon. */
export function scaledErrors(windows: readonly CalibrationWindow[], horizon: number): number[][] {
  const errors: number[][] = Array.from({ length: horizon }, () => []);
  for (const w of windows) {
    const scale = intervalScale(w.history);
    if (!(scale > 0)) continue;
    for (let h = 0; h < Math.min(horizon, w.actual.length); h += 1) {
      errors[h]!.push((w.actual[h]! - w.forecast[h]!) / scale);
    }
  }
  return errors;
}

/** The minimum training length left after holding out a calibration window. */
export const MIN_CALIBRATION_TRAIN = 24;

/**
 * The calibration window of one history: the last `horizon` months held out, forecast from the
 * months before. Undefined when fewer than 24 months would remain.
 */
export function calibrationSplit(
  values: readonly number[],
  horizon: number,
): { history: number[]; actual: number[] } | undefined {
  if (values.length - horizon < MIN_CALIBRATION_TRAIN) return undefined;
  return {
    history: values.slice(0, values.length - horizon),
    actual: values.slice(values.length - horizon),
  };
}
