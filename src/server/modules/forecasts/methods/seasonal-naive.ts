import { MONTHLY_PERIOD, flatForecast, type SeasonalMethod } from './seasonality';

/**
 * Seasonal naive: each future month repeats the same month of the last observed season. A series
 * shorter than one season falls back to the last value (naive); an empty one forecasts zero.
 */
export const seasonalNaive: SeasonalMethod = (values, horizon, period = MONTHLY_PERIOD) => {
  const n = values.length;
  if (n === 0) return flatForecast(horizon, 0);
  if (n < period) return flatForecast(horizon, values[n - 1]!);
  const out: number[] = [];
  for (let h = 0; h < horizon; h += 1) out.push(values[n - period + (h % period)]!);
  return out;
};
