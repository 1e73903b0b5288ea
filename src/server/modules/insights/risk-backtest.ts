/**
 * Backtest of commitment probabilities (the `insights:backtest` command).
 *
 * For each series and origin k = 0..origins−1 (origin = length − horizon − k·horizon), the
 * commitment is (1 + growth) × the 12 months before the origin, and the outcome is whether the
 * `horizon` months from the origin reach it. At each elapsed month e the probability is computed
 * from the history (at most `history` months) and the e elapsed actuals only:
 *
 * - model: the production forecast of the remaining months plus the engine's calibrated errors,
 *   simulated with correlation across months (risk-model.ts), then recalibrated (by default the
 *   app's map: isotonic, each block shrunk toward the identity by its cases,
 *   `fitShrunkIsotonic`), per elapsed point;
 * - run-rate: the projection actual-to-date × horizon / e (at e = 0 the last 12 months' pace),
 *   turned into a probability by Platt scaling on log(projection / commitment) (and isotonic):
 *   the method people use today, given the same honest calibration.
 *
 * The recalibration protocol (`protocol`):
 * - `walk-forward` (default): a case of term k is recalibrated on the cases of earlier terms
 *   only (k + 1, k + 2, …: every outcome known at its origin), as the app can only recalibrate on
 *   terms that have ended. `calibrationOrigins` terms before the first evaluated one are computed
 *   for that purpose only (their cases are never scored), so the earliest evaluated term has a
 *   calibration set too;
 * - `cross-fit`: the protocol before 2026-12-06, kept for comparison: a case is recalibrated on
 *   the evaluated cases of the other series (5 folds by series) over all evaluated terms,
 *   including the same and later terms — outcomes production never has. Both are always
 *   computed; `protocol` chooses which one the cases' `probability` and the headline scores are.
 *
 * Planned ends of sale (`--demo` only: the demo catalog's `sales_end_on`, series `salesEnds`) are
 * known to a case from SALES_END_NOTICE_MONTHS (12) before the line's first month without sales
 * (sales-end.ts `backtestKeep`): the months after a known end add nothing to the line, and the
 * line's own forecast after it comes off a dealer total's.
 *
 * The error model of each origin is fitted, like the forecast engine's own interval calibration,
 * on the batch's training windows only: the last `horizon` months before the origin forecast from
 * the months before them. Nothing after the origin + e is ever seen by a case's raw probability.
 */
import { combineForecast, type CombinationProfile } from '../forecasts/methods/combine';
import { intervalScale, type CalibrationWindow } from '../forecasts/methods/intervals';
import type { BacktestSeries } from '../forecasts/backtest/input';
import {
  applyRecalibration,
  crossFit,
  fitIsotonic,
  fitPlatt,
  fitRecalibration,
  ISOTONIC_SHRINKAGE,
  type ProbabilityScores,
  walkForward,
  type Recalibration,
  type ReliabilityBin,
  reliabilityBins,
  scoreProbabilities,
  sigmoid,
} from './calibration';
import { errorModelFor } from './assess';
import { commitmentRisk, fitErrorModel, type ErrorModel } from './risk-model';
import { backtestKeep } from './sales-end';

export type RecalibrationProtocol = 'walk-forward' | 'cross-fit';

export type RiskBacktestOptions = {
  history: number;
  horizon: number;
  origins: number;
  growth: number;
  elapsed: number[];
  profile?: CombinationProfile;
  recalibration?: Recalibration['kind'] | 'none';
  /** k of the isotonic map's shrinkage toward the identity (default the app's; 0: plain). */
  isotonicShrinkage?: number;
  /** Walk-forward (past terms only, default) or cross-fitted by series (the former protocol). */
  protocol?: RecalibrationProtocol;
  /**
   * `fitted` (default): the error model of each origin fitted on the batch's training windows;
   * `app`: the app's own (assess.ts `errorModelFor`: the engine's default error tables, regular or
   * intermittent by the history, and the default copula correlation), so that with the `fast`
   * profile the raw probability is the one the app computes — what its recalibration is fitted on.
   */
  errorModel?: 'fitted' | 'app';
  /** Terms before the first evaluated one, used only to recalibrate (walk-forward; default 1). */
  calibrationOrigins?: number;
  draws?: number;
  folds?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
};

