import { fitSes } from './exponential-smoothing';
import { MONTHLY_PERIOD, deseasonalise, reseasonalise, seasonalIndicesFor } from './seasonality';

/**
 * Classic Theta (Assimakopoulos and Nikolopoulos, 2000) as in the M3/M4 benchmark code: on the
 * seasonally adjusted series, the theta=0 line (the least-squares linear trend, extrapolated) and
 * SES applied to the theta=2 line (2·y − line0), averaged with equal weights; then reseasonalised.
 */
export function thetaDeseasonalised(adjusted: readonly number[], horizon: number): number[] {
  const n = adjusted.length;
  if (n === 0) return new Array<number>(horizon).fill(0);
  if (n === 1) return new Array<number>(horizon).fill(adjusted[0]!);
  // Least-squares line on t = 1..n.
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t += 1) {
    const x = t + 1;
    sx += x;
    sy += adjusted[t]!;
    sxy += x * adjusted[t]!;
    sxx += x * x;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const intercept = (sy - slope * sx) / n;
  const line2 = adjusted.map((y, t) => 2 * y - (intercept + slope * (t + 1)));
  const { level } = fitSes(line2);
  const out: number[] = [];
  for (let h = 1; h <= horizon; h += 1) out.push(0.5 * level + 0.5 * (intercept + slope * (n + h)));
  return out;
}

export function theta(
  values: readonly number[],
  horizon: number,
  period = MONTHLY_PERIOD,
): number[] {
  const seasonal = seasonalIndicesFor(values, period);
  const adjusted = deseasonalise(values, seasonal);
  return reseasonalise(thetaDeseasonalised(adjusted, horizon), values.length, seasonal);
}
