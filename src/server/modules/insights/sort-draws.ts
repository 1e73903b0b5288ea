/**
 * Sorting the simulated draws of a remaining total (risk-model.ts `sortedRemaining`): the nightly
 * run sorts one array of 1,000 draws per agreement line and per distinct tier history, so the
 * sort is its own hot path, kept here with its scratch arrays.
 */

/** Scratch of `sortDraws` (one thread; reused so that a network run allocates none per call). */
let bucketStarts = new Int32Array(0);
let bucketOf = new Int32Array(0);
let placed = new Float64Array(0);

/**
 * Sorts draws in place, ascending, to exactly the array `values.sort()` gives, in a third of its
 * time on the draws of a commitment (the nightly run sorts one array of 1,000 per agreement and
 * line). A bucket sort: each value goes to one of n buckets spread evenly between the smallest
 * and the largest, the buckets are laid out in order, and one insertion pass orders each bucket.
 * Where the values crowd into few buckets (a heavy tail), the insertion pass would take long:
 * past 8 moves per value it stops and the native sort finishes. NaN or −0 (never drawn: the
 * draws are sums of non-negative months or finite numbers) go straight to the native sort, whose
 * order for them a comparison of values would not keep.
 */
export function sortDraws(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 32) return values.sort();
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += 1) {
    const v = values[i]!;
    if (Number.isNaN(v) || Object.is(v, -0)) return values.sort();
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = max - min;
  const perBucket = (n - 1) / width;
  // all equal, or a spread too small or too large to divide (denormal, infinite)
  if (!(width > 0) || !Number.isFinite(width) || !Number.isFinite(perBucket)) return values.sort();
  if (placed.length < n) {
    bucketStarts = new Int32Array(n + 1);
    bucketOf = new Int32Array(n);
    placed = new Float64Array(n);
  } else bucketStarts.fill(0, 0, n + 1);
  for (let i = 0; i < n; i += 1) {
    const b = Math.min(n - 1, Math.floor((values[i]! - min) * perBucket));
    bucketOf[i] = b;
    bucketStarts[b + 1]! += 1;
  }
  for (let b = 1; b <= n; b += 1) bucketStarts[b]! += bucketStarts[b - 1]!;
  for (let i = 0; i < n; i += 1) placed[bucketStarts[bucketOf[i]!]!++] = values[i]!;
  let moves = 8 * n;
  for (let i = 1; i < n; i += 1) {
    const v = placed[i]!;
    let j = i - 1;
    while (j >= 0 && placed[j]! > v) {
      placed[j + 1] = placed[j]!;
      j -= 1;
      moves -= 1;
    }
    placed[j + 1] = v;
    if (moves < 0) {
      values.set(placed.subarray(0, n));
      return values.sort();
    }
  }
  values.set(placed.subarray(0, n));
  return values;
}
