import { MONTHLY_PERIOD } from './seasonality';

/**
 * Seasonal naive: each future month repeats the same month of the last observed season. A series
 * shorter than one season falls back to the last value (naive); an empty one forecasts zero.
 */
export function seasonalNaive(
  values: readonly number[],
  horizon: number,
  period = MONTHLY_PERIOD,
): number[] {
  const n = values.length;
  if (n === 0) return new Array<number>(horizon).fill(0);
  if (n < period) return new Array<number>(horizon).fill(values[n - 1]!);
  const out: number[] = [];
  for (let h = 0; h < horizon; h += 1) out.push(values[n - period + (h % period)]!);
  return out;
}