export type RiskCase = {
  series: string;
  origin: number;
  elapsed: number;
  commitment: number;
  toDate: number;
  /** The model's probability, recalibrated (by the report's protocol). */
  probability: number;
  rawProbability: number;
  runRateProbability: number;
  expected: number;
  outcome: boolean;
  actualTotal: number;
};

export type ElapsedSummary = {
  elapsed: number;
  model: ProbabilityScores;
  raw: ProbabilityScores;
  runRate: ProbabilityScores;
  /** The run-rate projection recalibrated by isotonic regression instead (its better chance). */
  runRateIsotonic: ProbabilityScores;
  /** (base-rate Brier − model Brier) / base-rate Brier, in percent. */
  brierGainOverBaseRate: number;
  reliability: ReliabilityBin[];
  runRateReliability: ReliabilityBin[];
  /** Cases of the walk-forward protocol left uncalibrated (no earlier term): raw / 0.5. */
  uncalibrated: number;
  /** The same scores under the other protocol, on the same cases (for comparison). */
  other: {
    protocol: RecalibrationProtocol;
    model: ProbabilityScores;
    runRate: ProbabilityScores;
    runRateIsotonic: ProbabilityScores;
    brierGainOverBaseRate: number;
  };
  /**
   * The recalibration fitted on every case at this elapsed point, evaluated and calibration
   * terms alike — all of them ended terms (what the app's default is refitted from).
   */
  recalibration: Recalibration;
};

export type RiskBacktestReport = {
  history: number;
  horizon: number;
  origins: number;
  growth: number;
  elapsed: number[];
  profile: CombinationProfile;
  recalibration: string;
  protocol: RecalibrationProtocol;
  calibrationOrigins: number;
  errorModel: 'fitted' | 'app';
  seriesCount: number;
  caseCount: number;
  /** Cases of the calibration-only terms (not scored, not listed). */
  calibrationCaseCount: number;
  seconds: number;
  summary: ElapsedSummary[];
  /** The copula correlation per number of remaining months, fitted at each origin. */
  correlations: number[][];
  cases: RiskCase[];
};

/** Months a series needs before a term's origin (the backtest's first training window). */
export const MIN_TRAIN = 24;

function sum(values: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 1) s += values[i]!;
  return s;
}

type Scored = {
  model: number[];
  runRate: number[];
  runRateIsotonic: number[];
  uncalibrated: number;
};

/** The recalibrated model, run-rate Platt and run-rate isotonic of the cases at one elapsed point. */
function recalibrate(
  protocol: RecalibrationProtocol,
  at: readonly (RiskCase & { isEvaluated: boolean })[],
  kind: Recalibration['kind'] | 'none',
  folds: number,
  shrinkage: number,
): Scored {
  const raw = at.map((c) => c.rawProbability);
  const outcomes = at.map((c) => c.outcome);
  const ratio = at.map((c) => Math.max(-20, Math.min(20, c.runRateProbability)));
  const modelFit = (x: number[], y: boolean[]) => {
    const fitted = fitRecalibration(kind === 'none' ? 'isotonic' : kind, x, y, shrinkage);
    return (p: number) => applyRecalibration(fitted, p);
  };
  const plattFit = (x: number[], y: boolean[]) => {
    const fitted = fitPlatt(x, y);
    return (v: number) => sigmoid(fitted.a * v + fitted.b);
  };
  const isotonicFit = (x: number[], y: boolean[]) => {
    const fitted = fitIsotonic(x, y);
    return (v: number) => applyRecalibration(fitted, v);
  };
  if (protocol === 'cross-fit') {
    // The former protocol: among the evaluated cases only, folds by series.
    const evaluated = at.filter((c) => c.isEvaluated);
    const groups = evaluated.map((c) => c.series);
    const y = evaluated.map((c) => c.outcome);
    const x = evaluated.map((c) => c.rawProbability);
    const r = evaluated.map((c) => Math.max(-20, Math.min(20, c.runRateProbability)));
    return {
      model: kind === 'none' ? x : crossFit(groups, x, y, modelFit, folds),
      runRate: crossFit(groups, r, y, plattFit, folds),
      runRateIsotonic: crossFit(groups, r, y, isotonicFit, folds),
      uncalibrated: 0,
    };
  }
  const terms = at.map((c) => c.origin);
  const isEvaluated = at.map((c) => c.isEvaluated);
  const pick = (values: number[]) => values.filter((_, i) => isEvaluated[i]);
  const model =
    kind === 'none'
      ? { values: raw, uncalibrated: 0 }
      : walkForward(terms, isEvaluated, raw, outcomes, modelFit, (p) => p);
  const runRate = walkForward(terms, isEvaluated, ratio, outcomes, plattFit, () => 0.5);
  const runRateIsotonic = walkForward(terms, isEvaluated, ratio, outcomes, isotonicFit, () => 0.5);
  return {
    model: pick(model.values),
    runRate: pick(runRate.values),
    runRateIsotonic: pick(runRateIsotonic.values),
    uncalibrated: model.uncalibrated,
  };
}

