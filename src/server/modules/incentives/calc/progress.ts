/**
 * Dealer progress and what-if, answered by the statement engine itself: the measure so far,
 * the tier reached, earned to date, the next tier, what is still needed to reach it and what
 * reaching it would add. "What it would add" is computed by running the same statement with the
 * needed units added as one hypothetical transaction (a copy of a typical unit: the dealer's
 * latest qualifying and paying sale in the window, a BEV for ev_share, or the caller's template).
 */
import Decimal from 'decimal.js';
import { Dec, dec, moneyString } from '../../../../shared/money';
import type { IncentiveTransaction, ProgramTier } from '../../../../shared/schemas/program';
import type { Powertrain } from '../../../../shared/schemas/catalog';
import type { TransactionKind } from '../../../../shared/schemas/transactions';
import { compareIds, compileProgram, isLowCo2, signedAmount } from './compile';
import { maxDate, minDate } from './dates';
import { findSettlementPeriod, type DealerPeriodAsOf } from './periods';
import {
  runStatement,
  type CountedTransaction,
  type Statement,
  type StatementInput,
} from './statement';

/** A typical unit for hypothetical transactions (the API builds it from the catalog). */
export type WhatIfTemplate = {
  sku: string;
  modelLineCode: string;
  powertrain: Powertrain;
  segment: string;
  /** MSRP of one unit, decimal string. */
  msrp: string;
  /** Revenue of one unit, decimal string. */
  amountPerUnit: string;
  /** Default: the first kind the program counts. */
  kind?: TransactionKind;
  /** The SKU's WLTP CO2 g/km (CO2 measures and benefits). */
  co2GPerKm?: number | null;
};

export type ProgressInput = Omit<StatementInput, 'period' | 'asOf'> & {
  /** Today: transactions dated up to this date count. */
  asOf: string;
  /** Default: the settlement period containing asOf. */
  period?: string;
  /** The unit to add when estimating what the next tier would add (default: see above). */
  template?: WhatIfTemplate | null;
};

export type ProgressNeeded = {
  /** The gap in the measure's own unit: units, revenue, or percentage points. */
  measure: string;
  /** Additional qualifying units (BEVs for ev_share) that reach the tier; null if unknown. */
  units: number | null;
  /** Additional revenue for revenue-based measures, else null. */
  revenue: string | null;
};

export type Progress = DealerPeriodAsOf & {
  eligible: boolean;
  measureValue: string | null;
  measureNote: string | null;
  tierReached: string | null;
  tierValue: string | null;
  earned: string;
  previouslySettled: string;
  amountDue: string;
  nextTier: ProgramTier | null;
  /** What is still needed to reach the next tier; null at the top tier or when unreachable. */
  needed: ProgressNeeded | null;
  /** How much more would be earned with `needed.units` more units; null when unknown. */
  nextTierAdds: string | null;
  /** Why `needed` or `nextTierAdds` is null, if it is. */
  note: string | null;
  statement: Statement;
};

const HUNDRED = new Dec(100);

function ceilUnits(value: Dec): number {
  return Math.max(1, value.ceil().toNumber());
}

function pickTemplate(
  qualifying: readonly CountedTransaction[],
  paying: readonly CountedTransaction[],
  only: ((tx: IncentiveTransaction) => boolean) | null,
): WhatIfTemplate | null {
  const payingSet = new Set(paying.map((c) => c.tx));
  const candidates = qualifying
    .filter((c) => c.quantity > 0 && (only === null || only(c.tx)))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : compareIds(a.tx.id, b.tx.id)));
  const preferred = candidates.filter((c) => payingSet.has(c.tx));
  const chosen = (preferred.length > 0 ? preferred : candidates).at(-1);
  if (!chosen) return null;
  const { tx, quantity } = chosen;
  return {
    sku: tx.sku,
    modelLineCode: tx.modelLineCode,
    powertrain: tx.powertrain,
    segment: tx.segment,
    msrp: tx.msrp,
    amountPerUnit: signedAmount(tx).div(quantity).toFixed(),
    kind: tx.kind,
    co2GPerKm: tx.co2GPerKm ?? null,
  };
}

/** The template as a row (to ask the filters and thresholds about it). */
function templateRow(template: WhatIfTemplate): IncentiveTransaction {
  return hypotheticalTransactions({
    template,
    quantity: 1,
    date: '2000-01-01',
    currency: 'XXX',
  })[0]!;
}

