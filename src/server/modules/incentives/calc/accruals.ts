/**
 * Accruals: the liability per dealer, program and window, earned to date and projected to the
 * end of the window from the run-rate so far (until forecasts exist). A pure function of the
 * volumes to date: each additive volume (units, revenue, BEV units, paying volume) is scaled by
 * window days / elapsed days, the measure and tier are recomputed from the projected volumes, and
 * the benefit is applied to the projected paying volume (one rounding: it is an estimate, not a
 * statement). Lines that are not benefit (clawbacks, adjustments) carry over as they are.
 */
import { Dec, dec, moneyString, roundMoney } from '../../../../shared/money';
import type { PriorYearVolume, ProgramDefinition } from '../../../../shared/schemas/program';
import { compileProgram } from './compile';
import { addDays, daysInclusive, maxDate, minDate } from './dates';
import { checkEligibility } from './eligibility';
import { computeMeasure, formatMeasure } from './measure';
import type { DealerPeriodAsOf } from './periods';
import { findSettlementPeriod } from './periods';
import { runStatement, type StatementInput, type StatementVolumes } from './statement';
import { incrementalRanges, payForVolume, reachedIndex, thresholdRanges } from './tiers';

export type AccrualProjection = {
  projectedMeasureValue: string | null;
  projectedTierReached: string | null;
  /** Projected earned for the whole window, rounded half-up to the minor unit. */
  projectedEarned: string;
};

/**
 * Projects a window's earned amount from the volumes to date (for instance the month totals
 * of a SQL roll-up): volumes × totalDays / elapsedDays.
 */
export function projectAccrual(options: {
  program: ProgramDefinition;
  volumes: StatementVolumes;
  elapsedDays: number;
  totalDays: number;
  plannedQuantity?: string | number | null;
  priorYear?: PriorYearVolume | null;
  /** Clawback and adjustment lines to date, carried over unscaled (decimal string). */
  otherLines?: string;
  /** Default true; an ineligible dealer accrues only its other lines. */
  eligible?: boolean;
  fiscalYearStartMonth?: number;
}): AccrualProjection {
  const { program, volumes } = options;
  const cp = compileProgram(program, options.fiscalYearStartMonth ?? 1);
  const factor =
    options.elapsedDays > 0 ? new Dec(options.totalDays).div(options.elapsedDays) : new Dec(0);
  const scale = (value: string | number) => new Dec(value).times(factor);
  const measure = computeMeasure({
    program,
    ingredients: {
      qualifyingUnits: scale(volumes.qualifyingUnits),
      qualifyingRevenue: scale(volumes.qualifyingRevenue),
      bevUnits: scale(volumes.bevUnits),
      lowCo2Units: scale(volumes.lowCo2Units ?? 0),
    },
    plannedQuantity: options.plannedQuantity,
    priorYear: options.priorYear,
  });
  const reached = reachedIndex(cp.tiers, measure.value);
  const tier = cp.tiers[reached] ?? null;
  let benefit = new Dec(0);
  if (tier && options.eligible !== false) {
    const units = scale(volumes.payingUnits);
    const revenue = scale(volumes.payingRevenue);
    const msrp = volumes.payingMsrp === null ? null : scale(volumes.payingMsrp);
    const onRevenue = program.benefit === 'percent_of_revenue';
    const axis = onRevenue ? revenue : units;
    const isIncrement = program.measure === 'growth' && program.growthBenefitBase === 'increment';
    if (program.benefit === 'lump_sum') {
      benefit = tier.value;
    } else if (program.tierMode === 'incremental') {
      benefit = payForVolume(incrementalRanges(cp.tiers, reached), axis);
    } else if (isIncrement) {
      const prior = options.priorYear;
      const threshold = onRevenue
        ? dec(prior?.payingRevenue ?? prior?.revenue ?? 0)
        : dec(prior?.payingUnits ?? prior?.units ?? 0);
      const paid = payForVolume(thresholdRanges(tier, threshold), axis);
      // percent_of_msrp: units above the prior year × the average MSRP per paying unit.
      benefit =
        program.benefit === 'percent_of_msrp'
          ? msrp && !units.isZero()
            ? paid.times(msrp).div(units)
            : new Dec(0)
          : paid;
    } else if (program.benefit === 'per_unit') {
      benefit = units.times(tier.rate);
    } else if (onRevenue) {
      benefit = revenue.times(tier.rate);
    } else if (program.benefit === 'per_g_co2_below') {
      benefit = scale(volumes.payingCo2Basis ?? '0').times(tier.rate);
    } else {
      benefit = (msrp ?? new Dec(0)).times(tier.rate);
    }
    if (cp.cap !== null && benefit.gt(cp.cap)) benefit = cp.cap;
  }
  const projected = roundMoney(benefit, cp.currency).plus(options.otherLines ?? '0');
  return {
    projectedMeasureValue: formatMeasure(measure.value),
    projectedTierReached: tier ? tier.fromText : null,
    projectedEarned: moneyString(projected, cp.currency),
  };
}

export type Accrual = AccrualProjection &
  DealerPeriodAsOf & {
    elapsedDays: number;
    totalDays: number;
    measureValue: string | null;
    tierReached: string | null;
    earnedToDate: string;
  };

/**
 * Earned to date (the statement as of `asOf`) and projected to the end of the measurement
 * window from the run-rate so far.
 */
export function calculateAccrual(
  input: Omit<StatementInput, 'period' | 'asOf' | 'includeLines'> & {
    asOf: string;
    period?: string;
  },
): Accrual {
  const period =
    input.period ??
    findSettlementPeriod({
      program: input.program,
      date: input.asOf,
      fiscalYearStartMonth: input.fiscalYearStartMonth,
    }).period;
  const run = runStatement({ ...input, period, includeLines: false });
  const { statement, settlement } = run;
  const window = settlement.window;
  const totalDays = daysInclusive(window.start, window.end);
  const through = minDate(maxDate(input.asOf, addDays(window.start, -1)), window.end);
  const elapsedDays = Math.max(0, daysInclusive(window.start, through));
  const capped =
    statement.capApplied && input.program.capPerDealer
      ? new Dec(input.program.capPerDealer)
      : new Dec(statement.benefitTotal);
  const otherLines = new Dec(statement.earned).minus(capped).toFixed();
  const eligible = checkEligibility({ program: input.program, dealer: input.dealer }).eligible;
  const projection = projectAccrual({
    program: input.program,
    volumes: statement.volumes,
    elapsedDays,
    totalDays,
    plannedQuantity: input.plannedQuantity,
    priorYear: input.priorYear,
    otherLines,
    eligible,
    fiscalYearStartMonth: input.fiscalYearStartMonth,
  });
  return {
    programCode: statement.programCode,
    dealerCode: statement.dealerCode,
    currency: statement.currency,
    period: statement.period,
    window,
    asOf: input.asOf,
    elapsedDays,
    totalDays,
    measureValue: statement.measureValue,
    tierReached: statement.tierReached,
    earnedToDate: statement.earned,
    ...projection,
    // Nothing elapsed yet: nothing to project from but what is already earned.
    projectedEarned: elapsedDays === 0 ? statement.earned : projection.projectedEarned,
  };
}
