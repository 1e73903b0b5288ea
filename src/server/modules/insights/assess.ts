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
 *   outcome (docs/insights.md);
 * - interventions: the units this month that lift the probability to the next level, an
 *   amendment to a realistic plan when the commitment is out of reach, a field visit when money
 *   is at stake.
 */
import { inWords, monthSpan } from '../../../shared/months';
import { DEFAULT_CALIBRATIONS } from '../forecasts/methods/default-calibration';
import { intervalScale } from '../forecasts/methods/intervals';
import { demandProfile } from '../forecasts/methods/intermittent';
import type { Recalibration } from './calibration';
import { DEFAULT_RISK_CORRELATION, recalibrateAt } from './default-risk-calibration';
import {
  type ErrorModel,
  probabilityFromDraws,
  remainingForecast,
  riskFromDraws,
  sortedRemaining,
} from './risk-model';
import { applySalesEnd, type SalesEnd, type SalesEndInput, salesEndText } from './sales-end';

export type DriverKind =
  | 'pace'
  | 'plan_vs_run_rate'
  | 'seasonality'
  | 'last_year'
  | 'market_trend'
  | 'availability'
  | 'sales_end';
export type Driver = {
  kind: DriverKind | 'mix' | 'dealer_expectation';
  units: number;
  text: string;
  additive?: boolean;
};

/**
 * The dealer's own expectation (dealer-expectation.ts): the sum of its forecast-grid adjustments
 * (adjusted − baseline) over the remaining months it adjusted, and the cycle they are from.
 */
export type DealerExpectationInput = { delta: number; months: readonly string[]; cycle: string };
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
  /**
   * Supply (the availability module's days' supply of the line's model line): `units` on hand
   * and promised (stock + in transit + in build + unfilled allocation) and its days' supply; or,
   * for an agreement's totals, `shortage`: the lines' shortages summed.
   */
  supply?: { units: number; daysSupply: number | null; label: string } | { shortage: number };
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

/** Days an order takes to arrive (availability's lead time): sales before then need supply now. */
export const SUPPLY_LEAD_DAYS = 30;
const DAYS_PER_MONTH = 30.4375;

