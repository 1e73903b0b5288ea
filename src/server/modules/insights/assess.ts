/**
 * One commitment's risk in the app: an agreement's totals or one of its lines, from the dealer's
 * monthly history of the counted units. Pure: the service reads the numbers, this decides.
 *
 * - the forecast of the remaining months: the production combination (`fast` profile, as the
 *   network runs use), its calibrated error table (the engine's defaults) and the copula
 *   correlation, simulated (risk-model.ts) and recalibrated with the shrunk isotonic maps fitted
 *   on the M3 backtest, interpolated by the elapsed share of the term (default-risk-calibration.ts),
 *   or those fitted nightly on the network's own ended terms (`recalibration`, risk-calibration.ts);
 * - drivers in units that add up exactly to the gap between the commitment and the expected
 *   outcome (assess-drivers.ts; docs/insights.md), the supply shortage among them (assess-supply.ts);
 * - interventions: the units this month that lift the probability to the next level, an
 *   amendment to a realistic plan when the commitment is out of reach, a field visit when money
 *   is at stake.
 */
import { DEFAULT_CALIBRATIONS } from '../forecasts/methods/default-calibration';
import { intervalScale } from '../forecasts/methods/intervals';
import { demandProfile } from '../forecasts/methods/intermittent';
import { commitmentDrivers, type DealerExpectationInput, type Driver } from './assess-drivers';
import { supplyAssessment, type SupplyAssessment, type SupplyInput } from './assess-supply';
import type { Recalibration } from './calibration';
import { DEFAULT_RISK_CORRELATION, recalibrateAt } from './default-risk-calibration';
import {
  type ErrorModel,
  probabilityFromDraws,
  remainingForecast,
  riskFromDraws,
  sortedRemaining,
} from './risk-model';
import { applySalesEnd, type SalesEndInput } from './sales-end';

export type InterventionKind =
  'more_units' | 'allocation' | 'amendment' | 'field_visit' | 'incentive_tier';
export type Intervention = {
  kind: InterventionKind;
  text: string;
  units?: number;
  probability?: number;
  /** Revenue of the units, or the money at stake (decimal string). */
  amount?: string;
  /** The model line the units are of (for the incentives what-if). */
  modelLine?: string;
  /** The agreement line the units are of (its label). */
  line?: string;
};

export type AssessInput = {
  label: string;
  /** Monthly units, oldest first, ending with the last complete month. */
  history: readonly number[];
  /** Planned units per month of the term (quarterly plans spread evenly over their months). */
  plannedByMonth: readonly number[];
  /** Complete months of the term (the last `elapsed` values of `history` are in the term). */
  elapsed: number;
  /** Months between the end of the history and the term's first month (a term not started yet). */
  lead?: number;
  draws?: number;
  /** Supply: the model line's units on hand and promised, or a totals' shortage (assess-supply.ts). */
  supply?: SupplyInput;
  /**
   * The regional market's trend (market-trend.ts): all-brand registrations of the last months
   * over the same months a year earlier. Its share of the gap: the same months last year, moved
   * by the market (a 10 % decline: 10 % of them fewer), taken out of the trend driver.
   */
  market?: { ratio: number; months: number };
  /** The recalibration per elapsed share (the network's own, risk-calibration.ts); default: shipped. */
  recalibration?: readonly { share: number; model: Recalibration }[];
  /** The dealer's own adjustments of the remaining months (a signal, not in the sum). */
  expectation?: DealerExpectationInput | null;
  /** Model lines whose planned end of sale falls in the remaining months (sales-end.ts). */
  salesEnd?: SalesEndInput;
};

export type Assessment = {
  commitment: number;
  toDate: number;
  elapsed: number;
  term: number;
  probability: number;
  rawProbability: number;
  expected: number;
  lower80: number;
  upper80: number;
  shortfallUnits: number;
  drivers: Driver[];
  /** Units this month that lift the probability to 80 % and 95 % (null: not within 10× the plan). */
  unitsFor: { target: number; units: number | null }[];
  supply: SupplyAssessment | null;
  /** Per remaining month, the units a planned end of sale takes off the forecast (null: none). */
  salesEndLost: number[] | null;
};

