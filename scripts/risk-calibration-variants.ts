/**
 * Recalibration variants of commitment risks, scored walk-forward on a backtest's raw cases
 * (issue 14 §1: ECE ≤ 0.03 at every elapsed point). First write every term's raw probabilities:
 *
 *   npm run cli -- insights:backtest --input ../shared/data/m3_monthly_wide.csv --history 48 \
 *     --horizon 12 --origins 5 --calibration-origins 0 --growth 0.05 --elapsed 0,3,6,9 \
 *     --recalibration none --json-out m3raw.json
 *
 * (the demo: `--demo --demo-months 84 [--demo-seed 7] --profile fast --error-model app`), then
 *
 *   npx tsx scripts/risk-calibration-variants.ts m3raw.json 3 1 [name prefix] [--json]
 *
 * Terms 0 … evaluated−1 are scored, each recalibrated only on the terms after it (ended before
 * its origin), with `calibration` more terms for fitting only: exactly `insights:backtest`'s
 * walk-forward protocol with `--origins <evaluated> --calibration-origins <calibration>` (the
 * `V1 isotonic` and `run-rate Platt` rows reproduce its figures). Prints Brier / gain over the
 * base rate / ECE per elapsed point; `--json` prints them as one object instead.
 *
 * The study and its figures: /work/notes/ece.md (session 11). V0–V6 were fixed before any target
 * set was scored; P*, S* and the first session's rows (E*) were added on the development sets;
 * `O oracle` is a diagnostic that peeks at each term's own base rate (not a method).
 */
import { readFileSync } from 'node:fs';
import {
  applyRecalibration,
  fitIsotonic,
  fitPlatt,
  fitRecalibration,
  logit,
  scoreProbabilities,
  sigmoid,
} from '../src/server/modules/insights/calibration';

type Case = {
  origin: number;
  elapsed: number;
  rawProbability: number;
  outcome: boolean;
  toDate: number;
  commitment: number;
};
/** x: raw probabilities, w: case weights, terms: how many earlier terms x comes from. */
type Fit = (x: number[], y: boolean[], w: number[], terms: number) => (p: number) => number;
/** fitTerms: a fit that sees each training case's term (`origin`; a larger one ended earlier). */
type Variant = {
  fit: Fit;
  equalTerms?: boolean;
  latestOnly?: boolean;
  fitTerms?: (train: Case[]) => (p: number) => number;
};

const clamp = (p: number) => Math.min(1 - 1e-4, Math.max(1e-4, p));

/** Weighted pool-adjacent-violators on the raw probability (ties pooled); n: cases per block. */
function weightedIsotonic(x: number[], y: boolean[], w: number[]) {
  const order = x.map((_, i) => i).sort((i, j) => x[i]! - x[j]!);
  const blocks: { x: number; sum: number; weight: number; n: number }[] = [];
  for (const i of order) {
    const top = blocks[blocks.length - 1];
    if (top && top.x === x[i]) {
      top.sum += y[i] ? w[i]! : 0;
      top.weight += w[i]!;
      top.n += 1;
    } else blocks.push({ x: x[i]!, sum: y[i] ? w[i]! : 0, weight: w[i]!, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.sum / prev.weight <= last.sum / last.weight) break;
      prev.sum += last.sum;
      prev.weight += last.weight;
      prev.n += last.n;
      prev.x = last.x;
      blocks.pop();
    }
  }
  return blocks;
}

