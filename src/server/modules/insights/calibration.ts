/**
 * Recalibration of probabilities and the scores that say whether they mean what they say.
 *
 * - Platt scaling: p' = σ(a · x + b), fitted by Newton's method on the log loss (x = logit of the
 *   raw probability, or any single feature such as the log ratio of a run-rate projection to the
 *   commitment). A light ridge keeps it defined when the feature does not vary.
 * - Isotonic regression (pool-adjacent-violators), a monotone step function of the raw
 *   probability.
 * - Brier, log loss and the expected calibration error over 10 equal-width bins.
 */

export type PlattModel = { kind: 'platt'; a: number; b: number };
export type IsotonicModel = { kind: 'isotonic'; thresholds: number[]; values: number[] };
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
  };
}

/** Applies a recalibration to a raw probability (Platt: to its logit). */
export function applyRecalibration(model: Recalibration, raw: number): number {
  if (model.kind === 'platt') return sigmoid(model.a * logit(raw) + model.b);
  const { thresholds, values } = model;
  if (thresholds.length === 0) return raw;
  // The block whose upper end is the first ≥ raw (the step function is right-continuous).
  let low = 0;
  let high = thresholds.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (thresholds[mid]! >= raw) high = mid;
    else low = mid + 1;
  }
  return Math.min(1 - 1e-4, Math.max(1e-4, values[low]!));
}

export function fitRecalibration(
  kind: Recalibration['kind'],
  raw: readonly number[],
  outcomes: readonly boolean[],
): Recalibration {
  return kind === 'platt'
    ? fitPlatt(
        raw.map((p) => logit(p)),
        outcomes,
      )
    : fitIsotonic(raw, outcomes);
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
