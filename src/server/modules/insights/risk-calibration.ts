/**
 * The network's own recalibration of commitment risks (issue 14: probabilities that mean what
 * they say). Pure: given the network's monthly series (each dealer's total and best-selling model
 * lines, risk-calibration.repository.ts), the terms that have ended are backtested with the app's
 * raw pipeline (`runRiskBacktest`, `fast` profile, the app's error model: the raw probability the
 * risk refresh computes), and an isotonic map of the raw probability to the observed rate, each
 * block shrunk toward the identity by its cases (`fitShrunkIsotonic`, calibration.ts), is fitted
 * per elapsed share of the term (0, ¼, ½, ¾) on every case of those terms — all outcomes known. The risk refresh applies the map to terms running now (`recalibrateAt`), so it never sees
 * an outcome after a case's origin. With fewer than MIN_CALIBRATION_CASES cases at any share, no
 * map: the default shipped in code (default-risk-calibration.ts) stays in use.
 *
 * The scores say how well this works out of sample: each term recalibrated walk-forward on the
 * earlier terms only (the oldest term has none: not scored), as the nightly job will do from one
 * term to the next.
 */
import type { BacktestSeries } from '../forecasts/backtest/input';
import {
  applyRecalibration,
  fitShrunkIsotonic,
  type IsotonicModel,
  scoreProbabilities,
  walkForward,
} from './calibration';
import { MIN_TRAIN, runRiskBacktest } from './risk-backtest';

/** Cases per elapsed share below which the shipped default is used instead. */
export const MIN_CALIBRATION_CASES = 50;

export type CalibrationPoint = { share: number; cases: number; model: IsotonicModel };

/** The calibration a risk is computed with: a stored run's maps, or null for the shipped default. */
export type ActiveCalibration = { id: number; points: CalibrationPoint[] } | null;

export type CalibrationScore = {
  elapsed: number;
  /** Cases recalibrated on earlier terms (the oldest term's are not scored). */
  cases: number;
  baseRate: number;
  brier: number;
  baseRateBrier: number;
  /** (base-rate Brier − Brier) / base-rate Brier, in percent. */
  brierGain: number;
  ece: number;
  /** ECE of the raw probabilities of the same cases. */
  rawEce: number;
};

export type NetworkCalibrationFit = {
  terms: number;
  series: number;
  /** Cases per elapsed share (the fewest). */
  cases: number;
  /** Null: fewer than MIN_CALIBRATION_CASES at some share. */
  points: CalibrationPoint[] | null;
  scores: CalibrationScore[];
};

export type NetworkCalibrationOptions = {
  horizon: number;
  history: number;
  growth: number;
  elapsed: readonly number[];
  /** Ended terms backtested (the latest ones). */
  maxTerms: number;
  draws: number;
};

export const NETWORK_CALIBRATION: Readonly<NetworkCalibrationOptions> = {
  horizon: 12,
  history: 48,
  growth: 0.05,
  elapsed: [0, 3, 6, 9],
  maxTerms: 4,
  draws: 1000,
};

/** Ended 12-month terms a series of `length` months has (each with its history before it). */
export function endedTerms(length: number, horizon = NETWORK_CALIBRATION.horizon): number {
  // origin = length − horizon − k·horizon must leave MIN_TRAIN months (and 12 for the
  // commitment) before it
  const latest = length - horizon;
  const first = Math.max(MIN_TRAIN, 12);
  return latest < first ? 0 : Math.floor((latest - first) / horizon) + 1;
}

/** Series backtested per slice: the event loop gets a turn between slices. */
const SLICE = 40;

/**
 * Backtests the series' ended terms (at most `maxTerms`) and fits the maps. `onProgress` is
 * awaited after each slice of series (a turn of the event loop: the backtest is synchronous).
 */
