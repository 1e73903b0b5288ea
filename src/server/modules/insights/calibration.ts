/**
 * Recalibration of probabilities and the scores that say whether they mean what they say.
 *
 * - Platt scaling: p' = σ(a · x + b), fitted by Newton's method on the log loss (x = logit of the
 *   raw probability, or any single feature such as the log ratio of a run-rate projection to the
 *   commitment). A light ridge keeps it defined when the feature does not vary.
 * - Isotonic regression (pool-adjacent-violators), a monotone step function of the raw
 *   probability; the app's map shrinks each step toward the identity by its number of cases
 *   (`fitShrunkIsotonic`, issue 14 §1, session 11).
 * - Brier, log loss and the expected calibration error over 10 equal-width bins.
 */

export type PlattModel = { kind: 'platt'; a: number; b: number };
/**
 * An isotonic map: `thresholds` are the blocks' upper raw probabilities (rising strictly),
 * `values` their observed rates. With `counts` (cases per block) and `shrinkage` (k), each block
 * is shrunk toward the identity (`fitShrunkIsotonic`); without them (maps stored before
 * 2026-12-07, the run-rate feature's maps) it is the plain step function.
 */
export type IsotonicModel = {
  kind: 'isotonic';
  thresholds: number[];
  values: number[];
  counts?: number[];
  shrinkage?: number;
};
export type Recalibration = PlattModel | IsotonicModel;

