/**
 * The drivers of a commitment's gap (assess.ts; docs/insights.md): in units that add up exactly
 * to the gap between the commitment and the expected outcome — the pace so far, the plan against
 * the run rate, seasonality, the trend against last year with the regional market's share of it,
 * the supply shortage, a planned end of sale — and the dealer's own expectation as a signal
 * beside them. Shared by the agreements (their plan per month) and the program tiers
 * (program-risk.ts). Pure.
 */
import { inWords, monthSpan } from '../../../shared/months';
import { SUPPLY_LEAD_DAYS, type SupplyAssessment, type SupplyInput } from './assess-supply';
import { type SalesEnd, salesEndText } from './sales-end';

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

const round1 = (v: number) => Math.round(v * 10) / 10;

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
  supplyInput?: SupplyInput | undefined;
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
