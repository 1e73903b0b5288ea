import {
  MONTHLY_PERIOD,
  deseasonalise,
  flatForecast,
  reseasonalise,
  seasonalIndicesFor,
  type SeasonalMethod,
} from './seasonality';

/**
 * Naive2, the M4 benchmark: the last value of the seasonally adjusted series (classical
 * multiplicative decomposition when the 90% autocorrelation test finds seasonality), reseasonalised.
 */
export const naive2: SeasonalMethod = (values, horizon, period = MONTHLY_PERIOD) => {
  const n = values.length;
  if (n === 0) return flatForecast(horizon, 0);
  const seasonal = seasonalIndicesFor(values, period);
  const adjusted = deseasonalise(values, seasonal);
  return reseasonalise(flatForecast(horizon, adjusted[n - 1]!), n, seasonal);
};
