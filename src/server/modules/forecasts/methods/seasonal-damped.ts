import { dampedHoltForecast } from './exponential-smoothing';
import {
  MONTHLY_PERIOD,
  classicalSeasonalIndices,
  deseasonalise,
  reseasonalise,
} from './seasonality';

/**
 * Damped-trend Holt on a classically deseasonalised series, with the seasonal component always on
 * (multiplicative for a strictly positive series, additive otherwise) instead of gated by the
 * seasonality test. It plays the role MSTL+ETS plays in the combination (always seasonal, damped
 * trend) at a tenth of the cost, and adds diversity next to Theta.
 */
export function seasonalDamped(
  values: readonly number[],
  horizon: number,
  period = MONTHLY_PERIOD,
): number[] {
  const n = values.length;
  if (n < 2 * period) return dampedHoltForecast(values, horizon);
  const isPositive = values.every((v) => v > 0);
  const seasonal = classicalSeasonalIndices(
    values,
    period,
    isPositive ? 'multiplicative' : 'additive',
  );
  return reseasonalise(dampedHoltForecast(deseasonalise(values, seasonal), horizon), n, seasonal);
}