/** The first block whose upper threshold is ≥ p (the last one beyond it). */
function blockAt(thresholds: number[], p: number): number {
  let lo = 0;
  let hi = thresholds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (thresholds[mid]! >= p) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Logistic regression on logit p with the intercept fixed at 0 (temperature scaling). */
function temperature(x: number[], y: boolean[], w: number[]): number {
  const z = x.map(logit);
  let a = 1;
  for (let it = 0; it < 100; it += 1) {
    let g = 0;
    let h = 1e-9;
    for (let i = 0; i < z.length; i += 1) {
      const p = sigmoid(a * z[i]!);
      g += w[i]! * (p - (y[i] ? 1 : 0)) * z[i]!;
      h += w[i]! * p * (1 - p) * z[i]! * z[i]!;
    }
    const step = g / h;
    a -= step;
    if (Math.abs(step) < 1e-10) break;
  }
  return a;
}

/** Beta calibration (Kull et al. 2017): logit p' = a·ln p − b·ln(1 − p) + c, damped Newton. */
function beta(x: number[], y: boolean[]): (p: number) => number {
  const row = (p: number) => {
    const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    return [Math.log(q), -Math.log(1 - q), 1];
  };
  const X = x.map(row);
  const loss = (v: number[]) =>
    X.reduce((s, r, i) => {
      const z = r[0]! * v[0]! + r[1]! * v[1]! + v[2]!;
      return s + (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] ? z : 0);
    }, 0);
  const det = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  let v = [1, 1, 0];
  for (let it = 0; it < 50; it += 1) {
    const g = [0, 0, 0];
    const H = [
      [1e-6, 0, 0],
      [0, 1e-6, 0],
      [0, 0, 1e-6],
    ];
    X.forEach((r, i) => {
      const p = sigmoid(r[0]! * v[0]! + r[1]! * v[1]! + v[2]!);
      const s = Math.max(p * (1 - p), 1e-12);
      for (let a = 0; a < 3; a += 1) {
        g[a]! += (p - (y[i] ? 1 : 0)) * r[a]!;
        for (let b = 0; b < 3; b += 1) H[a]![b]! += s * r[a]! * r[b]!;
      }
    });
    const D = det(H);
    const d = [0, 1, 2].map(
      (k) => det(H.map((hr, r) => hr.map((h, c) => (c === k ? g[r]! : h)))) / D,
    );
    const current = loss(v);
    let step = 1;
    while (step > 1e-6 && loss(v.map((q, k) => q - step * d[k]!)) > current) step /= 2;
    v = v.map((q, k) => q - step * d[k]!);
    if (step * (Math.abs(d[0]!) + Math.abs(d[1]!) + Math.abs(d[2]!)) < 1e-10) break;
  }
  return (p) => {
    const r = row(p);
    return sigmoid(r[0]! * v[0]! + r[1]! * v[1]! + v[2]!);
  };
}

const isotonic: Fit = (x, y) => {
  const m = fitIsotonic(x, y);
  return (p) => applyRecalibration(m, p);
};
const platt: Fit = (x, y) => {
  const m = fitPlatt(x.map(logit), y);
  return (p) => sigmoid(m.a * logit(p) + m.b);
};
const weightedIso: Fit = (x, y, w) => {
  const b = weightedIsotonic(x, y, w);
  const t = b.map((q) => q.x);
  return (p) => clamp(b[blockAt(t, p)]!.sum / b[blockAt(t, p)]!.weight);
};
const tempFit: Fit = (x, y, w) => {
  const a = temperature(x, y, w);
  return (p) => sigmoid(a * logit(p));
};
/** Each isotonic block's value shrunk towards the identity: n / (n + k) of it, n its cases. */
const isoToIdentity =
  (k: number): Fit =>
  (x, y, w) => {
    const b = weightedIsotonic(x, y, w);
    const t = b.map((q) => q.x);
    return (p) => {
      const q = b[blockAt(t, p)]!;
      const s = q.n / (q.n + k);
      return clamp(s * (q.sum / q.weight) + (1 - s) * p);
    };
  };
const mix =
  (wa: number, a: Fit, b: Fit): Fit =>
  (x, y, w, terms) => {
    const fa = a(x, y, w, terms);
    const fb = b(x, y, w, terms);
    return (p) => wa * fa(p) + (1 - wa) * fb(p);
  };
/** Each isotonic block shrunk towards Platt by its size: n / (n + k) isotonic. */
const isoToPlatt =
  (k: number): Fit =>
  (x, y) => {
    const m = fitIsotonic(x, y);
    const b = platt(x, y, [], 0);
    const counts = m.thresholds.map(() => 0);
    let block = 0;
    for (const v of [...x].sort((p, q) => p - q)) {
      while (m.thresholds[block]! < v) block += 1;
      counts[block]! += 1;
    }
    return (p) => {
      const at = blockAt(m.thresholds, p);
      const s = counts[at]! / (counts[at]! + k);
      return s * m.values[at]! + (1 - s) * b(p);
    };
  };
/** Equal-count bins of the raw probability, the observed rate each. */
const bins =
  (count: number): Fit =>
  (x, y) => {
    const order = x.map((_, i) => i).sort((i, j) => x[i]! - x[j]!);
    const edges: number[] = [];
    const values: number[] = [];
    const per = Math.ceil(order.length / count);
    for (let s = 0; s < order.length; s += per) {
      const part = order.slice(s, s + per);
      edges.push(x[part[part.length - 1]!]!);
      values.push(part.filter((i) => y[i]).length / part.length);
    }
    return (p) => values[blockAt(edges, p)]!;
  };