/** Hypothetical transactions for a what-if ("5 more BEVs of model line X"): one row. */
export function hypotheticalTransactions(options: {
  template: WhatIfTemplate;
  quantity: number;
  date: string;
  currency: string;
  kind?: TransactionKind;
}): IncentiveTransaction[] {
  const { template, quantity, date } = options;
  return [
    {
      id: `what-if-${date}-${quantity}`,
      kind: options.kind ?? template.kind ?? 'retail_delivery',
      sku: template.sku,
      modelLineCode: template.modelLineCode,
      powertrain: template.powertrain,
      segment: template.segment,
      msrp: template.msrp,
      vin: null,
      quantity,
      amount: dec(template.amountPerUnit).times(quantity).toFixed(),
      currency: options.currency,
      occurredOn: date,
      receivedAt: date,
      externalId: null,
      co2GPerKm: template.co2GPerKm ?? null,
    },
  ];
}

type Needed = { needed: ProgressNeeded | null; note: string | null };

function neededFor(options: {
  input: ProgressInput;
  statement: Statement;
  measure: Dec | null;
  next: ProgramTier;
  template: WhatIfTemplate | null;
}): Needed {
  const { input, statement, measure, next, template } = options;
  const { program } = input;
  const from = new Dec(next.from);
  const gap = from.minus(measure ?? 0);
  const v = statement.volumes;
  const perUnit = template ? dec(template.amountPerUnit) : null;
  const unitsForRevenue = (revenue: Dec) =>
    perUnit && perUnit.gt(0) ? ceilUnits(revenue.div(perUnit)) : null;
  switch (program.measure) {
    case 'units':
      return {
        needed: { measure: gap.toFixed(), units: ceilUnits(gap), revenue: null },
        note: null,
      };
    case 'revenue':
      return {
        needed: { measure: gap.toFixed(), units: unitsForRevenue(gap), revenue: gap.toFixed() },
        note: perUnit ? null : 'no typical unit to convert the revenue gap into units',
      };
    case 'agreement_attainment': {
      if (measure === null) return { needed: null, note: statement.measureNote };
      const planned = dec(input.plannedQuantity ?? 0);
      const units = from.times(planned).div(HUNDRED).minus(v.qualifyingUnits);
      return {
        needed: { measure: gap.toFixed(), units: ceilUnits(units), revenue: null },
        note: null,
      };
    }
    case 'growth': {
      if (measure === null) return { needed: null, note: statement.measureNote };
      const basis = program.growthBasis ?? 'units';
      const prior = dec(
        basis === 'units' ? (input.priorYear?.units ?? 0) : (input.priorYear?.revenue ?? 0),
      );
      const target = prior.times(from.plus(HUNDRED)).div(HUNDRED);
      if (basis === 'units') {
        const units = target.minus(v.qualifyingUnits);
        return {
          needed: { measure: gap.toFixed(), units: ceilUnits(units), revenue: null },
          note: null,
        };
      }
      const revenue = target.minus(v.qualifyingRevenue);
      return {
        needed: {
          measure: gap.toFixed(),
          units: unitsForRevenue(revenue),
          revenue: revenue.toFixed(),
        },
        note: perUnit ? null : 'no typical unit to convert the revenue gap into units',
      };
    }
    case 'low_co2_units': {
      const counts = template !== null && isLowCo2(compileProgram(program), templateRow(template));
      return {
        needed: { measure: gap.toFixed(), units: counts ? ceilUnits(gap) : null, revenue: null },
        note: counts
          ? null
          : `no typical unit at or below ${program.co2ThresholdGPerKm ?? '?'} g/km to add`,
      };
    }
    case 'ev_share': {
      const units = bevUnitsNeeded({
        qualifyingUnits: v.qualifyingUnits,
        bevUnits: v.bevUnits,
        targetPercent: from,
      });
      if (units === null) {
        return {
          needed: null,
          note: 'a 100% EV share cannot be reached by adding BEVs: other units already count',
        };
      }
      return { needed: { measure: gap.toFixed(), units, revenue: null }, note: null };
    }
  }
}

