/**
 * Pooling and reconciliation across related series (dealer → region → nation, or model line ×
 * region). A single dealer × model line series is short and noisy; its aggregate is not. These
 * helpers forecast an aggregate and split it by recent shares, and reconcile child forecasts so
 * they add up to their parent.
 *
 * Exact sums: floating-point sums of fractions are not exact, so splits are apportioned in integer
 * units of 10^-decimals (largest-remainder method). The children's units then add up exactly to
 * the parent's units, which is what a `numeric` column stores.
 */
import { MONTHLY_PERIOD, classicalSeasonalIndices } from './seasonality';

/** All series of one family share the same months: index t is the same calendar month everywhere. */
export type SeriesMatrix = readonly (readonly number[])[];

function assertAligned(children: SeriesMatrix): number {
  const length = children[0]?.length ?? 0;
  children.forEach((child, i) => {
    if (child.length !== length)
      throw new RangeError(`child ${i} has ${child.length} months, expected ${length}`);
  });
  return length;
}

/** Month-wise sum of aligned series. */
export function sumSeries(children: SeriesMatrix): number[] {
  const length = assertAligned(children);
  const out = new Array<number>(length).fill(0);
  for (const child of children) for (let t = 0; t < length; t += 1) out[t]! += child[t]!;
  return out;
}

/**
 * Each child's share of the family total over the last `window` months. If that total is zero,
 * the whole history is used; if still zero, equal shares. Negative totals count as zero.
 */
export function recentShares(children: SeriesMatrix, window = MONTHLY_PERIOD): number[] {
  const length = assertAligned(children);
  if (children.length === 0) return [];
  const totalsOver = (from: number) =>
    children.map((child) => {
      let sum = 0;
      for (let t = from; t < length; t += 1) sum += child[t]!;
      return Math.max(0, sum);
    });
  let totals = totalsOver(Math.max(0, length - window));
  let grand = totals.reduce((a, b) => a + b, 0);
  if (grand === 0) {
    totals = totalsOver(0);
    grand = totals.reduce((a, b) => a + b, 0);
  }
  if (grand === 0) return children.map(() => 1 / children.length);
  return totals.map((t) => t / grand);
}

/**
 * Splits an integer `total` into integers proportional to `weights` that add up to `total`
 * exactly (largest-remainder / Hamilton method; ties go to the earlier index). A negative total is
 * split as its absolute value and negated. Zero weights everywhere: equal weights.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (!Number.isInteger(total))
    throw new RangeError(`apportion needs an integer total, got ${total}`);
  if (weights.length === 0) {
    if (total !== 0) throw new RangeError('cannot apportion a non-zero total over no children');
    return [];
  }
  if (total < 0) return apportion(-total, weights).map((v) => (v === 0 ? 0 : -v));
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const weightSum = clean.reduce((a, b) => a + b, 0);
  const normalised =
    weightSum > 0 ? clean.map((w) => w / weightSum) : clean.map(() => 1 / clean.length);
  const exact = normalised.map((w) => w * total);
  const floors = exact.map((v) => Math.floor(v));
  let remaining = total - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((v, i) => ({ i, remainder: v - Math.floor(v) }))
    .sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (let k = 0; remaining > 0; k = (k + 1) % order.length) {
    floors[order[k]!.i]! += 1;
    remaining -= 1;
  }
  return floors;
}

export type SplitOptions = {
  /** Decimal places kept (default 3): sums are exact in units of 10^-decimals. */
  decimals?: number;
};

function unitsOf(decimals: number): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 9) {
    throw new RangeError(`decimals must be an integer from 0 to 9, got ${decimals}`);
  }
  return 10 ** decimals;
}

/** Rounds to `decimals` places (half away from zero), as the splits do. */
export function roundTo(value: number, decimals = 3): number {
  const units = unitsOf(decimals);
  return (Math.sign(value) * Math.round(Math.abs(value) * units)) / units;
}

/**
 * Splits each month of a parent forecast over children by fixed weights (e.g. `recentShares`).
 * Returns children × months; every month's children add up to the parent month (rounded to
 * `decimals`) exactly in units of 10^-decimals.
 */
export function splitByShares(
  parent: readonly number[],
  weights: readonly number[],
  options: SplitOptions = {},
): number[][] {
  return splitByMonthlyWeights(
    parent,
    parent.map(() => weights),
    options,
  );
}