export type SupplyAssessment = {
  /** Units the forecast expects in the lead window that the supply does not cover. */
  shortage: number;
  units?: number;
  daysSupply?: number | null;
  /** Units the plan needs in the lead window (the remaining need spread over the days left). */
  need?: number;
  /** Allocation that would cover the need, and the probability once the shortage is lifted. */
  ask?: number;
  probability?: number;
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

const round1 = (v: number) => Math.round(v * 10) / 10;

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

/**
 * Supply in the lead window (an order placed now arrives after SUPPLY_LEAD_DAYS): what the
 * forecast expects to sell before then beyond the units on hand and promised cannot be sold.
 * `need`: the units still needed to reach the commitment (spread over the remaining days).
 * Null without supply, with no month left, or for a term not started yet (lead > 0).
 */
export function supplyAssessment(options: {
  supply: AssessInput['supply'];
  /** The forecast of the first remaining month. */
  firstMonth: number;
  remaining: number;
  lead: number;
  need: number;
}): SupplyAssessment | null {
  const { supply: input, remaining, lead } = options;
  if (!input || remaining <= 0 || lead > 0) return null;
  if ('shortage' in input) return { shortage: input.shortage };
  const window = Math.min(SUPPLY_LEAD_DAYS, remaining * DAYS_PER_MONTH);
  const expectedInWindow = (options.firstMonth * window) / DAYS_PER_MONTH;
  const need = (Math.max(0, options.need) * window) / (remaining * DAYS_PER_MONTH);
  const shortage = Math.max(0, expectedInWindow - input.units);
  const ask = need > input.units ? Math.ceil(need - input.units) : 0;
  return { shortage, units: input.units, daysSupply: input.daysSupply, need, ask };
}

/**
 * The drivers of a gap, in units, that add up exactly (after rounding to 0.1) to
 * commitment − expected: pace so far + plan vs the last 12 months' run rate + seasonality of the
 * remaining calendar months + the trend against the same months last year (which takes the
 * rounding), with the regional market's share of the trend and the supply shortage split out.
 * Shared by the agreements (their plan per month) and the program tiers (a tier's threshold
 * spread evenly over the window, `plan` naming it in the texts: "tier 2").
 */
export function commitmentDrivers(input: {
  label: string;
  history: readonly number[];
  plannedByMonth: readonly number[];
  elapsed: number;
  lead: number;
  toDate: number;
  forecastRemaining: number;
  expected: number;
  supply: SupplyAssessment | null;
  supplyInput?: AssessInput['supply'];
  market?: { ratio: number; months: number };
  /** What the commitment is called in the texts (default "the plan"). */
  plan?: string;
  /** The word for the quantity in the texts (default "units"; a revenue axis: its currency). */
  unit?: string;
  expectation?: DealerExpectationInput;
  /** The units planned ends of sale take off the forecast (`forecastRemaining` is after them). */
  salesEnd?: { ends: readonly SalesEnd[]; units: number };
}): Driver[] {
  const unit = input.unit ?? 'units';
  const { elapsed, lead, toDate, forecastRemaining, expected, supply } = input;
  const plan = input.plan ?? 'the plan';
  const term = input.plannedByMonth.length;
  const remaining = term - elapsed;
  const commitment = input.plannedByMonth.reduce((s, v) => s + v, 0);
  const short = supply?.shortage ?? 0;
  const plannedToDate = input.plannedByMonth.slice(0, elapsed).reduce((s, v) => s + v, 0);
  const plannedRemaining = commitment - plannedToDate;
  const last12 = input.history.slice(-12);
  const runRate = last12.length > 0 ? last12.reduce((s, v) => s + v, 0) / last12.length : 0;
  const n = input.history.length;
  let lastYearRemaining = 0;
  for (let h = 1; h <= remaining; h += 1) {
    // The same calendar month a year (or whole years) earlier, within the history.
    let index = n - 1 + lead + h - 12;
    while (index >= n) index -= 12;
    lastYearRemaining += index >= 0 ? input.history[index]! : runRate;
  }
  const pace = plannedToDate - toDate;
  const planVsRunRate = plannedRemaining - runRate * remaining;
  const seasonality = runRate * remaining - lastYearRemaining;
  const ended = input.salesEnd && remaining > 0 ? input.salesEnd : null;
  // The trend is against the forecast before the ends: the ends are a driver of their own.
  const lastYear = lastYearRemaining - forecastRemaining - (ended?.units ?? 0);
  const market =
    input.market && remaining > 0 ? lastYearRemaining * (1 - input.market.ratio) : null;
  const supplyText = () => {
    if (!supply) return '';
    if (supply.units === undefined)
      return `the lines' supply covers ${round1(short)} units fewer than the next ${SUPPLY_LEAD_DAYS} days' expected sales`;
    const label =
      input.supplyInput && 'label' in input.supplyInput ? input.supplyInput.label : input.label;
    const days = supply.daysSupply === null ? '' : ` (${supply.daysSupply} days' supply)`;
    return short > 0
      ? `${label}: ${supply.units} units in stock and on the way${days}, ${round1(short)} fewer than the next ${SUPPLY_LEAD_DAYS} days' expected sales`
      : `${label}: ${supply.units} units in stock and on the way${days} cover the next ${SUPPLY_LEAD_DAYS} days' expected sales`;
  };
  const drivers: Driver[] = [
    {
      kind: 'pace',
      units: round1(pace),
      text:
        pace > 0
          ? `${round1(pace)} ${unit} behind ${plan} so far`
          : `${round1(-pace)} ${unit} ahead of ${plan} so far`,
    },
    {
      kind: 'plan_vs_run_rate',
      units: round1(planVsRunRate),
      text:
        plan === 'the plan'
          ? `the plan for the ${remaining} remaining months is ${round1(Math.abs(planVsRunRate))} units ${planVsRunRate >= 0 ? 'above' : 'below'} the last 12 months' pace`
          : `${plan}, spread evenly over the window, asks ${round1(Math.abs(planVsRunRate))} ${unit} ${planVsRunRate >= 0 ? 'more' : 'less'} of the ${remaining} remaining months than the last 12 months' pace`,
    },
    {
      kind: 'seasonality',
      units: round1(seasonality),
      text: `the remaining calendar months sold ${round1(Math.abs(seasonality))} ${unit} ${seasonality >= 0 ? 'less' : 'more'} than an average month last year`,
    },
    {
      kind: 'last_year',
      units: round1(lastYear),
      text: `the forecast expects ${round1(Math.abs(lastYear))} ${unit} ${lastYear >= 0 ? 'fewer' : 'more'} than the same months last year (trend)`,
    },
    ...(market !== null && input.market
      ? [
          {
            kind: 'market_trend' as const,
            units: round1(market),
            text: `the regional market (all brands) is ${Math.round(Math.abs(1 - input.market.ratio) * 100)} % ${input.market.ratio < 1 ? 'below' : 'above'} a year ago over the last ${input.market.months} months: ${round1(Math.abs(market))} ${unit} ${market >= 0 ? 'fewer' : 'more'} than the same months last year`,
          },
        ]
      : []),
    ...(supply
      ? [{ kind: 'availability' as const, units: round1(short), text: supplyText() }]
      : []),
    ...(ended
      ? [
          {
            kind: 'sales_end' as const,
            units: round1(ended.units),
            text: salesEndText(ended.ends, ended.units, unit),
          },
        ]
      : []),
  ];
  // The rounded drivers add up exactly to the rounded gap: the trend (the forecast's residual
  // against last year, less the market's share of it) takes the rounding.
  const gap = round1(commitment - expected);
  const trend = drivers[3]!;
  const others = drivers.reduce((s, d) => (d === trend ? s : s + d.units), 0);
  trend.units = round1(gap - others);
  const own = input.expectation
    ? dealerExpectationDriver(input.expectation, expected, gap, { plan, unit })
    : null;
  return own ? [...drivers, own] : drivers;
}

/**
 * The dealer's own expectation as a signal beside the drivers (`additive: false`): its forecast
 * grid's adjustments of the remaining months, in units (+: the dealer expects fewer than the
 * model, widening the gap; −: more), with the outcome and gap they imply. The expected outcome
 * stays the model's: its probability and interval are calibrated on the model's own errors, and
 * a dealer's judgement is not; the manager sees both numbers side by side.
 */
export function dealerExpectationDriver(
  e: DealerExpectationInput,
  expected: number,
  gap: number,
  /** What the target is called ("the plan"; a program tier: "tier 2") and its unit. */
  words: { plan: string; unit: string } = { plan: 'the plan', unit: 'units' },
): Driver | null {
  const units = round1(-e.delta);
  if (units === 0) return null;
  const months = monthSpan(e.months[0]!, e.months[e.months.length - 1]!);
  const implied = round1(gap + units);
  const { plan, unit } = words;
  const gapText = (g: number) =>
    g > 0 ? `${g} ${unit} short of ${plan}` : g < 0 ? `${-g} ${unit} past ${plan}` : `on ${plan}`;
  // "20.4 units short of the plan instead of 32.6" when both are on the same side of the plan.
  const model =
    Math.sign(implied) === Math.sign(gap) && gap !== 0 ? `${Math.abs(gap)}` : gapText(gap);
  return {
    kind: 'dealer_expectation',
    units,
    additive: false,
    text: `the dealer's own forecast (forecast grid, ${inWords(e.cycle)} cycle) expects ${Math.abs(units)} ${unit} ${units < 0 ? 'more' : 'fewer'} than the model for ${months}: about ${Math.round(expected - units)} instead of ${Math.round(expected)}, ${gapText(implied)} instead of ${model}`,
  };
}
