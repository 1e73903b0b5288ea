/**
 * Common shocks: a supply crisis, a lockdown, a tax change pulls every line of the network down
 * (or up) for a few months at once. In a history of three years, those months are a third of the
 * evidence for their calendar months: the seasonal naive repeats them a year later, the seasonal
 * indices bend towards them and trends chase the rebound. Forecourt detects such months on the
 * network's total and takes them out of the histories before forecasting (an intervention
 * adjustment); the forecasts then assume the shock does not recur.
 *
 * On log values, per calendar month: trend = median of year-over-year differences / 12; the
 * calendar month's level = median over the years of the detrended values (robust to one shocked
 * year out of three); residual = what is left. Months whose network residual exceeds
 * max(7 %, 3.5 robust standard deviations) are shock months (not the last 3 months of history: a
 * fresh deviation cannot be told from a change of level). Each line's loading on the shock is the
 * regression of its own residuals on the network's over the shock months (0 to 3), and its values
 * in those months are divided by exp(loading × network residual).
 */
import { MONTHLY_PERIOD } from './seasonality';

/** The minimum history (three full years: each calendar month seen three times). */
export const SHOCK_MIN_HISTORY = 3 * MONTHLY_PERIOD;
const SHOCK_MIN_DEVIATION = 0.07;
const SHOCK_MAD_MULTIPLE = 3.5;
const SHOCK_RECENT_EXCLUDED = 3;
const LOADING_RANGE: [number, number] = [0, 3];

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Log residuals of a strictly positive monthly series after a robust trend and calendar-month
 * level, or undefined when the series is shorter than three years or has a month ≤ 0.
 */
export function seasonalResiduals(values: readonly number[]): number[] | undefined {
  const n = values.length;
  if (n < SHOCK_MIN_HISTORY || !values.every((v) => v > 0)) return undefined;
  const y = values.map((v) => Math.log(v));
  const yearly: number[] = [];
  for (let t = MONTHLY_PERIOD; t < n; t += 1) yearly.push(y[t]! - y[t - MONTHLY_PERIOD]!);
  const slope = median(yearly) / MONTHLY_PERIOD;
  const z = y.map((v, t) => v - slope * t);
  const level = Array.from({ length: MONTHLY_PERIOD }, (_, m) => {
    const same: number[] = [];
    for (let t = m; t < n; t += MONTHLY_PERIOD) same.push(z[t]!);
    return median(same);
  });
  return z.map((v, t) => v - level[t % MONTHLY_PERIOD]!);
}

export type CommonShock = {
  /** Network residual (log) per month; 0 outside the shock months. */
  residual: number[];
  /** The shock months (0-based indices into the history). */
  months: number[];
};

/** Detects the shock months on the network total (see the module comment). */
export function detectCommonShock(total: readonly number[]): CommonShock {
  const residual = new Array<number>(total.length).fill(0);
  const r = seasonalResiduals(total);
  if (!r) return { residual, months: [] };
  const centre = median(r);
  const mad = median(r.map((v) => Math.abs(v - centre)));
  const threshold = Math.max(SHOCK_MIN_DEVIATION, SHOCK_MAD_MULTIPLE * 1.4826 * mad);
  const months: number[] = [];
  for (let t = 0; t < r.length - SHOCK_RECENT_EXCLUDED; t += 1) {
    if (Math.abs(r[t]! - centre) > threshold) {
      months.push(t);
      residual[t] = r[t]! - centre;
    }
  }
  return { residual, months };
}

/**
 * A line's loading on the common shock: the least-squares slope of its residuals on the network's
 * over the shock months, within [0, 3]; 1 when the line's own residuals are not available (zeros,
 * short history).
 */
export function shockLoading(lineTotal: readonly number[], shock: CommonShock): number {
  if (shock.months.length === 0) return 0;
  const r = seasonalResiduals(lineTotal);
  if (!r) return 1;
  const centre = median(r);
  let xy = 0;
  let xx = 0;
  for (const t of shock.months) {
    xy += (r[t]! - centre) * shock.residual[t]!;
    xx += shock.residual[t]! ** 2;
  }
  const slope = xx > 0 ? xy / xx : 1;
  return Math.min(LOADING_RANGE[1], Math.max(LOADING_RANGE[0], slope));
}

/** Per month, the factor the shock multiplied a line's sales by (1 outside the shock). */
export function shockFactors(loading: number, shock: CommonShock): number[] {
  return shock.residual.map((r) => (r === 0 ? 1 : Math.exp(loading * r)));
}

/** Divides a history by its shock factors (the history the forecasts are made from). */
export function removeShock(values: readonly number[], factors: readonly number[]): number[] {
  return values.map((v, t) => (factors[t] === undefined || factors[t] === 1 ? v : v / factors[t]!));
}