/** As splitByShares, with different weights per month: weightsByMonth[h][child]. */
export function splitByMonthlyWeights(
  parent: readonly number[],
  weightsByMonth: readonly (readonly number[])[],
  options: SplitOptions = {},
): number[][] {
  const units = unitsOf(options.decimals ?? 3);
  const childCount = weightsByMonth[0]?.length ?? 0;
  const out: number[][] = Array.from({ length: childCount }, () => []);
  parent.forEach((value, h) => {
    const totalUnits = Math.sign(value) * Math.round(Math.abs(value) * units);
    const parts = apportion(totalUnits, weightsByMonth[h] ?? []);
    parts.forEach((part, i) => out[i]!.push(part / units));
  });
  return out;
}

/**
 * Proportional top-down reconciliation: scales the children's own forecasts month by month so
 * they add up to the parent forecast (the children's forecasts set the proportions). A month where
 * every child forecasts zero (or less) falls back to `fallbackShares` (default: equal shares).
 */
export function reconcileTopDown(
  parent: readonly number[],
  children: SeriesMatrix,
  options: SplitOptions & { fallbackShares?: readonly number[] } = {},
): number[][] {
  assertAligned(children);
  const fallback = options.fallbackShares ?? children.map(() => 1 / Math.max(1, children.length));
  const weightsByMonth = parent.map((_, h) => {
    const weights = children.map((child) => Math.max(0, child[h] ?? 0));
    return weights.some((w) => w > 0) ? weights : fallback;
  });
  return splitByMonthlyWeights(parent, weightsByMonth, options);
}

/** Bottom-up: the parent is the month-wise sum of the children (rounded to `decimals`). */
export function reconcileBottomUp(children: SeriesMatrix, options: SplitOptions = {}): number[] {
  const units = unitsOf(options.decimals ?? 3);
  const length = assertAligned(children);
  const out = new Array<number>(length).fill(0);
  for (let t = 0; t < length; t += 1) {
    let sumUnits = 0;
    for (const child of children)
      sumUnits += Math.sign(child[t]!) * Math.round(Math.abs(child[t]!) * units);
    out[t] = sumUnits / units;
  }
  return out;
}

export type MiddleOutInput = {
  /** Forecasts of the middle level (e.g. one per region), each over the same months. */
  middle: SeriesMatrix;
  /** For each middle node, its children's forecasts (e.g. the region's dealers). */
  children: readonly SeriesMatrix[];
};

export type MiddleOutResult = { top: number[]; middle: number[][]; children: number[][][] };

/**
 * Middle-out: the middle level is trusted (it is long and smooth enough to forecast well); the top
 * is its bottom-up sum and each middle node's children are reconciled top-down to it. All levels
 * add up exactly in units of 10^-decimals.
 */
export function reconcileMiddleOut(
  input: MiddleOutInput,
  options: SplitOptions = {},
): MiddleOutResult {
  if (input.middle.length !== input.children.length) {
    throw new RangeError(
      `${input.middle.length} middle nodes but ${input.children.length} child groups`,
    );
  }
  const decimals = options.decimals ?? 3;
  const middle = input.middle.map((m) => m.map((v) => roundTo(v, decimals)));
  const top = reconcileBottomUp(middle, { decimals });
  const children = middle.map((m, i) => reconcileTopDown(m, input.children[i]!, { decimals }));
  return { top, middle, children };
}

/**
 * Forecasts a family of aligned child series by forecasting their sum with `forecaster` and
 * splitting it by the children's recent shares (the pooled forecast for short or sparse series).
 */
export function forecastBySplit(
  children: SeriesMatrix,
  horizon: number,
  forecaster: (values: readonly number[], horizon: number) => number[],
  options: SplitOptions & { shareWindow?: number } = {},
): { parent: number[]; children: number[][] } {
  const parentHistory = sumSeries(children);
  const parent = forecaster(parentHistory, horizon).map((v) => roundTo(v, options.decimals ?? 3));
  const shares = recentShares(children, options.shareWindow ?? MONTHLY_PERIOD);
  return { parent, children: splitByShares(parent, shares, options) };
}

/**
 * Monthly seasonal factors (averaging 1) of an aggregate, aligned with its first observation, for
 * shaping sparse children's flat forecasts (`tsb(values, h, profile)`). Undefined when the
 * aggregate is shorter than two seasons or not strictly positive.
 */
export function seasonalProfileFrom(
  aggregate: readonly number[],
  period = MONTHLY_PERIOD,
): number[] | undefined {
  if (aggregate.length < 2 * period || !aggregate.every((v) => v > 0)) return undefined;
  return classicalSeasonalIndices(aggregate, period, 'multiplicative').indices;
}
