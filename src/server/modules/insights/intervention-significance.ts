/**
 * Is the value of interventions real? (issue 14 §2.) The comparison of performance.ts matches
 * each treated agreement exactly to the comparable agreements of its stratum (region × size band)
 * and reports the difference D = Σₛ nₛ (attainmentₛ(treated) − attainmentₛ(comparable)) / Σₛ nₛ,
 * nₛ the stratum's treated agreements, attainment = Σ actual ÷ Σ plan. Pure and deterministic.
 *
 * - **Stratified permutation test** of "interventions make no difference": within each stratum the
 *   treated and comparable labels are shuffled (the stratum keeps its counts, so the weights stay),
 *   D is recomputed, and the two-sided p-value is (1 + #{|D*| ≥ |D|}) / (1 + B), B permutations.
 * - **Stratified bootstrap 95 % interval** of D: within each stratum the treated and the comparable
 *   agreements are resampled with replacement, D recomputed; the 2.5 % and 97.5 % percentiles.
 * - Both run on a fixed seed (sfc32, demo/random.ts), so the same data give the same figures.
 * - Below MIN_PAIRS matched treated agreements (each a pair with its stratum's comparable
 *   agreements) or MIN_PAIRS comparable agreements, there is not enough data: no p-value, no
 *   interval.
 */
import { Random } from '../demo/random';

export const MIN_PAIRS = 10;
export const PERMUTATIONS = 2000;
export const BOOTSTRAP = 2000;
export const SIGNIFICANCE_SEED = 1402;

export type Outcome = { planned: number; actual: number };
export type MatchedStratum = { treated: readonly Outcome[]; control: readonly Outcome[] };

export type Significance = {
  method: string;
  /** Matched treated agreements (each paired with its stratum's comparable agreements). */
  pairs: number;
  comparableAgreements: number;
  minimumPairs: number;
  enoughData: boolean;
  /** Two-sided, stratified permutation test; null without enough data. */
  pValue: number | null;
  /** 95 % stratified bootstrap interval of the difference in attainment; null without enough data. */
  interval: { level: number; low: number; high: number } | null;
  permutations: number;
  seed: number;
};

const ratio = (list: readonly Outcome[]) => {
  let planned = 0;
  let actual = 0;
  for (const o of list) {
    planned += o.planned;
    actual += o.actual;
  }
  return planned > 0 ? actual / planned : 0;
};

/** D over the strata that have both sides (the weighted difference performance.ts reports). */
export function matchedDifference(strata: readonly MatchedStratum[]): number | null {
  let weight = 0;
  let sum = 0;
  for (const s of strata) {
    if (s.treated.length === 0 || s.control.length === 0) continue;
    weight += s.treated.length;
    sum += s.treated.length * (ratio(s.treated) - ratio(s.control));
  }
  return weight > 0 ? sum / weight : null;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function interventionSignificance(
  all: readonly MatchedStratum[],
  options: { seed?: number; permutations?: number; bootstrap?: number; minimumPairs?: number } = {},
): Significance {
  const seed = options.seed ?? SIGNIFICANCE_SEED;
  const permutations = options.permutations ?? PERMUTATIONS;
  const bootstrap = options.bootstrap ?? BOOTSTRAP;
  const minimumPairs = options.minimumPairs ?? MIN_PAIRS;
  const strata = all.filter((s) => s.treated.length > 0 && s.control.length > 0);
  const pairs = strata.reduce((n, s) => n + s.treated.length, 0);
  const comparableAgreements = strata.reduce((n, s) => n + s.control.length, 0);
  const base = {
    method: 'stratified permutation test (two-sided) and stratified bootstrap 95 % interval',
    pairs,
    comparableAgreements,
    minimumPairs,
    permutations,
    seed,
  };
  const observed = matchedDifference(strata);
  if (observed === null || pairs < minimumPairs || comparableAgreements < minimumPairs)
    return { ...base, enoughData: false, pValue: null, interval: null };

  const random = new Random(seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(random.next() * n));
  const attainment = (actual: number, planned: number) => (planned > 0 ? actual / planned : 0);
  const weight = pairs;

  // Permutation: shuffle each stratum's pooled outcomes, the first nₜ are "treated" (the rest's
  // sums are the stratum's totals less theirs).
  const pools = strata.map((s) => {
    const all = [...s.treated, ...s.control];
    return {
      nt: s.treated.length,
      planned: Float64Array.from(all, (o) => o.planned),
      actual: Float64Array.from(all, (o) => o.actual),
      totalPlanned: all.reduce((x, o) => x + o.planned, 0),
      totalActual: all.reduce((x, o) => x + o.actual, 0),
    };
  });
  let extreme = 0;
  const tolerance = 1e-12;
  for (let b = 0; b < permutations; b += 1) {
    let sum = 0;
    for (const pool of pools) {
      const n = pool.planned.length;
      let tp = 0;
      let ta = 0;
      // partial Fisher–Yates: the first nₜ places
      for (let i = 0; i < pool.nt; i += 1) {
        const j = i + pick(n - i);
        const p = pool.planned[j]!;
        const a = pool.actual[j]!;
        pool.planned[j] = pool.planned[i]!;
        pool.actual[j] = pool.actual[i]!;
        pool.planned[i] = p;
        pool.actual[i] = a;
        tp += p;
        ta += a;
      }
      sum +=
        pool.nt * (attainment(ta, tp) - attainment(pool.totalActual - ta, pool.totalPlanned - tp));
    }
    if (Math.abs(sum / weight) >= Math.abs(observed) - tolerance) extreme += 1;
  }
  const pValue = (1 + extreme) / (1 + permutations);

  // Bootstrap: resample each side of each stratum with replacement.
  const resampled = (list: readonly Outcome[]) => {
    let planned = 0;
    let actual = 0;
    for (let i = 0; i < list.length; i += 1) {
      const o = list[pick(list.length)]!;
      planned += o.planned;
      actual += o.actual;
    }
    return attainment(actual, planned);
  };
  const draws: number[] = [];
  for (let b = 0; b < bootstrap; b += 1) {
    let sum = 0;
    for (const s of strata) sum += s.treated.length * (resampled(s.treated) - resampled(s.control));
    draws.push(sum / weight);
  }
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.min(draws.length - 1, Math.floor(q * draws.length))]!;
  return {
    ...base,
    enoughData: true,
    pValue: round(pValue, 4),
    interval: { level: 0.95, low: round(at(0.025), 4), high: round(at(0.975), 4) },
  };
}
