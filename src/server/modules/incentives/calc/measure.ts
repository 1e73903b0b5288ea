/**
 * The measure a tier is decided on, from the net qualifying volume of the window (unwinds
 * always net). Percentages are exact decimals (never binary floats):
 *
 * - units: net qualifying units.
 * - revenue: net qualifying revenue.
 * - agreement_attainment: qualifying units × 100 / planned quantity of the dealer's agreement in
 *   the window (an input); no planned quantity (or zero) leaves the measure undefined.
 * - growth: (current − prior year) × 100 / prior year, on growthBasis units or revenue; the prior
 *   year's volume of the same window is an input; none (or zero) leaves the measure undefined.
 * - ev_share: BEV units × 100 / qualifying units; no qualifying units leaves it undefined.
 * - low_co2_units: net qualifying units whose SKU's WLTP CO2 is at or below the program's
 *   co2ThresholdGPerKm.
 *
 * An undefined measure reaches no tier.
 */
import Decimal from 'decimal.js';
import { Dec, dec } from '../../../../shared/money';
import type { PriorYearVolume, ProgramDefinition } from '../../../../shared/schemas/program';

export type MeasureIngredients = {
  /** Net qualifying units (a whole number, or a projection). */
  qualifyingUnits: number | Dec;
  qualifyingRevenue: Dec;
  bevUnits: number | Dec;
  /** Net qualifying units at or below the CO2 threshold (measure low_co2_units). */
  lowCo2Units?: number | Dec;
};

export type MeasureResult = {
  value: Dec | null;
  /** Why the measure is undefined, or null. */
  note: string | null;
};

type MeasureProgram = Pick<ProgramDefinition, 'measure' | 'growthBasis'>;

const HUNDRED = new Dec(100);

/** Whether the measure is read from revenue (revenue, or growth in revenue): else units. */
export function isRevenueMeasured(program: ProgramDefinition): boolean {
  return (
    program.measure === 'revenue' ||
    (program.measure === 'growth' && program.growthBasis === 'revenue')
  );
}

export function computeMeasure(options: {
  program: MeasureProgram;
  ingredients: MeasureIngredients;
  plannedQuantity?: Decimal.Value | null | undefined;
  /** Why there is no plan, when the caller knows better (a cancelled agreement). */
  plannedNote?: string | undefined;
  priorYear?: PriorYearVolume | null | undefined;
}): MeasureResult {
  const { program, ingredients } = options;
  switch (program.measure) {
    case 'units':
      return { value: new Dec(ingredients.qualifyingUnits), note: null };
    case 'revenue':
      return { value: ingredients.qualifyingRevenue, note: null };
    case 'agreement_attainment': {
      const planned =
        options.plannedQuantity === null || options.plannedQuantity === undefined
          ? null
          : dec(options.plannedQuantity);
      if (planned === null || planned.lte(0)) {
        return {
          value: null,
          note: options.plannedNote ?? 'no planned quantity in an active agreement for the window',
        };
      }
      return {
        value: new Dec(ingredients.qualifyingUnits).times(HUNDRED).div(planned),
        note: null,
      };
    }
    case 'growth': {
      const prior = options.priorYear;
      const basis = program.growthBasis ?? 'units';
      const before = prior ? (basis === 'units' ? dec(prior.units) : dec(prior.revenue)) : null;
      if (before === null || before.lte(0)) {
        return { value: null, note: 'no prior-year volume in the same window to grow from' };
      }
      const now =
        basis === 'units' ? new Dec(ingredients.qualifyingUnits) : ingredients.qualifyingRevenue;
      return { value: now.minus(before).times(HUNDRED).div(before), note: null };
    }
    case 'low_co2_units':
      return { value: new Dec(ingredients.lowCo2Units ?? 0), note: null };
    case 'ev_share': {
      if (new Dec(ingredients.qualifyingUnits).lte(0)) {
        return { value: null, note: 'no qualifying units in the window' };
      }
      return {
        value: new Dec(ingredients.bevUnits).times(HUNDRED).div(ingredients.qualifyingUnits),
        note: null,
      };
    }
  }
}

/**
 * A measure as shown: rounded down (toward minus infinity) to 6 decimals, so a shown value is
 * never above the exact one and "shown ≥ tier from" holds exactly when the tier is reached
 * (tier `from`s have at most 6 decimals).
 */
export function formatMeasure(value: Dec | null): string | null {
  return value === null ? null : value.toDecimalPlaces(6, Decimal.ROUND_FLOOR).toFixed();
}

/** The measure from the net qualifying volume, as decimal strings in and out. */
export function calculateMeasure(options: {
  program: MeasureProgram;
  qualifyingUnits: number;
  qualifyingRevenue: string;
  bevUnits: number;
  lowCo2Units?: number;
  plannedQuantity?: string | number | null;
  priorYear?: PriorYearVolume | null;
}): { value: string | null; note: string | null } {
  const result = computeMeasure({
    program: options.program,
    ingredients: {
      qualifyingUnits: options.qualifyingUnits,
      qualifyingRevenue: dec(options.qualifyingRevenue),
      bevUnits: options.bevUnits,
      lowCo2Units: options.lowCo2Units ?? 0,
    },
    plannedQuantity: options.plannedQuantity,
    priorYear: options.priorYear,
  });
  return { value: formatMeasure(result.value), note: result.note };
}