export async function fitNetworkCalibration(
  series: readonly BacktestSeries[],
  onProgress?: (done: number, total: number) => Promise<void>,
  options: Partial<NetworkCalibrationOptions> = {},
): Promise<NetworkCalibrationFit> {
  const o = { ...NETWORK_CALIBRATION, ...options };
  const length = series.reduce((m, s) => Math.max(m, s.values.length), 0);
  const terms = Math.min(o.maxTerms, endedTerms(length, o.horizon));
  const cases: { term: number; elapsed: number; raw: number; outcome: boolean }[] = [];
  let used = 0;
  for (let i = 0; terms > 0 && i < series.length; i += SLICE) {
    const report = runRiskBacktest(series.slice(i, i + SLICE), {
      history: o.history,
      horizon: o.horizon,
      origins: terms,
      calibrationOrigins: 0,
      growth: o.growth,
      elapsed: [...o.elapsed],
      profile: 'fast',
      errorModel: 'app',
      recalibration: 'none',
      draws: o.draws,
    });
    used += report.seriesCount;
    for (const c of report.cases)
      cases.push({ term: c.origin, elapsed: c.elapsed, raw: c.rawProbability, outcome: c.outcome });
    await onProgress?.(Math.min(series.length, i + SLICE), series.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const points: CalibrationPoint[] = [];
  const scores: CalibrationScore[] = [];
  for (const e of o.elapsed) {
    const at = cases.filter((c) => c.elapsed === e);
    const raw = at.map((c) => c.raw);
    const outcomes = at.map((c) => c.outcome);
    points.push({
      share: e / o.horizon,
      cases: at.length,
      model: fitShrunkIsotonic(raw, outcomes),
    });
    // out of sample: each term on the earlier ones only; the oldest term is not scored
    const oldest = at.reduce((m, c) => Math.max(m, c.term), -1);
    const scored = at.map((c) => c.term < oldest);
    const isotonic = (x: number[], y: boolean[]) => {
      const model = fitShrunkIsotonic(x, y);
      return (p: number) => applyRecalibration(model, p);
    };
    const wf = walkForward(
      at.map((c) => c.term),
      scored,
      raw,
      outcomes,
      isotonic,
      (p) => p,
      MIN_CALIBRATION_CASES,
    );
    const pick = <T>(values: T[]) => values.filter((_, i) => scored[i]);
    const model = scoreProbabilities(pick(wf.values), pick(outcomes));
    scores.push({
      elapsed: e,
      cases: model.cases,
      baseRate: model.baseRate,
      brier: model.brier,
      baseRateBrier: model.baseRateBrier,
      brierGain: (100 * (model.baseRateBrier - model.brier)) / model.baseRateBrier,
      ece: model.ece,
      rawEce: scoreProbabilities(pick(raw), pick(outcomes)).ece,
    });
  }
  const fewest = points.length > 0 ? Math.min(...points.map((p) => p.cases)) : 0;
  return {
    terms,
    series: used,
    cases: fewest,
    points: fewest >= MIN_CALIBRATION_CASES ? points : null,
    scores,
  };
}

/** What the API says about the calibration a risk used (insights.repository `calibration`). */
export function calibrationUsed(
  stored: { fittedAt: string; throughMonth: string; terms: number; cases: number } | null,
) {
  if (!stored)
    return {
      source: 'default' as const,
      fittedAt: null,
      throughMonth: null,
      terms: null,
      cases: null,
      text: "the default recalibration shipped with the app (fitted on other series' past terms): this network has too few ended terms of its own yet",
    };
  return {
    source: 'network' as const,
    fittedAt: stored.fittedAt,
    throughMonth: stored.throughMonth,
    terms: stored.terms,
    cases: stored.cases,
    text: `recalibrated on this network's own ${stored.terms} ended term${stored.terms === 1 ? '' : 's'} through ${stored.throughMonth} (${stored.cases} cases per elapsed point), fitted ${stored.fittedAt.slice(0, 10)}`,
  };
}
