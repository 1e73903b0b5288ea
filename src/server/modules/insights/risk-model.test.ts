import { describe, expect, it } from 'vitest';
import { seededRandom } from '../forecasts/backtest/synthetic';
import { DEFAULT_CALIBRATIONS } from '../forecasts/methods/default-calibration';
import {
  applyRecalibration,
  crossFit,
  walkForward,
  fitIsotonic,
  fitPlatt,
  scoreProbabilities,
  sigmoid,
} from './calibration';
import {
  commitmentRisk,
  fitErrorModel,
  normalCdf,
  normalQuantile,
  simulateRemaining,
} from './risk-model';
import { sortDraws } from './sort-draws';
import { runRiskBacktest } from './risk-backtest';
import { assessCommitment } from './assess';

const model = (rho: number) => ({
  calibration: DEFAULT_CALIBRATIONS.regular,
  correlation: Array.from({ length: 12 }, (_, i) => (i === 0 ? 0 : rho)),
});

describe('risk model', () => {
  it('inverts the normal distribution', () => {
    for (const p of [0.001, 0.02, 0.3, 0.5, 0.9, 0.999])
      expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });

  it('is deterministic and monotone in the units already reached', () => {
    const input = {
      commitment: 120,
      forecast: new Array<number>(9).fill(10),
      scale: 3,
      errorModel: model(0.4),
    };
    const a = commitmentRisk({ ...input, toDate: 25 });
    expect(commitmentRisk({ ...input, toDate: 25 })).toEqual(a);
    const b = commitmentRisk({ ...input, toDate: 35 });
    expect(b.probability).toBeGreaterThan(a.probability);
    expect(a.lower80).toBeLessThan(a.expected);
    expect(a.upper80).toBeGreaterThan(a.expected);
    expect(a.expectedShortfall).toBeGreaterThan(b.expectedShortfall);
  });

  it('widens the remaining total when the months are correlated', () => {
    const spread = (rho: number) => {
      const draws = simulateRemaining({
        forecast: new Array<number>(12).fill(100),
        scale: 10,
        errorModel: model(rho),
        draws: 4000,
      });
      const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
      return Math.sqrt(draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length);
    };
    expect(spread(0.6)).toBeGreaterThan(1.8 * spread(0));
  });

  it('simulates into the shared scratch the draws it returns fresh', () => {
    const input = { forecast: [4, 0.5, 9, 2], scale: 2, errorModel: model(0.3) };
    const fresh = simulateRemaining(input);
    const scratch = simulateRemaining(input, true);
    expect(Array.from(scratch)).toEqual(Array.from(fresh));
    // a share of 1 in every month is no share at all; a later scratch call overwrites the array
    expect(Array.from(simulateRemaining({ ...input, keep: [1, 1, 1, 1] }))).toEqual(
      Array.from(fresh),
    );
    simulateRemaining({ ...input, forecast: [0, 0, 0, 0], scale: 0 }, true);
    expect(scratch.every((v) => v === 0)).toBe(true);
    // the months after an end of sale add nothing: the draws fall by at least the ended means
    const ended = simulateRemaining({ ...input, keep: [1, 1, 0, 0] });
    expect(ended.every((v, d) => v <= fresh[d]!)).toBe(true);
  });

  it('sorts draws to exactly the native sort, whatever their shape', () => {
    const random = seededRandom(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const shapes: Record<string, () => number> = {
      spread: () => 50 + 10 * normal(),
      'clamped at zero': () => Math.max(0, 1 + 2 * normal()),
      'whole units with ties': () => Math.round(Math.max(0, 3 + 3 * normal())),
      'heavy tail (the native sort finishes)': () => Math.exp(3 * normal()),
      'one outlier': () => (random() < 0.001 ? 1e9 : random()),
      'all equal': () => 4,
      'a denormal spread': () => (random() < 0.5 ? 0 : 5e-324),
      'an infinite spread': () => (random() < 0.5 ? -1e308 : 1e308),
    };
    for (const [shape, draw] of Object.entries(shapes)) {
      for (const n of [0, 1, 31, 32, 1000, 1500]) {
        const values = Float64Array.from({ length: n }, draw);
        const expected = values.slice().sort();
        expect(sortDraws(values), `${shape}, ${n}`).toEqual(expected);
      }
    }
    // NaN and −0, never drawn, keep the native order (NaN last, −0 before +0)
    for (const odd of [
      [3, Number.NaN, 1, 2],
      [0, -0, 1, -0],
    ]) {
      const values = Float64Array.from({ length: 64 }, (_, i) => odd[i % 4]!);
      expect(sortDraws(values.slice())).toEqual(values.slice().sort());
    }
  });

  it('estimates the copula correlation from windows that share a level error', () => {
    const random = seededRandom(3);
    const windows = Array.from({ length: 400 }, () => {
      const shift = (random() - 0.5) * 40;
      const history = Array.from(
        { length: 36 },
        (_, t) => 100 + 10 * Math.sin(t) + (random() - 0.5) * 10,
      );
      return {
        history,
        forecast: new Array<number>(12).fill(100),
        actual: Array.from({ length: 12 }, () => 100 + shift + (random() - 0.5) * 20),
      };
    });
    const fitted = fitErrorModel(windows, 12);
    // Var(shift) = 133, Var(noise) = 33: ρ ≈ 0.8.
    expect(fitted.correlation[11]).toBeGreaterThan(0.6);
    expect(fitted.correlation[11]).toBeLessThan(0.95);
  });
});

describe('recalibration', () => {
  it('recovers a logistic relation and keeps isotonic fits monotone', () => {
    const random = seededRandom(11);
    const x = Array.from({ length: 4000 }, () => (random() - 0.5) * 8);
    const y = x.map((v) => random() < sigmoid(1.5 * v - 0.5));
    const platt = fitPlatt(x, y);
    expect(platt.a).toBeCloseTo(1.5, 0);
    expect(platt.b).toBeCloseTo(-0.5, 0);
    const raw = x.map((v) => sigmoid(v));
    const iso = fitIsotonic(raw, y);
    for (let i = 1; i < iso.values.length; i += 1)
      expect(iso.values[i]!).toBeGreaterThanOrEqual(iso.values[i - 1]!);
    expect(applyRecalibration(iso, 0.001)).toBeLessThan(applyRecalibration(iso, 0.999));
  });

  it('cross-fits by group and scores honestly (a miscalibrated model has a larger ECE)', () => {
    const random = seededRandom(5);
    const truth = Array.from({ length: 3000 }, () => random());
    const outcomes = truth.map((p) => random() < p);
    const overconfident = truth.map((p) => sigmoid(3 * Math.log(p / (1 - p))));
    const groups = truth.map((_, i) => `s${i % 300}`);
    const fixed = crossFit(groups, overconfident, outcomes, (xs, ys) => {
      const m = fitPlatt(
        xs.map((p) => Math.log(p / (1 - p))),
        ys,
      );
      return (p) => sigmoid(m.a * Math.log(p / (1 - p)) + m.b);
    });
    expect(scoreProbabilities(overconfident, outcomes).ece).toBeGreaterThan(0.08);
    expect(scoreProbabilities(fixed, outcomes).ece).toBeLessThan(0.04);
    expect(scoreProbabilities(truth, outcomes).brier).toBeLessThan(
      scoreProbabilities(truth, outcomes).baseRateBrier,
    );
  });
});

describe('walk-forward recalibration', () => {
  it('fits each term on the earlier terms only and leaves a term without any uncalibrated', () => {
    // Terms 0 (latest), 1, 2: in term 2 a high feature means a hit, in term 1 a miss.
    const terms: number[] = [];
    const features: number[] = [];
    const outcomes: boolean[] = [];
    for (const term of [0, 1, 2])
      for (let i = 0; i < 100; i += 1) {
        terms.push(term);
        features.push(i / 100);
        outcomes.push(term === 1 ? i < 50 : i >= 50);
      }
    const isEvaluated = terms.map((t) => t < 2);
    const seen: number[] = [];
    const { values, uncalibrated } = walkForward(
      terms,
      isEvaluated,
      features,
      outcomes,
      (x, y) => {
        seen.push(x.length);
        const rate = y.filter(Boolean).length / y.length;
        const high = y.filter((hit, i) => hit && x[i]! >= 0.5).length / y.length;
        return () => rate + high;
      },
      () => -1,
    );
    expect(uncalibrated).toBe(0);
    // Term 1 on term 2 alone (100 cases), term 0 on terms 1 and 2 (200 cases).
    expect(seen.sort()).toEqual([100, 200]);
    expect(values[150]).toBeCloseTo(0.5 + 0.5, 12);
    expect(values[50]).toBeCloseTo(0.5 + 0.25, 12);
    expect(Number.isNaN(values[250]!)).toBe(true);
    const alone = walkForward(
      [0, 0],
      [true, true],
      [0.2, 0.8],
      [false, true],
      () => () => 1,
      (p) => p,
    );
    expect(alone).toEqual({ values: [0.2, 0.8], uncalibrated: 2 });
  });
});

describe('backtest and assessment', () => {
  it('lists every case with the commitment from the 12 months before the origin', () => {
    const random = seededRandom(9);
    const series = Array.from({ length: 30 }, (_, s) => ({
      id: `S${s}`,
      values: Array.from({ length: 72 }, (_, t) =>
        Math.round(100 * (1 + (0.004 * (s - 15) * t) / 12) + (random() - 0.5) * 30),
      ),
    }));
    const report = runRiskBacktest(series, {
      history: 48,
      horizon: 12,
      origins: 2,
      growth: 0.05,
      elapsed: [0, 6],
      profile: 'fast',
      draws: 200,
    });
    expect(report.caseCount).toBe(30 * 2 * 2);
    const c = report.cases.find((x) => x.series === 'S3' && x.origin === 0 && x.elapsed === 6)!;
    const values = series[3]!.values;
    const last12 = values.slice(48, 60).reduce((s, v) => s + v, 0);
    expect(c.commitment).toBeCloseTo(1.05 * last12, 6);
    expect(c.outcome).toBe(values.slice(60, 72).reduce((s, v) => s + v, 0) >= c.commitment);
    expect(report.summary.map((s) => s.elapsed)).toEqual([0, 6]);
    for (const s of report.summary) expect(s.model.cases).toBe(60);
    // One calibration-only term before the evaluated ones (origin 36), not listed or scored.
    expect(report.protocol).toBe('walk-forward');
    expect(report.calibrationCaseCount).toBe(30 * 2);
    expect(report.cases.every((x) => x.origin < 2)).toBe(true);
    // The earlier evaluated term has 30 earlier cases, fewer than the 50 a fit needs: left raw.
    for (const s of report.summary) expect(s.uncalibrated).toBe(30);
  });

  it('recalibrates a term walk-forward on earlier terms only (cross-fit sees the later ones)', () => {
    const random = seededRandom(11);
    const series = Array.from({ length: 60 }, (_, s) => ({
      id: `S${s}`,
      values: Array.from({ length: 72 }, (_, t) =>
        Math.round(100 * (1 + (0.006 * (s - 30) * t) / 12) + (random() - 0.5) * 40),
      ),
    }));
    // The same series with a different latest term (months 60–71): its outcomes flip.
    const changed = series.map((x) => ({
      ...x,
      values: x.values.map((v, t) => (t >= 60 ? Math.round(v * (x.id < 'S2' ? 0.6 : 1.5)) : v)),
    }));
    const options = {
      history: 48,
      horizon: 12,
      origins: 2,
      growth: 0.05,
      elapsed: [0, 6],
      profile: 'fast' as const,
      draws: 200,
    };
    const earlierTerm = (report: ReturnType<typeof runRiskBacktest>) =>
      report.cases.filter((c) => c.origin === 1).map((c) => c.probability);
    const before = runRiskBacktest(series, options);
    for (const s of before.summary) expect(s.uncalibrated).toBe(0);
    const after = runRiskBacktest(changed, options);
    expect(after.cases.filter((c) => c.origin === 0).map((c) => c.outcome)).not.toEqual(
      before.cases.filter((c) => c.origin === 0).map((c) => c.outcome),
    );
    expect(earlierTerm(after)).toEqual(earlierTerm(before));
    const crossBefore = runRiskBacktest(series, { ...options, protocol: 'cross-fit' });
    const crossAfter = runRiskBacktest(changed, { ...options, protocol: 'cross-fit' });
    expect(earlierTerm(crossAfter)).not.toEqual(earlierTerm(crossBefore));
    // Both protocols are reported on the same cases.
    expect(before.summary[0]!.other.protocol).toBe('cross-fit');
    expect(before.summary[0]!.other.model.brier).toBeCloseTo(
      crossBefore.summary[0]!.model.brier,
      12,
    );
  });

  it('splits the gap into drivers that add up to it', () => {
    const history = Array.from({ length: 30 }, (_, t) => 10 + 3 * Math.sin((2 * Math.PI * t) / 12));
    const a = assessCommitment({
      label: 'Aura',
      history,
      plannedByMonth: new Array<number>(12).fill(12),
      elapsed: 6,
    });
    const sum = a.drivers.reduce((s, d) => s + d.units, 0);
    expect(sum).toBeCloseTo(a.commitment - a.expected, 0);
    expect(a.unitsFor[0]!.units).toBeGreaterThan(0);
    const more = assessCommitment({
      label: 'Aura',
      history: history.map((v, i) => (i === 29 ? v + a.unitsFor[0]!.units! : v)),
      plannedByMonth: new Array<number>(12).fill(12),
      elapsed: 6,
    });
    expect(more.toDate).toBeGreaterThan(a.toDate);
  });
});