/** Runs the backtest (pure; a few minutes on the 1,428 M3 monthly series with `accurate`). */
export function runRiskBacktest(
  series: readonly BacktestSeries[],
  options: RiskBacktestOptions,
): RiskBacktestReport {
  const started = performance.now();
  const { horizon, history, growth } = options;
  const profile = options.profile ?? 'accurate';
  const protocol = options.protocol ?? 'walk-forward';
  const calibrationOrigins = options.calibrationOrigins ?? 1;
  const folds = options.folds ?? 5;
  const elapsedPoints = options.elapsed.filter((e) => e >= 0 && e < horizon);
  const draws = options.draws ?? 1000;
  const allOrigins = options.origins + calibrationOrigins;
  const isAppErrorModel = options.errorModel === 'app';
  const cases: (RiskCase & { isEvaluated: boolean })[] = [];
  const total = series.length * allOrigins;
  let done = 0;
  const usedSeries = new Set<string>();
  const correlations: number[][] = [];
  for (let k = 0; k < allOrigins; k += 1) {
    const isEvaluated = k < options.origins;
    // The error model of this origin, from the training windows of the batch.
    const windows: CalibrationWindow[] = [];
    for (const s of isAppErrorModel ? [] : series) {
      const origin = s.values.length - horizon - k * horizon;
      if (origin - 12 < 0 || origin < MIN_TRAIN + horizon) continue;
      const train = s.values.slice(Math.max(0, origin - history), origin);
      if (train.length - horizon < MIN_TRAIN) continue;
      const fitValues = train.slice(0, train.length - horizon);
      windows.push({
        history: fitValues,
        actual: train.slice(train.length - horizon),
        forecast: combineForecast(fitValues, horizon, { profile }).mean,
      });
    }
    if (windows.length === 0 && !isAppErrorModel) {
      // No training window this far back (every series too short): no error model, no cases.
      done += series.length;
      continue;
    }
    const fittedModel: ErrorModel | undefined = isAppErrorModel
      ? undefined
      : fitErrorModel(windows, horizon);
    if (isEvaluated && fittedModel)
      correlations.push(fittedModel.correlation.map((r) => Math.round(r * 1000) / 1000));
    for (const s of series) {
      done += 1;
      options.onProgress?.({ done, total });
      const origin = s.values.length - horizon - k * horizon;
      if (origin - 12 < 0 || origin < MIN_TRAIN) continue;
      if (isEvaluated) usedSeries.add(s.id);
      const commitment = (1 + growth) * sum(s.values, origin - 12, origin);
      const actualTotal = sum(s.values, origin, origin + horizon);
      const outcome = actualTotal >= commitment;
      const isNonNegative = s.values.every((v) => v >= 0);
      for (const e of elapsedPoints) {
        const now = origin + e;
        const known = s.values.slice(Math.max(0, now - history), now);
        const toDate = sum(s.values, origin, now);
        const remaining = horizon - e;
        const forecast = combineForecast(known, remaining, { profile }).mean;
        // Planned ends of sale (the demo's catalog) as known at `now` (sales-end.ts).
        const keep = backtestKeep(
          s.salesEnds,
          now,
          forecast,
          (h, months) => (h.length > 0 ? combineForecast(h, months, { profile }).mean : []),
          history,
        );
        const risk = commitmentRisk({
          toDate,
          commitment,
          forecast,
          ...(keep ? { keep } : {}),
          scale: intervalScale(known),
          errorModel: fittedModel ?? errorModelFor(known),
          isNonNegative,
          draws,
          seed: 1 + k * 1000 + e,
        });
        // The run-rate projection's log ratio to the commitment stays in the run-rate field
        // until it is calibrated below.
        const projection = e > 0 ? (toDate * horizon) / e : sum(s.values, origin - 12, origin);
        cases.push({
          series: s.id,
          origin: k,
          elapsed: e,
          commitment,
          toDate,
          probability: risk.probability,
          rawProbability: risk.probability,
          runRateProbability: Math.log((projection + 1e-9) / (commitment + 1e-9)),
          expected: risk.expected,
          outcome,
          actualTotal,
          isEvaluated,
        });
      }
    }
  }

  const kind = options.recalibration ?? 'isotonic';
  const shrinkage = options.isotonicShrinkage ?? ISOTONIC_SHRINKAGE;
  const otherProtocol: RecalibrationProtocol =
    protocol === 'walk-forward' ? 'cross-fit' : 'walk-forward';
  const summary: ElapsedSummary[] = [];
  for (const e of elapsedPoints) {
    const at = cases.filter((c) => c.elapsed === e);
    const evaluated = at.filter((c) => c.isEvaluated);
    const outcomes = evaluated.map((c) => c.outcome);
    const raw = evaluated.map((c) => c.rawProbability);
    const main = recalibrate(protocol, at, kind, folds, shrinkage);
    // The other protocol on the same evaluated cases (walk-forward needs earlier terms: with
    // cross-fit as the protocol there are none beyond the evaluated ones).
    const other = recalibrate(otherProtocol, at, kind, folds, shrinkage);
    const allOutcomes = at.map((c) => c.outcome);
    const allRaw = at.map((c) => c.rawProbability);
    evaluated.forEach((c, i) => {
      c.probability = main.model[i]!;
      c.runRateProbability = main.runRate[i]!;
    });
    const modelScores = scoreProbabilities(main.model, outcomes);
    const otherScores = scoreProbabilities(other.model, outcomes);
    summary.push({
      elapsed: e,
      model: modelScores,
      raw: scoreProbabilities(raw, outcomes),
      runRate: scoreProbabilities(main.runRate, outcomes),
      runRateIsotonic: scoreProbabilities(main.runRateIsotonic, outcomes),
      brierGainOverBaseRate: gain(modelScores),
      reliability: reliabilityBins(main.model, outcomes),
      runRateReliability: reliabilityBins(main.runRate, outcomes),
      uncalibrated: main.uncalibrated,
      other: {
        protocol: otherProtocol,
        model: otherScores,
        runRate: scoreProbabilities(other.runRate, outcomes),
        runRateIsotonic: scoreProbabilities(other.runRateIsotonic, outcomes),
        brierGainOverBaseRate: gain(otherScores),
      },
      recalibration: fitRecalibration(
        kind === 'none' ? 'isotonic' : kind,
        allRaw,
        allOutcomes,
        shrinkage,
      ),
    });
  }
  const evaluatedCases = cases.filter((c) => c.isEvaluated);
  const method =
    kind !== 'isotonic'
      ? kind
      : shrinkage > 0
        ? `isotonic shrunk toward the identity (k ${shrinkage})`
        : 'isotonic (plain)';
  return {
    history,
    horizon,
    origins: options.origins,
    growth,
    elapsed: elapsedPoints,
    profile,
    recalibration:
      kind === 'none'
        ? 'none'
        : protocol === 'walk-forward'
          ? `${method}, walk-forward: each term recalibrated on the earlier terms only (${calibrationOrigins} calibration-only term${calibrationOrigins === 1 ? '' : 's'} before the first evaluated one)`
          : `${method}, cross-fitted by series (${folds} folds, all evaluated terms)`,
    protocol,
    calibrationOrigins,
    errorModel: isAppErrorModel ? 'app' : 'fitted',
    seriesCount: usedSeries.size,
    caseCount: evaluatedCases.length,
    calibrationCaseCount: cases.length - evaluatedCases.length,
    seconds: (performance.now() - started) / 1000,
    summary,
    correlations,
    cases: evaluatedCases.map(({ isEvaluated: _, ...c }) => c),
  };
}

function gain(scores: ProbabilityScores): number {
  return (100 * (scores.baseRateBrier - scores.brier)) / scores.baseRateBrier;
}
