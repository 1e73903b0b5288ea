/**
 * Risk per eligible dealer × running incentive program tier (issue 14 §1): the probability of
 * reaching each tier by the end of the program's current measurement window, the expected outcome
 * with its 80 % interval, the expected shortfall per tier in units and money, and the
 * "N more units of line X reach tier k of program P (+money)" interventions. Pure: the service
 * reads the engine's inputs and the history; this decides (docs/insights.md, "Program tiers").
 *
 * One simulation per dealer × program window with the agreements' model (`sortedRemaining`:
 * the production forecast of the remaining months, the engine's calibrated errors through the
 * copula, then the recalibration at the window's elapsed share: the network's own when fitted,
 * else the shipped M3 one, as the agreements'); every tier is read
 * from the same sorted draws, so the probabilities fall with the tier's threshold by construction.
 * A model line of the axis whose planned end of sale falls in the remaining months takes what its
 * own forecast expected after the end off the axis's forecast, months and spread alike (as an
 * agreement's totals: sales-end.ts; program-risk-dealer.ts reads the lines' forecasts), with a
 * `sales_end` driver.
 *
 * The simulated quantity is the program's measure on a linear axis ("units", "revenue" or
 * "bev_units"), to date from the incentive engine's statement (its own filters, unwinds and
 * eligibility), the remaining months from the history of the same SKUs and kinds:
 * - units, low_co2_units: the counted units; a tier's threshold is its `from`;
 * - revenue: qualifying revenue, threshold `from`;
 * - agreement_attainment: qualifying units, threshold `from` × planned ÷ 100;
 * - growth: units or revenue (growthBasis), threshold prior year × (100 + `from`) ÷ 100;
 * - ev_share: BEV units, the other qualifying units at their forecast mean O, so the share
 *   (b + B) ÷ (q + O + B) ≥ t ⟺ b + B ≥ t (q − b + O) ÷ (100 − t) (t = 100: only without others).
 * A tier the engine has reached is certain (probability 1), except for ev_share, whose share
 * more sales of other units can dilute.
 * Money is the engine's: what reaching the tier adds to what is earned now (the statement run
 * again with the units that reach it, as the dealer's progress computes "next tier adds"), an
 * exact decimal; the expected shortfall in money is that times the probability of missing it,
 * rounded half-up once. The axis, thresholds and money: program-risk-measure.ts.
 */
import { intervalScale } from '../forecasts/methods/intervals';
import { errorModelFor, type AssessInput } from './assess';
import { commitmentDrivers, type DealerExpectationInput, type Driver } from './assess-drivers';
import type { SupplyAssessment } from './assess-supply';
import type { Recalibration } from './calibration';
import { recalibrateAt } from './default-risk-calibration';
import {
  probabilityFromDraws,
  remainingForecast,
  riskFromDraws,
  sortedRemaining,
} from './risk-model';
import { applySalesEnd, type SalesEnd, type SalesEndInput } from './sales-end';

export type ProgramAxis = 'units' | 'revenue' | 'bev_units';

export type TierRiskInput = {
  /** Monthly values of the axis, oldest first, ending with the last complete month. */
  history: readonly number[];
  /** The axis in the window so far (from the engine's statement). */
  toDate: number;
  /** Months of the window still to come (forecast) and its length in months. */
  remaining: number;
  term: number;
  /** Each tier's threshold on the axis, ascending (null: cannot be reached). */
  thresholds: readonly (number | null)[];
  /** The engine's reached tier (index in ascending order, −1 none): those are certain. */
  reached: number;
  /**
   * The measure only grows with more sales (default true). ev_share does not: other units dilute
   * the share, so a tier reached today is read from the draws like any other.
   */
  isMonotone?: boolean;
  /** Revenue axis: the revenue of one unit (to turn units into the axis); else 1. */
  perUnit?: number;
  /** Months between the end of the history and the first remaining month (a lagging feed). */
  lead?: number;
  draws?: number;
  /**
   * Units of the axis the supply cannot deliver before an order placed now arrives
   * (assess-supply.ts `supplyAssessment`): they come off every draw, as for the agreements.
   */
  shortage?: number;
  /** The network's recalibration per elapsed share (risk-calibration.ts); absent: the shipped one. */
  recalibration?: readonly { share: number; model: Recalibration }[];
  /**
   * Planned ends of sale of the axis's model lines (sales-end.ts `totalSalesEnd`): per remaining
   * month, what the ending lines' own forecasts lose; off the forecast and every draw.
   */
  salesEnd?: SalesEndInput;
};

