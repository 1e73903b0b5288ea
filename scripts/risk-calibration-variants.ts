/**
 * Recalibration variants of commitment risks, scored walk-forward on a backtest's raw cases
 * (issue 14 §1: ECE ≤ 0.03 at every elapsed point). First write every term's raw probabilities:
 *
 *   npm run cli -- insights:backtest --input ../shared/data/m3_monthly_wide.csv --history 48 \
 *     --horizon 12 --origins 4 --calibration-origins 0 --growth 0.05 --elapsed 0,3,6,9 \
 *     --recalibration none --json-out m3raw.json
 *
 * (the demo: `--demo --demo-months 84 --profile fast --error-model app --origins 5`), then
 *
 *   npx tsx scripts/risk-calibration-variants.ts m3raw.json 3    # 3 evaluated terms
 *
 * Terms 0 … evaluated−1 are scored, each recalibrated only on the terms after it (ended before
 * its origin), exactly as `insights:backtest`'s walk-forward protocol with `--calibration-origins`
 * = the rest: the `isotonic` row reproduces its figures. Prints Brier / gain over the base rate /
 * ECE per elapsed point.
 */
import { readFileSync } from 'node:fs';
import {
  applyRecalibration,
  fitIsotonic,
  fitPlatt,
  logit,
  scoreProbabilities,
  sigmoid,
  walkForward,
} from '../src/server/modules/insights/calibration';

type Case = { origin: number; elapsed: number; rawProbability: number; outcome: boolean };
type Fit = (x: number[], y: boolean[]) => (p: number) => number;

const isotonic: Fit = (x, y) => {
  const m = fitIsotonic(x, y);
  return (p) => applyRecalibration(m, p);
};
const platt: Fit = (x, y) => {
  const m = fitPlatt(x.map(logit), y);
  return (p) => sigmoid(m.a * logit(p) + m.b);
};
/** w × isotonic + (1 − w) × Platt. */
const blend =
  (w: number): Fit =>
  (x, y) => {
    const a = isotonic(x, y);
    const b = platt(x, y);
    return (p) => w * a(p) + (1 - w) * b(p);
  };
/** Each isotonic block shrunk towards Platt by its size: n / (n + k) isotonic. */
const shrunk =
  (k: number): Fit =>
  (x, y) => {
    const m = fitIsotonic(x, y);
    const b = platt(x, y);
    const counts = m.thresholds.map(() => 0);
    let block = 0;
    for (const v of [...x].sort((p, q) => p - q)) {
      while (m.thresholds[block]! < v) block += 1;
      counts[block]! += 1;
    }
    return (p) => {
      let at = 0;
      while (at < m.thresholds.length - 1 && m.thresholds[at]! < p) at += 1;
      const w = counts[at]! / (counts[at]! + k);
      return w * m.values[at]! + (1 - w) * b(p);
    };
  };
/** Equal-count bins of the raw probability (a minimum count per bin), the observed rate each. */
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
    return (p) => {
      let k = 0;
      while (k < edges.length - 1 && edges[k]! < p) k += 1;
      return values[k]!;
    };
  };

const VARIANTS: Record<string, Fit> = {
  isotonic,
  platt,
  'blend 0.5': blend(0.5),
  'blend 0.7': blend(0.7),
  'shrunk k=50': shrunk(50),
  'shrunk k=200': shrunk(200),
  'shrunk k=500': shrunk(500),
  'bins 10': bins(10),
  'bins 20': bins(20),
};

const [file, evaluatedArg] = process.argv.slice(2);
if (!file) throw new Error('usage: risk-calibration-variants.ts <report.json> [evaluated terms]');
const evaluated = Number(evaluatedArg ?? 3);
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] };
const elapsed = [...new Set(cases.map((c) => c.elapsed))].sort((a, b) => a - b);
console.log(`variant        ${elapsed.map((e) => `elapsed ${e}: Brier/gain/ECE`).join('  ')}`);
for (const [name, fit] of Object.entries(VARIANTS)) {
  const cells = elapsed.map((e) => {
    const at = cases.filter((c) => c.elapsed === e);
    const isScored = at.map((c) => c.origin < evaluated);
    const outcomes = at.map((c) => c.outcome);
    const wf = walkForward(
      at.map((c) => c.origin),
      isScored,
      at.map((c) => c.rawProbability),
      outcomes,
      fit,
      (p) => p,
    );
    const pick = <T>(values: T[]) => values.filter((_, i) => isScored[i]);
    const s = scoreProbabilities(pick(wf.values), pick(outcomes));
    const gain = (100 * (s.baseRateBrier - s.brier)) / s.baseRateBrier;
    return `${s.brier.toFixed(4)}/${gain.toFixed(1)}%/${s.ece.toFixed(4)}`;
  });
  console.log(`${name.padEnd(14)} ${cells.join('  ')}`);
}
