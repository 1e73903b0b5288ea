/**
 * A program's measure on the tier risk's axis and the engine's money of a tier (program-risk.ts,
 * issue 14 §1; docs/insights.md, "Program tiers"): the axis the measure grows on ("units",
 * "revenue" or "bev_units"), its value to date from the engine's statement and each tier's
 * threshold on it (see program-risk.ts's module comment for each measure's rule); what reaching a
 * tier adds to what is earned now, the engine's statement run again (an exact decimal); and the
 * expected missed money, rounded half-up once; the SKUs the axis counts (`axisSkus`). Pure.
 */
import { Dec, moneyString } from '../../../shared/money';
import {
  bevUnitsNeeded,
  calculateStatement,
  hypotheticalTransactions,
  type StatementInput,
  type WhatIfTemplate,
} from '../incentives/calc';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import { skuMatches } from '../incentives/incentives-context';
import type { SkuRow } from '../incentives/incentives.repository';
import type { ProgramAxis } from './program-risk';

/** The SKUs whose units the measure's axis counts (and, for ev_share, the other ones). */
export function axisSkus(def: ProgramDefinition, skus: SkuRow[]) {
  const qualifying = skus.filter((s) => skuMatches(def.qualifying, s));
  if (def.measure === 'ev_share')
    return {
      axis: qualifying.filter((s) => s.powertrain === 'BEV'),
      others: qualifying.filter((s) => s.powertrain !== 'BEV'),
    };
  if (def.measure === 'low_co2_units') {
    const limit = Number(def.co2ThresholdGPerKm ?? Number.NaN);
    return { axis: qualifying.filter((s) => s.co2GPerKm <= limit), others: [] };
  }
  return { axis: qualifying, others: [] };
}

/** What the engine's statement says so far, the program's axis and each tier's threshold on it. */
export type MeasureBasis = {
  axis: ProgramAxis;
  toDate: number;
  thresholds: (number | null)[];
  /** Units to add now (nothing else sold) that reach each tier (the engine's own rule). */
  unitsNow: (number | null)[];
};

type Volumes = {
  qualifyingUnits: number;
  qualifyingRevenue: string;
  bevUnits: number;
  lowCo2Units?: number;
};

/**
 * The axis, to date and thresholds of a program's measure (see the module comment). `froms` are
 * the tiers' `from` ascending; `otherForecast` is ev_share's forecast mean of the other qualifying
 * units; `perUnit` the revenue of one unit for revenue axes.
 */
export function measureBasis(options: {
  measure: string;
  growthBasis?: 'units' | 'revenue' | undefined;
  froms: readonly string[];
  volumes: Volumes;
  plannedQuantity: number | null;
  priorYear: { units: number; revenue: string } | null;
  otherForecast?: number;
  perUnit?: number;
}): MeasureBasis | null {
  const v = options.volumes;
  const froms = options.froms.map(Number);
  const now = (axis: ProgramAxis, toDate: number, thresholds: (number | null)[]) => ({
    axis,
    toDate,
    thresholds,
    unitsNow: thresholds.map((t) => {
      if (t === null) return null;
      const gap = t - toDate;
      if (gap <= 0) return 0;
      if (axis !== 'revenue') return Math.ceil(gap - 1e-9);
      return options.perUnit && options.perUnit > 0 ? Math.ceil(gap / options.perUnit) : null;
    }),
  });
  switch (options.measure) {
    case 'units':
      return now('units', v.qualifyingUnits, froms);
    case 'low_co2_units':
      return now('units', v.lowCo2Units ?? 0, froms);
    case 'revenue':
      return now('revenue', Number(v.qualifyingRevenue), froms);
    case 'agreement_attainment': {
      const planned = options.plannedQuantity;
      if (planned === null || !(planned > 0)) return null;
      return now(
        'units',
        v.qualifyingUnits,
        froms.map((f) => (f * planned) / 100),
      );
    }
    case 'growth': {
      const basis = options.growthBasis ?? 'units';
      const prior =
        options.priorYear === null
          ? 0
          : basis === 'units'
            ? options.priorYear.units
            : Number(options.priorYear.revenue);
      if (!(prior > 0)) return null;
      const thresholds = froms.map((f) => (prior * (100 + f)) / 100);
      return basis === 'units'
        ? now('units', v.qualifyingUnits, thresholds)
        : now('revenue', Number(v.qualifyingRevenue), thresholds);
    }
    case 'ev_share': {
      const others = v.qualifyingUnits - v.bevUnits + (options.otherForecast ?? 0);
      const thresholds = froms.map((t) =>
        t >= 100 ? (others > 0 ? null : v.bevUnits) : (t * others) / (100 - t),
      );
      const basis = now('bev_units', v.bevUnits, thresholds);
      // Units now: the engine's own rule with nothing else sold (bevUnitsNeeded).
      basis.unitsNow = options.froms.map((from) =>
        bevUnitsNeeded({
          qualifyingUnits: v.qualifyingUnits,
          bevUnits: v.bevUnits,
          targetPercent: from,
        }),
      );
      return basis;
    }
    default:
      return null;
  }
}

/**
 * What reaching a tier adds to what is earned now, exactly: the engine's statement run again
 * with `units` units of the template dated `date` (one more unit at a time, at most three, when
 * the engine's filters or rounding need it). Null when the units do not reach the tier.
 */
export function tierMoney(options: {
  input: StatementInput;
  earned: string;
  template: WhatIfTemplate;
  units: number;
  date: string;
  tierFrom: string;
}): { units: number; adds: string; pays: string } | null {
  const { input, template, date } = options;
  const kind = template.kind ?? input.program.qualifying.kinds.find((k) => k !== 'unwind');
  for (let units = Math.max(1, options.units); units <= options.units + 3; units += 1) {
    const extra = hypotheticalTransactions({
      template,
      quantity: units,
      date,
      currency: input.program.currency,
      ...(kind ? { kind } : {}),
    });
    const after = calculateStatement({
      ...input,
      includeLines: false,
      transactions: [...input.transactions, ...extra],
    });
    if (after.tierReached !== null && new Dec(after.tierReached).gte(options.tierFrom)) {
      const currency = input.program.currency;
      return {
        units,
        adds: moneyString(new Dec(after.earned).minus(options.earned), currency),
        pays: moneyString(after.earned, currency),
      };
    }
  }
  return null;
}

/** (1 − p) × money, rounded half-up once (p to 6 decimals: the money stays a decimal product). */
export function expectedMissed(probability: number, money: string, currency: string): string {
  const missed = new Dec(1).minus(new Dec(probability.toFixed(6)));
  return moneyString(new Dec(money).times(missed), currency);
}