export type TierRisk = {
  probability: number;
  /** E[max(0, threshold − outcome)] on the axis. */
  shortfall: number;
  /** Units beyond the forecast this window that lift the probability to 80 % (null: > 10× reach). */
  unitsFor80: number | null;
};

export type TierRiskResult = {
  expected: number;
  lower80: number;
  upper80: number;
  /** Forecast mean of the remaining months (the axis; after the ends of sale). */
  forecastRemaining: number;
  tiers: TierRisk[];
  /** What planned ends of sale took off the forecast of the remaining months (null: none). */
  salesEnd: { ends: readonly SalesEnd[]; units: number } | null;
};

/**
 * The forecast of the remaining months (production combination, `fast` profile) and its draws;
 * `base` the forecast per month before any end of sale, `mean` and `first` after the ends
 * (`salesEnd`: each month kept by its share, as for the agreements, assess.ts), `lost` what the
 * ends took off.
 */
export function remainingDraws(
  history: readonly number[],
  remaining: number,
  draws = 1000,
  lead = 0,
  salesEnd?: SalesEndInput,
) {
  const base = remainingForecast(history, remaining, lead);
  const ended = applySalesEnd(base, salesEnd);
  const forecast = ended?.kept ?? base;
  const sorted = sortedRemaining({
    forecast: base,
    ...(ended ? { keep: ended.keep } : {}),
    scale: intervalScale(history),
    errorModel: errorModelFor(history),
    draws,
    seed: 7,
  });
  return {
    sorted,
    mean: forecast.reduce((s, v) => s + v, 0),
    first: forecast[0] ?? 0,
    base,
    lost: ended?.units ?? 0,
  };
}

/**
 * Draws already simulated, by their inputs (the nightly run's fast path: a dealer's programs that
 * count the same SKUs share one history, so one simulation; `remainingDraws` is deterministic).
 */
export type DrawsMemo = Map<string, ReturnType<typeof remainingDraws>>;

/**
 * `remainingDraws` through a memo (the same draws for the same history, months, lead and ends of
 * sale: the units they take off each month).
 */
export function memoDraws(
  memo: DrawsMemo | undefined,
  history: readonly number[],
  remaining: number,
  draws = 1000,
  lead = 0,
  salesEnd?: SalesEndInput,
): ReturnType<typeof remainingDraws> {
  if (!memo) return remainingDraws(history, remaining, draws, lead, salesEnd);
  const ends = salesEnd
    ? `|${(salesEnd.keep ?? []).join(',')}|${(salesEnd.lost ?? []).join(',')}`
    : '';
  const key = `${remaining}|${draws}|${lead}|${history.join(',')}${ends}`;
  let hit = memo.get(key);
  if (!hit) {
    hit = remainingDraws(history, remaining, draws, lead, salesEnd);
    memo.set(key, hit);
  }
  return hit;
}

export function assessTiers(input: TierRiskInput, memo?: DrawsMemo): TierRiskResult {
  const remaining = Math.max(0, input.remaining);
  const { sorted, mean, lost } = memoDraws(
    memo,
    input.history,
    remaining,
    input.draws ?? 1000,
    input.lead ?? 0,
    input.salesEnd,
  );
  const share = (input.term - remaining) / Math.max(1, input.term);
  const short = Math.max(0, input.shortage ?? 0);
  // What the draws add to: the axis so far less what the supply cannot deliver.
  const reachable = input.toDate - short;
  const perUnit = input.perUnit && input.perUnit > 0 ? input.perUnit : 1;
  const calibrated = (toDate: number, threshold: number) => {
    const raw = probabilityFromDraws(sorted, toDate, threshold);
    return remaining === 0 ? raw : recalibrateAt(share, raw, input.recalibration);
  };
  const outcome = riskFromDraws(sorted, reachable, reachable);
  const tiers = input.thresholds.map((threshold, index): TierRisk => {
    const isCertain =
      (input.isMonotone ?? true) &&
      (index <= input.reached || (threshold !== null && input.toDate >= threshold));
    if (isCertain) return { probability: 1, shortfall: 0, unitsFor80: 0 };
    if (threshold === null) return { probability: 0, shortfall: 0, unitsFor80: null };
    const risk = riskFromDraws(sorted, reachable, threshold);
    const probability = calibrated(reachable, threshold);
    let unitsFor80: number | null = 0;
    if (probability < 0.8) {
      const at = (units: number) => calibrated(reachable + units * perUnit, threshold);
      const ceiling = Math.max(10, 10 * Math.ceil((threshold - input.toDate) / perUnit));
      let low = 0;
      let high = 1;
      while (high <= ceiling && at(high) < 0.8) high *= 2;
      if (high > ceiling) unitsFor80 = null;
      else {
        while (high - low > 1) {
          const mid = (low + high) >> 1;
          if (at(mid) >= 0.8) high = mid;
          else low = mid;
        }
        unitsFor80 = high;
      }
    }
    return { probability, shortfall: risk.expectedShortfall, unitsFor80 };
  });
  // The probabilities never rise with the threshold (same draws, a monotone recalibration);
  // a reached tier is certain. Guard the floating-point edge explicitly.
  for (let k = 1; k < tiers.length; k += 1)
    if (tiers[k]!.probability > tiers[k - 1]!.probability)
      tiers[k]!.probability = tiers[k - 1]!.probability;
  return {
    expected: reachable + mean,
    lower80: outcome.lower80,
    upper80: outcome.upper80,
    forecastRemaining: mean,
    tiers,
    salesEnd:
      input.salesEnd && remaining > 0 && (input.salesEnd.keep || input.salesEnd.lost)
        ? { ends: input.salesEnd.ends, units: lost }
        : null,
  };
}