const VARIANTS: Record<string, Variant> = {
  'V0 raw': { fit: () => (p) => p },
  'V1 isotonic': { fit: isotonic },
  'V2 Platt a,b': { fit: platt },
  'V3 temperature': { fit: tempFit },
  'V4 iso→identity k=200': { fit: isoToIdentity(200) },
  // what the app ships since 2026-12-07: V4 made monotone from above (calibration.ts)
  'V4m shipped (app)': {
    fit: (x, y) => {
      const m = fitRecalibration('isotonic', x, y);
      return (p) => applyRecalibration(m, p);
    },
  },
  'V5 iso equal terms': { fit: weightedIso, equalTerms: true },
  'V6 temp equal terms': { fit: tempFit, equalTerms: true },
  'P1 blend iso/Platt 0.5': { fit: mix(0.5, isotonic, platt) },
  'P2 beta': { fit: (x, y) => beta(x, y) },
  'P3 Platt latest term': { fit: platt, latestOnly: true },
  'P4 iso latest term': { fit: isotonic, latestOnly: true },
  // the intercept (the level carried over) shrunk towards 0 by m / (m + 1), m earlier terms
  'P5 Platt level shrunk': {
    fit: (x, y, _w, terms) => {
      const m = fitPlatt(x.map(logit), y);
      const b = (m.b * terms) / (terms + 1);
      return (p) => sigmoid(m.a * logit(p) + b);
    },
  },
};
/**
 * I1 (session 13, fixed before it was scored): the shipped map with its k chosen by an inner
 * walk-forward — each k of the grid (1e9: the raw probability) fitted on the training terms but
 * the latest and scored by Brier on the latest, the best refitted on every training term; the
 * app's k while there is only one training term.
 */
const INNER_K = [0, 50, 100, 200, 400, 800, 1600, 3200, 1e9];
function shippedWith(x: number[], y: boolean[], k: number) {
  const m = fitRecalibration('isotonic', x, y, k);
  return (p: number) => applyRecalibration(m, p);
}
function innerK(train: Case[]): number {
  const latest = Math.min(...train.map((c) => c.origin));
  const inner = train.filter((c) => c.origin > latest);
  const check = train.filter((c) => c.origin === latest);
  if (inner.length < 50 || check.length === 0) return 200;
  let best = 200;
  let bestBrier = Infinity;
  for (const k of INNER_K) {
    const f = shippedWith(
      inner.map((c) => c.rawProbability),
      inner.map((c) => c.outcome),
      k,
    );
    const brier =
      check.reduce((s, c) => s + (f(c.rawProbability) - (c.outcome ? 1 : 0)) ** 2, 0) /
      check.length;
    if (brier < bestBrier - 1e-12) {
      bestBrier = brier;
      best = k;
    }
  }
  return best;
}
const chosenK: string[] = [];
VARIANTS['I1 shipped, inner k'] = {
  fit: () => (p) => p,
  fitTerms: (train) => {
    const k = innerK(train);
    chosenK.push(`${Math.min(...train.map((c) => c.origin)) - 1}:${k}`);
    return shippedWith(
      train.map((c) => c.rawProbability),
      train.map((c) => c.outcome),
      k,
    );
  },
};
for (const k of [50, 100, 400, 800, 1600, 3200])
  VARIANTS[`S iso→identity k=${k}`] = { fit: isoToIdentity(k) };
for (const v of [0.25, 0.5, 0.75])
  VARIANTS[`S raw/iso ${v}`] = { fit: mix(v, isotonic, () => (p) => p) };
VARIANTS['E blend iso/Platt 0.7'] = { fit: mix(0.7, isotonic, platt) };
for (const k of [50, 200, 500]) VARIANTS[`E iso→Platt k=${k}`] = { fit: isoToPlatt(k) };
for (const n of [10, 20]) VARIANTS[`E bins ${n}`] = { fit: bins(n) };

const args = process.argv.slice(2).filter((a) => a !== '--json');
const isJson = process.argv.includes('--json');
const [file, evaluatedArg, calibrationArg, only] = args;
if (!file)
  throw new Error(
    'usage: risk-calibration-variants.ts <report.json> [evaluated] [calibration-only] [prefix] [--json]',
  );
