/** Percentage changes of several forecast cells in whole vehicles (issue 13). */

/**
 * Whole vehicles after a percentage change of the picked cells taken together: the total moves
 * by the percentage (rounded once), and the whole units go to the cells by largest remainder, so
 * "+10 %" on a row of small numbers still adds the vehicles the row's total calls for.
 */
export function scaledAll(values: readonly number[], percent: number): number[] {
  const targets = values.map((v) => Math.max(0, v * (1 + percent / 100)));
  const total = Math.round(targets.reduce((s, t) => s + t, 0));
  const out = targets.map((t) => Math.floor(t));
  let left = total - out.reduce((s, v) => s + v, 0);
  const order = targets
    .map((t, i) => ({ i, rest: t - Math.floor(t) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left -= 1;
  }
  return out;
}

/**
 * The cells a percentage change writes: those whose new whole number differs from the stored
 * forecast (not from its display). A row of 4.52s shows 4.5 in every cell and 54 as its total
 * (gridUnits); "+10 %" makes every cell 5 and the total 60, which changes every stored cell
 * whatever the display shows. No change at 0 %.
 */
export function changedIndexes(
  values: readonly number[],
  next: readonly number[],
  percent: number,
): number[] {
  if (percent === 0) return [];
  return values.flatMap((v, i) => (next[i] !== v ? [i] : []));
}

/**
 * A forecast figure as the grid shows it, cells and totals alike: one decimal under 10 (a
 * forecast is a mean: a row of 4.52s shows 4.5 in each of its twelve cells and 54 as its total,
 * where whole numbers showed twelve 5s and 54), whole numbers from 10 up (a cell off by at most
 * 0.5 is under 5 % of it there). Totals are the stored values summed, then shown by the same rule,
 * so they stay the forecast's true total rather than a sum of rounded cells.
 */
export function gridUnits(value: number): string {
  const tenths = Math.round(value * 10) / 10;
  if (Math.abs(tenths) >= 10 || Number.isInteger(tenths))
    return Math.round(value).toLocaleString('en-US');
  return tenths.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
