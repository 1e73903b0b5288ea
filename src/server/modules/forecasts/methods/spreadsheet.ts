/**
 * The "spreadsheet method" many OEMs use, kept as a reference to beat: the same month last year
 * times year-to-date growth (this year's months so far over the same months last year).
 */

/**
 * @param ytdMonths how many months of the current calendar year the history ends with (1–12, e.g.
 * 3 when the last observation is March). Default 12: trailing-twelve-month growth.
 */
export function spreadsheetForecast(
  values: readonly number[],
  horizon: number,
  ytdMonths = 12,
): number[] {
  const n = values.length;
  if (n === 0) return new Array<number>(horizon).fill(0);
  if (n < 12) return new Array<number>(horizon).fill(values[n - 1]!);
  const k = Math.min(Math.max(1, Math.round(ytdMonths)), 12, n - 12);
  let thisYear = 0;
  let lastYear = 0;
  for (let i = n - k; i < n; i += 1) {
    thisYear += values[i]!;
    lastYear += values[i - 12]!;
  }
  const growth = lastYear > 0 && thisYear >= 0 ? thisYear / lastYear : 1;
  return Array.from({ length: horizon }, (_, h) => values[n - 12 + (h % 12)]! * growth);
}