const EPSILON = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return Math.log(q / (1 - q));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function plattLoss(
  features: readonly number[],
  outcomes: readonly boolean[],
  a: number,
  b: number,
  ridge: number,
): number {
  let loss = 0.5 * ridge * a * a;
  for (let i = 0; i < features.length; i += 1) {
    const z = a * features[i]! + b;
    // log(1 + e^z) − y·z, computed stably.
    loss +=
      (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (outcomes[i] ? z : 0);
  }
  return loss;
}

/** Logistic regression of the outcomes on one feature (Newton–Raphson, ridge 1e-6 on a). */
export function fitPlatt(features: readonly number[], outcomes: readonly boolean[]): PlattModel {
  let a = 1;
  let b = 0;
  const n = features.length;
  if (n === 0) return { kind: 'platt', a: 0, b: 0 };
  const ridge = 1e-6 * n;
  for (let iteration = 0; iteration < 50; iteration += 1) {
    let ga = ridge * a;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < n; i += 1) {
      const x = features[i]!;
      const p = sigmoid(a * x + b);
      const residual = p - (outcomes[i] ? 1 : 0);
      const w = Math.max(p * (1 - p), 1e-12);
      ga += residual * x;
      gb += residual;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Backtracking: Newton steps can overshoot when the classes are nearly separable.
    const current = plattLoss(features, outcomes, a, b, ridge);
    let step = 1;
    while (
      step > 1e-6 &&
      plattLoss(features, outcomes, a - step * da, b - step * db, ridge) > current
    )
      step /= 2;
    a -= step * da;
    b -= step * db;
    if (step * (Math.abs(da) + Math.abs(db)) < 1e-10) break;
  }
  return { kind: 'platt', a, b };
}

/**
 * Isotonic (non-decreasing) regression of the outcomes on the raw probabilities; its thresholds
 * rise strictly (ties pooled first).
 */
export function fitIsotonic(raw: readonly number[], outcomes: readonly boolean[]): IsotonicModel {
  const { thresholds, values } = fitShrunkIsotonic(raw, outcomes, 0);
  return { kind: 'isotonic', thresholds, values };
}

/**
 * Cases a block needs to count half toward its observed rate (k in w = n / (n + k)). Chosen on
 * the demo's development seeds 7–13 before any target run was scored (/work/notes/ece.md, the
 * study `scripts/risk-calibration-variants.ts`, variant V4).
 */
export const ISOTONIC_SHRINKAGE = 200;

/**
 * The app's recalibration map: isotonic regression with each block shrunk toward the identity by
 * its number of cases n — a raw probability p in the block maps to w · rate + (1 − w) · p with
 * w = n / (n + shrinkage), so a block of a few cases barely moves p and a block of thousands
 * gives its observed rate (shrinkage 0: the plain isotonic map). Monotone through
 * `applyRecalibration` (see there). Returns the blocks' counts and the shrinkage with the map,
 * so a stored map applies exactly as fitted.
 */
export function fitShrunkIsotonic(
  raw: readonly number[],
  outcomes: readonly boolean[],
  shrinkage = ISOTONIC_SHRINKAGE,
): IsotonicModel {
  const order = raw.map((_, i) => i).sort((i, j) => raw[i]! - raw[j]!);
  const blocks: { x: number; sum: number; weight: number }[] = [];
  for (const i of order) {
    const top = blocks[blocks.length - 1];
    // tied raw probabilities are one point (their mean): the map has one value per threshold
    if (top && top.x === raw[i]) {
      top.sum += outcomes[i] ? 1 : 0;
      top.weight += 1;
    } else blocks.push({ x: raw[i]!, sum: outcomes[i] ? 1 : 0, weight: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const previous = blocks[blocks.length - 2]!;
      if (previous.sum / previous.weight <= last.sum / last.weight) break;
      previous.sum += last.sum;
      previous.weight += last.weight;
      previous.x = last.x;
      blocks.pop();
    }
  }
  return {
    kind: 'isotonic',
    thresholds: blocks.map((b) => b.x),
    values: blocks.map((b) => b.sum / b.weight),
    counts: blocks.map((b) => b.weight),
    shrinkage,
  };
}

/** A block's value at p: its rate, shrunk toward p by its cases when the map has counts. */
function blockValue(model: IsotonicModel, block: number, p: number): number {
  const n = model.counts?.[block];
  if (n === undefined || model.shrinkage === undefined) return model.values[block]!;
  const w = n + model.shrinkage > 0 ? n / (n + model.shrinkage) : 1;
  return w * model.values[block]! + (1 - w) * p;
}

/**
 * Applies a recalibration to a raw probability (Platt: to its logit). A shrunk isotonic map is
 * made monotone from above: the block's value at p, or the lowest value the map takes at a
 * higher raw probability (the next blocks' lower ends) when that is lower. Without it a small
 * block next to a large one could rank a higher raw probability below a lower one (the shrunk
 * map alone dropped by up to 0.07 on the demo's fits); the envelope was chosen over the one from
 * below on the development seeds (mean elapsed-0 ECE 0.0401 against 0.0421; the unmonotone map
 * 0.0402).
 */
export function applyRecalibration(model: Recalibration, raw: number): number {
  if (model.kind === 'platt') return sigmoid(model.a * logit(raw) + model.b);
  const { thresholds } = model;
  if (thresholds.length === 0) return raw;
  // The block whose upper end is the first ≥ raw (the step function is right-continuous).
  let low = 0;
  let high = thresholds.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (thresholds[mid]! >= raw) high = mid;
    else low = mid + 1;
  }
  let value = blockValue(model, low, raw);
  if (model.counts && model.shrinkage !== undefined)
    for (let block = low + 1; block < thresholds.length; block += 1)
      value = Math.min(value, blockValue(model, block, thresholds[block - 1]!));
  return Math.min(1 - 1e-4, Math.max(1e-4, value));
}

/** The recalibration of raw probabilities: Platt on their logit, or the app's shrunk isotonic map. */
export function fitRecalibration(
  kind: Recalibration['kind'],
  raw: readonly number[],
  outcomes: readonly boolean[],
  shrinkage = ISOTONIC_SHRINKAGE,
): Recalibration {
  return kind === 'platt'
    ? fitPlatt(
        raw.map((p) => logit(p)),
        outcomes,
      )
    : fitShrunkIsotonic(raw, outcomes, shrinkage);
}

export type ProbabilityScores = {
  cases: number;
  /** Share of cases that reached the commitment. */
  baseRate: number;
  brier: number;
  /** Brier of always predicting the base rate. */
  baseRateBrier: number;
  logLoss: number;
  /** Expected calibration error, 10 equal-width bins, weighted by cases. */
  ece: number;
};

export type ReliabilityBin = {
  from: number;
  to: number;
  cases: number;
  meanProbability: number;
  observed: number;
};

/** Reliability table: 10 equal-width bins of the predicted probability. */
export function reliabilityBins(
  probabilities: readonly number[],
  outcomes: readonly boolean[],
  bins = 10,
): ReliabilityBin[] {
  const table = Array.from({ length: bins }, (_, k) => ({
    from: k / bins,
    to: (k + 1) / bins,
    cases: 0,
    sumP: 0,
    hits: 0,
  }));
  probabilities.forEach((p, i) => {
    const k = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    const bin = table[k]!;
    bin.cases += 1;
    bin.sumP += p;
    if (outcomes[i]) bin.hits += 1;
  });
  return table.map((b) => ({
    from: b.from,
    to: b.to,
    cases: b.cases,
    meanProbability: b.cases > 0 ? b.sumP / b.cases : Number.NaN,
    observed: b.cases > 0 ? b.hits / b.cases : Number.NaN,
  }));
}

export function scoreProbabilities(
  probabilities: readonly number[],
  outcomes: readonly boolean[],
): ProbabilityScores {
  const n = probabilities.length;
  if (n === 0)
    return {
      cases: 0,
      baseRate: Number.NaN,
      brier: Number.NaN,
      baseRateBrier: Number.NaN,
      logLoss: Number.NaN,
      ece: Number.NaN,
    };
  let hits = 0;
  let brier = 0;
  let logLoss = 0;
  probabilities.forEach((p, i) => {
    const y = outcomes[i] ? 1 : 0;
    hits += y;
    brier += (p - y) ** 2;
    const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
    logLoss -= y === 1 ? Math.log(q) : Math.log(1 - q);
  });
  const baseRate = hits / n;
  const ece = reliabilityBins(probabilities, outcomes).reduce(
    (sum, b) =>
      b.cases > 0 ? sum + (b.cases / n) * Math.abs(b.meanProbability - b.observed) : sum,
    0,
  );
  return {
    cases: n,
    baseRate,
    brier: brier / n,
    baseRateBrier: baseRate * (1 - baseRate),
    logLoss: logLoss / n,
    ece,
  };
}

/** Stable fold of a key (FNV-1a), for cross-fitting by series. */
export function foldOf(key: string, folds: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % folds;
}

/**
 * Cross-fitted recalibration: each case is recalibrated by a model fitted on the cases of the
 * other folds only (folds by group, e.g. by series, so a series never calibrates itself).
 */
export function crossFit(
  groups: readonly string[],
  features: readonly number[],
  outcomes: readonly boolean[],
  fit: (features: number[], outcomes: boolean[]) => (feature: number) => number,
  folds = 5,
): number[] {
  const fold = groups.map((g) => foldOf(g, folds));
  const out = new Array<number>(features.length).fill(Number.NaN);
  for (let f = 0; f < folds; f += 1) {
    const trainX: number[] = [];
    const trainY: boolean[] = [];
    fold.forEach((k, i) => {
      if (k !== f) {
        trainX.push(features[i]!);
        trainY.push(outcomes[i]!);
      }
    });
    const model = fit(trainX, trainY);
    fold.forEach((k, i) => {
      if (k === f) out[i] = model(features[i]!);
    });
  }
  return out;
}

/**
 * Walk-forward recalibration: each case is recalibrated by a model fitted only on the cases of
 * earlier terms. `terms[i]` is the case's term index counted back from the latest (0 = the latest
 * term; a larger index ended earlier), so a case of term k is recalibrated on every case of the
 * terms k + 1, k + 2, … — outcomes all known at the case's origin, as in production, where the
 * app can only recalibrate on terms that have ended. Cases whose term has fewer than `minCases`
 * earlier cases get `fallback` (the raw feature's own mapping, e.g. the identity) and are counted
 * in `uncalibrated`. Only the cases with `isEvaluated[i]` are returned a value (NaN otherwise).
 */
export function walkForward(
  terms: readonly number[],
  isEvaluated: readonly boolean[],
  features: readonly number[],
  outcomes: readonly boolean[],
  fit: (features: number[], outcomes: boolean[]) => (feature: number) => number,
  fallback: (feature: number) => number,
  minCases = 50,
): { values: number[]; uncalibrated: number } {
  const out = new Array<number>(features.length).fill(Number.NaN);
  let uncalibrated = 0;
  const evaluatedTerms = [...new Set(terms.filter((_, i) => isEvaluated[i]))];
  for (const term of evaluatedTerms) {
    const trainX: number[] = [];
    const trainY: boolean[] = [];
    terms.forEach((k, i) => {
      if (k > term) {
        trainX.push(features[i]!);
        trainY.push(outcomes[i]!);
      }
    });
    const model = trainX.length >= minCases ? fit(trainX, trainY) : undefined;
    terms.forEach((k, i) => {
      if (k !== term || !isEvaluated[i]) return;
      if (model) out[i] = model(features[i]!);
      else {
        out[i] = fallback(features[i]!);
        uncalibrated += 1;
      }
    });
  }
  return { values: out, uncalibrated };
}