export function errorModelFor(history: readonly number[]): ErrorModel {
  const intermittent =
    history.length > 0 && history.every((v) => v >= 0) && demandProfile(history).adi >= 1.32;
  return {
    calibration: DEFAULT_CALIBRATIONS[intermittent ? 'intermittent' : 'regular'],
    correlation: DEFAULT_RISK_CORRELATION,
  };
}

export function assessCommitment(input: AssessInput): Assessment {
  const term = input.plannedByMonth.length;
  const elapsed = Math.min(term, Math.max(0, input.elapsed));
  const remaining = term - elapsed;
  const commitment = input.plannedByMonth.reduce((s, v) => s + v, 0);
  const inTerm = input.history.slice(input.history.length - elapsed);
  const toDate = inTerm.reduce((s, v) => s + v, 0);
  const lead = elapsed > 0 ? 0 : (input.lead ?? 0);
  const baseForecast = remainingForecast(input.history, remaining, lead);
  // A planned end of sale: the months after it sell nothing (sales-end.ts).
  const ended = applySalesEnd(baseForecast, input.salesEnd);
  const forecast = ended?.kept ?? baseForecast;
  const errorModel = errorModelFor(input.history);
  const scale = intervalScale(input.history);
  // One simulation of the remaining months; "N more units" only shifts what is already reached.
  // In the shared scratch array: nothing keeps the draws after this function returns.
  const draws = sortedRemaining(
    {
      forecast: baseForecast,
      ...(ended ? { keep: ended.keep } : {}),
      scale,
      errorModel,
      draws: input.draws ?? 1000,
      seed: 7,
    },
    true,
  );
  const share = elapsed / Math.max(1, term);
  // The calibrated probability with `extra` units more (a binary search in the sorted draws).
  const probabilityAt = (extra: number) => {
    const raw = probabilityFromDraws(draws, toDate + extra, commitment);
    return remaining === 0 ? raw : recalibrateAt(share, raw, input.recalibration);
  };
  const forecastRemaining = forecast.reduce((s, v) => s + v, 0);

  // Supply: what the forecast expects to sell before an order placed now arrives, beyond the
  // units on hand and promised, cannot be sold; it comes off every draw (a term not started yet:
  // its months are after the lead window, no effect).
  const supply = supplyAssessment({
    supply: input.supply,
    firstMonth: forecast[0] ?? 0,
    remaining,
    lead,
    need: commitment - toDate,
  });
  const short = supply?.shortage ?? 0;
  const reached = toDate - short;
  const risk = riskFromDraws(draws, reached, commitment);
  const probability = probabilityAt(-short);
  if (supply?.ask) {
    const left = Math.max(0, short - supply.ask);
    supply.probability = probabilityAt(-left);
  }
  const expected = toDate + forecastRemaining - short;

  const drivers = commitmentDrivers({
    label: input.label,
    history: input.history,
    plannedByMonth: input.plannedByMonth,
    elapsed,
    lead,
    toDate,
    forecastRemaining,
    expected,
    supply,
    ...(input.supply ? { supplyInput: input.supply } : {}),
    ...(input.market ? { market: input.market } : {}),
    ...(input.expectation ? { expectation: input.expectation } : {}),
    ...(ended && input.salesEnd
      ? { salesEnd: { ends: input.salesEnd.ends, units: ended.units } }
      : {}),
  });

  const unitsFor = [0.8, 0.95].map((target) => {
    if (probability >= target || remaining === 0)
      return { target, units: probability >= target ? 0 : null };
    const ceiling = Math.max(10, 10 * Math.ceil(commitment));
    let low = 0;
    let high = Math.max(1, Math.ceil(commitment - expected));
    while (high <= ceiling && probabilityAt(high - short) < target) high *= 2;
    if (high > ceiling) return { target, units: null };
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (probabilityAt(mid - short) >= target) high = mid;
      else low = mid;
    }
    return { target, units: high };
  });

  return {
    commitment,
    toDate,
    elapsed,
    term,
    probability,
    rawProbability: risk.probability,
    expected,
    lower80: risk.lower80,
    upper80: risk.upper80,
    shortfallUnits: risk.expectedShortfall,
    drivers,
    unitsFor,
    supply,
    salesEndLost: ended?.lost ?? null,
  };
}