/**
 * Each tier's drivers (issue 14 §2), in the axis's units, adding up exactly (to 0.1) to the gap
 * between its threshold and the expected outcome, with the agreements' code (assess-drivers.ts
 * `commitmentDrivers`): the threshold spread evenly over the window's months is the plan, so
 * pace so far, the threshold against the last 12 months' pace, seasonality of the remaining
 * months, the trend against last year (with the regional market's share, the supply shortage and
 * the planned ends of sale split out). The lines lagging (`mix`: model lines of the axis selling
 * fewer units than in the same months last year) follow, not additive. Reached tiers and tiers
 * out of reach have none.
 */
export function tierDrivers(options: {
  history: readonly number[];
  toDate: number;
  elapsed: number;
  term: number;
  lead: number;
  thresholds: readonly (number | null)[];
  reached: readonly boolean[];
  result: Pick<TierRiskResult, 'expected' | 'forecastRemaining'> &
    Partial<Pick<TierRiskResult, 'salesEnd'>>;
  supply: SupplyAssessment | null;
  supplyInput?: AssessInput['supply'];
  market?: { ratio: number; months: number };
  /** Per model line of the axis: units in the window so far and in the same months last year. */
  lines?: readonly { modelLine: string; units: number; lastYear: number }[];
  /**
   * The dealer's own forecast-grid adjustments of the axis's model lines over the window's
   * remaining months (dealer-expectation.ts `expectationFor`; units axes only): a signal beside
   * the drivers, not in the sum, as for the agreements.
   */
  expectation?: DealerExpectationInput | null;
  unit: string;
}): Driver[][] {
  const mix: Driver[] = (options.lines ?? [])
    .map((l) => ({ ...l, gap: l.lastYear - l.units }))
    .filter((l) => l.gap > 0.5)
    .sort((a, b) => b.gap - a.gap || a.modelLine.localeCompare(b.modelLine))
    .slice(0, 3)
    .map((l) => ({
      kind: 'mix' as const,
      units: l.gap,
      text: `${l.modelLine}: ${l.units} units so far, ${l.gap} fewer than the same months last year`,
      additive: false,
    }));
  return options.thresholds.map((threshold, k) => {
    if (threshold === null || options.reached[k]) return [];
    const term = Math.max(1, options.term);
    return [
      ...commitmentDrivers({
        label: `tier ${k + 1}`,
        history: options.history,
        plannedByMonth: new Array<number>(term).fill(threshold / term),
        elapsed: options.elapsed,
        lead: options.lead,
        toDate: options.toDate,
        forecastRemaining: options.result.forecastRemaining,
        expected: options.result.expected,
        supply: options.supply,
        ...(options.supplyInput ? { supplyInput: options.supplyInput } : {}),
        ...(options.market ? { market: options.market } : {}),
        plan: `tier ${k + 1}`,
        unit: options.unit,
        ...(options.expectation ? { expectation: options.expectation } : {}),
        ...(options.result.salesEnd ? { salesEnd: options.result.salesEnd } : {}),
      }),
      ...mix,
    ];
  });
}