const evaluated = Number(evaluatedArg ?? 3);
const calibration = Number(calibrationArg ?? 1);
const report = JSON.parse(readFileSync(file, 'utf8')) as {
  cases: Case[];
  growth: number;
  horizon: number;
};
const cases = report.cases.filter((c) => c.origin < evaluated + calibration);

/** The run-rate projection's log ratio to the commitment (risk-backtest.ts). */
function runRateFeature(c: Case): number {
  const projection =
    c.elapsed > 0 ? (c.toDate * report.horizon) / c.elapsed : c.commitment / (1 + report.growth);
  return Math.max(-20, Math.min(20, Math.log((projection + 1e-9) / (c.commitment + 1e-9))));
}

type Row = Variant | 'run-rate' | 'oracle';
function walkForward(at: Case[], row: Row) {
  const values: number[] = [];
  const outcomes: boolean[] = [];
  for (let term = 0; term < evaluated; term += 1) {
    const isLatestOnly = typeof row === 'object' && row.latestOnly === true;
    const train = at.filter((c) => c.origin > term && (!isLatestOnly || c.origin === term + 1));
    const test = at.filter((c) => c.origin === term);
    if (test.length === 0) continue;
    const y = train.map((c) => c.outcome);
    if (row === 'run-rate') {
      const m = train.length >= 50 ? fitPlatt(train.map(runRateFeature), y) : null;
      for (const c of test) values.push(m ? sigmoid(m.a * runRateFeature(c) + m.b) : 0.5);
    } else if (row === 'oracle') {
      // not a method: the isotonic map shifted in logit to the term's own base rate
      const f = isotonic(
        train.map((c) => c.rawProbability),
        y,
        [],
        0,
      );
      const mapped = test.map((c) => f(c.rawProbability));
      const base = test.filter((c) => c.outcome).length / test.length;
      let lo = -5;
      let hi = 5;
      for (let i = 0; i < 60; i += 1) {
        const mid = (lo + hi) / 2;
        const mean = mapped.reduce((s, p) => s + sigmoid(logit(p) + mid), 0) / mapped.length;
        if (mean < base) lo = mid;
        else hi = mid;
      }
      values.push(...mapped.map((p) => sigmoid(logit(p) + lo)));
    } else if (row.fitTerms) {
      const f = train.length >= 50 ? row.fitTerms(train) : (p: number) => p;
      for (const c of test) values.push(f(c.rawProbability));
    } else {
      const counts = new Map<number, number>();
      for (const c of train) counts.set(c.origin, (counts.get(c.origin) ?? 0) + 1);
      const w = train.map((c) =>
        row.equalTerms ? train.length / counts.size / counts.get(c.origin)! : 1,
      );
      const f =
        train.length >= 50
          ? row.fit(
              train.map((c) => c.rawProbability),
              y,
              w,
              counts.size,
            )
          : (p: number) => p;
      for (const c of test) values.push(f(c.rawProbability));
    }
    outcomes.push(...test.map((c) => c.outcome));
  }
  return scoreProbabilities(values, outcomes);
}

const elapsed = [...new Set(cases.map((c) => c.elapsed))].sort((a, b) => a - b);
const rows: [string, Row][] = [
  ...Object.entries(VARIANTS).filter(([name]) => !only || name.startsWith(only)),
  ['run-rate Platt', 'run-rate'],
  ['O oracle (peeks)', 'oracle'],
];
const out: Record<string, { brier: number; gain: number; ece: number; cases: number }> = {};
if (!isJson) {
  console.log(`${file}: ${evaluated} evaluated + ${calibration} calibration-only terms`);
  console.log(
    `${'variant'.padEnd(26)}${elapsed.map((e) => `e=${e} Brier/gain/ECE`.padEnd(24)).join('')}`,
  );
}
for (const [name, row] of rows) {
  const cells = elapsed.map((e) => {
    const s = walkForward(
      cases.filter((c) => c.elapsed === e),
      row,
    );
    const gain = (100 * (s.baseRateBrier - s.brier)) / s.baseRateBrier;
    out[`${name}@${e}`] = { brier: s.brier, gain, ece: s.ece, cases: s.cases };
    return `${s.brier.toFixed(4)}/${gain.toFixed(1)}/${s.ece.toFixed(4)}`;
  });
  if (!isJson) console.log(`${name.padEnd(26)}${cells.map((c) => c.padEnd(24)).join('')}`);
}
if (isJson) console.log(JSON.stringify(out));
else if (chosenK.length > 0)
  console.log(`I1 inner k per elapsed point (term:k): ${chosenK.join(' ')}`);
