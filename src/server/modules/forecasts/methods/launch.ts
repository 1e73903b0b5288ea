/**
 * New model lines, forecast by analogy. A line that started selling in the last months has a
 * month or two of history, often a partial launch month: no statistical method can tell its level
 * from that. Its ramp-up is forecast from the network's earlier launches instead (forecasting by
 * analogy, as for new products): for each earlier launch with enough months behind it, the sales
 * of its months after the first `m` relative to its first `m` months; the median of those ratios
 * times the new line's first `m` months is the forecast (beyond an analogue's history, its last
 * 3 months' average). Without an earlier launch still selling: nothing (the statistical forecast
 * stands).
 */

/** A launch: at least this many months without a sale before the first one. */
export const LAUNCH_MIN_LEADING_ZEROS = 12;
/** Lines launched at most this many months before the end of the history are forecast by analogy. */
export const LAUNCH_RECENT_MONTHS = 6;
/** An analogue needs this many months after the new line's age. */
const ANALOGUE_MIN_EXTRA_MONTHS = 6;

/** The month of the first sale after ≥ 12 months without one (from the start), or undefined. */
export function launchMonth(total: readonly number[]): number | undefined {
  const first = total.findIndex((v) => v > 0);
  return first >= LAUNCH_MIN_LEADING_ZEROS ? first : undefined;
}

/**
 * For each recently launched line (index into `lineTotals`): multipliers per month ahead; the
 * forecast of a part of the line (a region) is its sales since launch × the multiplier.
 */
export function analogueLaunchMultipliers(
  lineTotals: readonly (readonly number[])[],
  horizon: number,
): Map<number, number[]> {
  const n = lineTotals[0]?.length ?? 0;
  const starts = lineTotals.map((total) => launchMonth(total));
  const out = new Map<number, number[]>();
  starts.forEach((start, line) => {
    if (start === undefined || n - start > LAUNCH_RECENT_MONTHS) return;
    const age = n - start;
    const ratios: number[][] = Array.from({ length: horizon }, () => []);
    starts.forEach((s, other) => {
      if (s === undefined || other === line || n - s < age + ANALOGUE_MIN_EXTRA_MONTHS) return;
      const total = lineTotals[other]!;
      let cumulative = 0;
      for (let t = s; t < s + age; t += 1) cumulative += total[t]!;
      if (!(cumulative > 0)) return;
      const steady = (total[n - 1]! + total[n - 2]! + total[n - 3]!) / 3;
      if (!(steady > 0)) return; // an analogue that stopped selling says nothing about a ramp-up
      for (let h = 0; h < horizon; h += 1) {
        const t = s + age + h;
        ratios[h]!.push((t < n ? total[t]! : steady) / cumulative);
      }
    });
    if (ratios[0]!.length === 0) return;
    out.set(
      line,
      ratios.map((r) => {
        const sorted = r.slice().sort((a, b) => a - b);
        const mid = Math.floor(sorted.length / 2);
        return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      }),
    );
  });
  return out;
}