/** Progress of one dealer in one program: where it stands and what the next tier takes. */
export function calculateProgress(input: ProgressInput): Progress {
  const cp = compileProgram(input.program, input.fiscalYearStartMonth ?? 1);
  const period =
    input.period ??
    findSettlementPeriod({
      program: input.program,
      date: input.asOf,
      fiscalYearStartMonth: cp.fiscalYearStartMonth,
    }).period;
  const base: StatementInput = { ...input, period, includeLines: input.includeLines ?? false };
  const run = runStatement(base);
  const { statement } = run;
  const nextTierCompiled = run.compiled.tiers[run.reached + 1] ?? null;
  const nextTier = nextTierCompiled
    ? { from: nextTierCompiled.fromText, value: nextTierCompiled.valueText }
    : null;
  let needed: ProgressNeeded | null = null;
  let nextTierAdds: string | null = null;
  let note: string | null = null;
  if (nextTier) {
    const template =
      input.template ??
      pickTemplate(
        run.qualifying,
        run.paying,
        input.program.measure === 'ev_share'
          ? (tx) => tx.powertrain === 'BEV'
          : input.program.measure === 'low_co2_units'
            ? (tx) => isLowCo2(run.compiled, tx)
            : null,
      );
    const found = neededFor({
      input,
      statement,
      measure: run.measure.value,
      next: nextTier,
      template,
    });
    needed = found.needed;
    note = found.note;
    if (needed && needed.units !== null) {
      if (!template) {
        note = 'no typical unit in the window to estimate what the next tier adds';
      } else {
        const date = maxDate(
          run.settlement.window.start,
          minDate(input.asOf, run.settlement.cutoff),
        );
        const extra = hypotheticalTransactions({
          template,
          quantity: needed.units,
          date,
          currency: statement.currency,
          kind: template.kind ?? input.program.qualifying.kinds.find((k) => k !== 'unwind'),
        });
        const after = runStatement({
          ...base,
          asOf: date,
          includeLines: false,
          transactions: [...input.transactions, ...extra],
        });
        if (after.reached > run.reached) {
          nextTierAdds = moneyString(
            new Dec(after.statement.earned).minus(statement.earned),
            statement.currency,
          );
        } else {
          note = 'the typical unit does not count towards the measure';
        }
      }
    }
  }
  return {
    programCode: statement.programCode,
    dealerCode: statement.dealerCode,
    currency: statement.currency,
    period: statement.period,
    window: statement.window,
    asOf: input.asOf,
    eligible: statement.eligible,
    measureValue: statement.measureValue,
    measureNote: statement.measureNote,
    tierReached: statement.tierReached,
    tierValue: statement.tierValue,
    earned: statement.earned,
    previouslySettled: statement.previouslySettled,
    amountDue: statement.amountDue,
    nextTier,
    needed,
    nextTierAdds,
    note,
    statement,
  };
}

export type WhatIfResult = {
  before: Progress;
  after: Progress;
  /** after.earned − before.earned. */
  addedEarned: string;
};

/**
 * "If I deliver 5 more BEVs of this model line": the same engine with extra (hypothetical)
 * transactions. Extra rows dated after asOf count (asOf moves to the latest of them, within the
 * period), so a plan for the rest of the period can be tried.
 */
export function whatIf(options: {
  input: ProgressInput;
  extraTransactions: readonly IncentiveTransaction[];
}): WhatIfResult {
  const { input, extraTransactions } = options;
  const before = calculateProgress(input);
  let asOf = input.asOf;
  for (const tx of extraTransactions) asOf = maxDate(asOf, tx.occurredOn);
  const after = calculateProgress({
    ...input,
    period: before.period,
    asOf,
    transactions: [...input.transactions, ...extraTransactions],
  });
  return {
    before,
    after,
    addedEarned: moneyString(new Dec(after.earned).minus(before.earned), before.currency),
  };
}

/**
 * The BEVs to add for an EV share of at least `targetPercent`: the least n with
 * (b + n) × 100 ≥ target × (q + n), i.e. n ≥ (target × q − 100 × b) / (100 − target); at least 1
 * when there are no qualifying units yet; null when the target is 100% and other units count.
 */
export function bevUnitsNeeded(options: {
  qualifyingUnits: number;
  bevUnits: number;
  targetPercent: Decimal.Value;
}): number | null {
  const target = new Dec(options.targetPercent);
  const q = new Dec(options.qualifyingUnits);
  const b = new Dec(options.bevUnits);
  const atLeast = q.lte(0) ? 1 : 0;
  if (target.gte(HUNDRED)) return q.minus(b).gt(0) ? null : atLeast;
  const units = target.times(q).minus(b.times(HUNDRED)).div(HUNDRED.minus(target));
  return Math.max(atLeast, units.ceil().toNumber());
}
