import { MONTHLY_PERIOD, deseasonalise, reseasonalise, seasonalIndicesFor } from './seasonality';

/**
 * Naive2, the M4 benchmark: the last value of the seasonally adjusted series (classical
 * multiplicative decomposition when the 90% autocorrelation test finds seasonality), reseasonalised.
 */
export function naive2(
  values: readonly number[],
  horizon: number,
  period = MONTHLY_PERIOD,
): number[] {
  const n = values.length;
  if (n === 0) return new Array<number>(horizon).fill(0);
  const seasonal = seasonalIndicesFor(values, period);
  const adjusted = deseasonalise(values, seasonal);
  return reseasonalise(new Array<number>(horizon).fill(adjusted[n - 1]!), n, seasonal);
}
