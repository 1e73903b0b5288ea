/**
 * Over 800 lines because the statement is one pure calculation whose steps (measure, tiers,
 * incremental spans, caps, clawbacks, corrections) share their intermediate state; its property
 * tests read it as one unit. Rules that only decide which rows count live beside it (filters.ts,
 * vin-blocks.ts).
 *
 * The statement of one dealer, program and settlement period: the measure, the tier reached,
 * one line per paying transaction (plus clawback, cap and adjustment lines), each rounded
 * half-up to the currency's minor unit; `earned` is the exact sum of the lines and
 * `amountDue = earned − previouslySettled`. Pure: same input, same output, to the cent.
 * Rules and choices: docs/incentives.md.
 */
import { Dec, dec, moneyString, roundMoney } from '../../../../shared/money';
import { vinBlockCheck, vinBlockDetail, type VinBlockReason } from './vin-blocks';
import type {
  IncentiveDealer,
  IncentiveTransaction,
  PriorYearVolume,
  ProgramDefinition,
  SettledUnitBenefit,
  StatementAdjustment,
} from '../../../../shared/schemas/program';
import type {
  StatementExclusionReason,
  VinCorrectionReason,
} from '../../../../shared/schemas/incentives';
import {
  amountMinor,
  co2BelowTenths,
  compareIds,
  isLowCo2,
  compileProgram,
  msrpMinor,
  settlementOf,
  signedAmount,
  signedQuantity,
  unitMsrp,
  windowInfoOf,
  type CompiledProgram,
} from './compile';
import { addDays, arrivalDate, minDate } from './dates';
import { checkEligibility } from './eligibility';
import { fastBenefitTotal, sumScaled } from './fast-path';
import { formatScaled, mulSafe, parseScaled, pow10 } from '../../../../shared/fixed';
import { matchesCompiled, saleExclusion, withoutSaleRules } from './filters';
import { computeMeasure, formatMeasure, isRevenueMeasured, type MeasureResult } from './measure';
import type { IncentiveWindow, SettlementPeriod } from './periods';
import {
  incrementalRanges,
  reachedIndex,
  splitSpan,
  thresholdRanges,
  type CompiledTier,
  type RateRange,
  type SpanPart,
} from './tiers';

export type StatementLineKind = 'benefit' | 'clawback' | 'adjustment' | 'cap' | 'correction';

/** A part of a line's span paid at one rate (incremental tiers, growth increment). */
export type StatementLinePart = {
  /** Where the part starts and ends on the volume axis (units, or revenue). */
  from: string;
  to: string;
  /** The basis the rate applies to: units, revenue, or MSRP total; negative for an unwind. */
  basis: string;
  /** The tier value applied (per unit, or a percentage). */
  rate: string;
  tierFrom: string;
  amount: string;
};

export type StatementLine = {
  transactionId: number | string | null;
  kind: StatementLineKind;
  /** The date the line counts on (an unwind that arrived late counts on its arrival date). */
  date: string | null;
  quantity: number | null;
  /** What the rate applies to: units (per_unit), revenue, or the MSRP total (quantity × MSRP). */
  basis: string | null;
  /** The tier value applied (per unit, a percentage, or the lump sum); null when split. */
  rate: string | null;
  tierFrom: string | null;
  /** Present when the line's span was split across rate ranges. */
  parts: StatementLinePart[] | null;
  /** Rounded half-up to the currency's minor unit. */
  amount: string;
  explanation: string;
  /** Correction lines: the settled period and the line of its statement they correct. */
  correctsPeriod?: string;
  correctsLineNo?: number | null;
  /**
   * Correction lines moved by another dealer's delivery or approval of the same VIN: why, and
   * the dealer's own delivery they are about (absent on other lines).
   */
  correctionReason?: VinCorrectionReason;
  correctsTransactionId?: string;
  /** per_g_co2_below lines: the SKU's g/km, the program's threshold and the g/km below it. */
  co2?: { gPerKm: string; thresholdGPerKm: string; belowGPerKm: string };
};

export type ExcludedTransaction = {
  transactionId: number | string;
  reason: StatementExclusionReason;
  detail: string;
};

export type StatementVolumes = {
  qualifyingUnits: number;
  qualifyingRevenue: string;
  bevUnits: number;
  /** Net qualifying units at or below the CO2 threshold (CO2 programs; else 0). */
  lowCo2Units?: number;
  payingUnits: number;
  payingRevenue: string;
  /** Σ quantity × MSRP over the paying transactions (percent_of_msrp programs only, else null). */
  payingMsrp: string | null;
  /** Σ quantity × g/km below the threshold over the paying rows (per_g_co2_below only). */
  payingCo2Basis?: string;
};

export type Statement = {
  programCode: string;
  dealerCode: string;
  currency: string;
  period: string;
  window: IncentiveWindow;
  /** The last transaction date counted (the period's cut-off, or asOf when earlier). */
  cutoff: string;
  isCumulative: boolean;
  eligible: boolean;
  ineligibleReasons: string[];
  /** The measure, rounded down to 6 decimals for display (tiers are decided on the exact one). */
  measureValue: string | null;
  /** Why the measure is undefined (no planned quantity, no prior year, no units), or null. */
  measureNote: string | null;
  volumes: StatementVolumes;
  /** The `from` of the tier reached, or null. */
  tierReached: string | null;
  tierValue: string | null;
  lines: StatementLine[];
  lineCount: number;
  /** Σ benefit lines (before the cap). */
  benefitTotal: string;
  capApplied: boolean;
  /** Σ of all lines, exactly. */
  earned: string;
  previouslySettled: string;
  /** earned − previouslySettled; negative is a clawback. */
  amountDue: string;
  excluded: ExcludedTransaction[];
};

export type StatementInput = {
  program: ProgramDefinition;
  dealer: IncentiveDealer;
  /** The settlement period: '2026-03', '2026-Q1' or 'program' (see listSettlementPeriods). */
  period: string;
  /** The dealer's transactions; rows outside the period are skipped, so extra rows are fine. */
  transactions: readonly IncentiveTransaction[];
  /** Planned quantity of the dealer's active agreement in the window (agreement_attainment). */
  plannedQuantity?: string | number | null;
  /** The same window one year earlier (growth). */
  priorYear?: PriorYearVolume | null;
  /** What was settled before for this window, decimal string; default 0. */
  previouslySettled?: string;
  /** Benefits paid per unit in settled statements of this program: unwinds claw them back. */
  settledUnitBenefits?: readonly SettledUnitBenefit[];
  /** Lines added by hand (dispute resolutions). */
  adjustments?: readonly StatementAdjustment[];
  /** Count only transactions dated up to this date (live progress); default the cut-off. */
  asOf?: string;
  /** Build line objects (default true); totals are exact either way. */
  includeLines?: boolean;
  fiscalYearStartMonth?: number;
  /**
   * Deliveries whose VIN earns for another dealer (by transaction id as text): excluded with the
   * reason, as are this dealer's unwinds of them (the service reads them, vin-once.ts).
   */
  blockedSales?: ReadonlyMap<string, VinBlockReason>;
};

export type StatementTotals = Pick<
  Statement,
  | 'lines'
  | 'lineCount'
  | 'benefitTotal'
  | 'capApplied'
  | 'earned'
  | 'previouslySettled'
  | 'amountDue'
>;

/** What a statement is about: program, dealer, currency, settlement period, cut-off, eligibility. */
export type StatementSubject = {
  program: ProgramDefinition;
  dealer: IncentiveDealer;
  currency: string;
  settlement: SettlementPeriod;
  cutoff: string;
  eligibility: { eligible: boolean; reasons: string[] };
};

/**
 * The compiled program and the subject both paths (rows here, groups in aggregate.ts) start
 * from: the period's settlement, the cut-off (`asOf` when earlier), the dealer's eligibility.
 */
export function statementSubject(
  input: Pick<StatementInput, 'program' | 'dealer' | 'period' | 'asOf' | 'fiscalYearStartMonth'>,
): { cp: CompiledProgram; subject: StatementSubject } {
  const { program, dealer } = input;
  const cp = compileProgram(program, input.fiscalYearStartMonth ?? 1);
  const settlement = settlementOf(cp, input.period);
  const cutoff = input.asOf ? minDate(input.asOf, settlement.cutoff) : settlement.cutoff;
  const eligibility = checkEligibility({ program, dealer });
  return {
    cp,
    subject: { program, dealer, currency: cp.currency, settlement, cutoff, eligibility },
  };
}

/**
 * A statement from what both paths work out alike (from rows here, from groups in
 * aggregate.ts): the subject, measure, volumes, tier, what was left out, and the totals.
 */
export function statementOf(
  s: StatementSubject & {
    measureValue: string | null;
    measureNote: string | null;
    volumes: StatementVolumes;
    tier: { fromText: string; valueText: string } | null;
    excluded: ExcludedTransaction[];
  },
  totals: StatementTotals,
): Statement {
  return {
    programCode: s.program.code,
    dealerCode: s.dealer.code,
    currency: s.currency,
    period: s.settlement.period,
    window: s.settlement.window,
    cutoff: s.cutoff,
    isCumulative: s.settlement.isCumulative,
    eligible: s.eligibility.eligible,
    ineligibleReasons: s.eligibility.reasons,
    measureValue: s.measureValue,
    measureNote: s.measureNote,
    volumes: s.volumes,
    tierReached: s.tier ? s.tier.fromText : null,
    tierValue: s.tier ? s.tier.valueText : null,
    lines: totals.lines,
    lineCount: totals.lineCount,
    benefitTotal: totals.benefitTotal,
    capApplied: totals.capApplied,
    earned: totals.earned,
    previouslySettled: totals.previouslySettled,
    amountDue: totals.amountDue,
    excluded: s.excluded,
  };
}

/** A transaction that counts, with its signed quantity and the date it counts on. */
export type CountedTransaction = { tx: IncentiveTransaction; quantity: number; date: string };

export type StatementRun = {
  statement: Statement;
  compiled: CompiledProgram;
  settlement: SettlementPeriod;
  measure: MeasureResult;
  reached: number;
  qualifying: CountedTransaction[];
  paying: CountedTransaction[];
};

const ZERO = new Dec(0);

/** A decimal as a string with at least the currency's minor digits ("12" → "12.00"). */
function plainString(value: Dec, minorDigits: number): string {
  return value.decimalPlaces() > minorDigits ? value.toFixed() : value.toFixed(minorDigits);
}

/** Σ of a volume as an exact decimal string: integers when they fit, else decimals. */
function sumVolume(
  list: readonly CountedTransaction[],
  scaled: (c: CountedTransaction) => number | null,
  exact: (c: CountedTransaction) => Dec,
  minorDigits: number,
): string {
  const fast = sumScaled(list, scaled);
  if (fast !== null) return formatScaled(fast, minorDigits);
  let total = ZERO;
  for (const c of list) total = total.plus(exact(c));
  return plainString(total, minorDigits);
}

function isSorted(list: readonly CountedTransaction[]): boolean {
  for (let i = 1; i < list.length; i++) {
    if (byDateThenId(list[i - 1] as CountedTransaction, list[i] as CountedTransaction) > 0)
      return false;
  }
  return true;
}

function byDateThenId(a: CountedTransaction, b: CountedTransaction): number {
  return a.date < b.date ? -1 : a.date > b.date ? 1 : compareIds(a.tx.id, b.tx.id);
}

function unitsWord(n: number | string): string {
  return n === 1 || n === -1 || n === '1' || n === '-1' ? 'unit' : 'units';
}

function describeMeasure(
  program: ProgramDefinition,
  value: string | null,
  measure: MeasureResult,
  volumes: { bevUnits: number; qualifyingUnits: number; lowCo2Units: number },
  plannedQuantity: string | number | null | undefined,
  priorYear: PriorYearVolume | null | undefined,
): string {
  if (value === null) return `measure undefined: ${measure.note ?? 'no data'}`;
  switch (program.measure) {
    case 'units':
      return `${value} net qualifying ${unitsWord(value)}`;
    case 'revenue':
      return `net qualifying revenue ${value}`;
    case 'agreement_attainment':
      return `attainment ${value}% of the planned ${String(plannedQuantity)}`;
    case 'growth': {
      const basis = program.growthBasis ?? 'units';
      const prior = basis === 'units' ? priorYear?.units : priorYear?.revenue;
      return `growth ${value}% on the prior year's ${String(prior)} ${basis}`;
    }
    case 'ev_share':
      return `EV share ${value}% (${volumes.bevUnits} BEV of ${volumes.qualifyingUnits} qualifying units)`;
    case 'low_co2_units':
      return `${value} net qualifying ${unitsWord(value)} at or below ${program.co2ThresholdGPerKm ?? '?'} g/km (of ${volumes.qualifyingUnits} qualifying)`;
  }
}

type Indexed = {
  byExternalId: Map<string, SettledUnitBenefit>;
  byVin: Map<string, SettledUnitBenefit>;
};

function indexSettled(entries: readonly SettledUnitBenefit[], window: string): Indexed {
  const byExternalId = new Map<string, SettledUnitBenefit>();
  const byVin = new Map<string, SettledUnitBenefit>();
  for (const e of entries) {
    // Clawed back by an approved statement: once; that window's later statements keep it.
    if (e.clawedBackIn != null && e.clawedBackIn !== window) continue;
    // A sale settled in this same window nets with its unwind instead (cumulative settlement);
    // a claim's adjustment is clawed back wherever the unwind counts (its sale is in no statement).
    if (e.claimId == null && e.window === window) continue;
    if (e.externalId) byExternalId.set(e.externalId, e);
    if (e.vin) byVin.set(e.vin, e);
  }
  return { byExternalId, byVin };
}

/** The statement and the intermediate results (the progress and what-if engine reuses them). */
export function runStatement(input: StatementInput): StatementRun {
  const { cp, subject } = statementSubject(input);
  const { program, currency, settlement, cutoff, eligibility } = subject;
  const windowStart = settlement.window.start;
  const graceUntil = settlement.graceUntil;
  const includeLines = input.includeLines ?? true;
  const settled =
    input.settledUnitBenefits && input.settledUnitBenefits.length > 0
      ? indexSettled(input.settledUnitBenefits, settlement.window.label)
      : null;

  const excluded: ExcludedTransaction[] = [];
  const qualifying: CountedTransaction[] = [];
  const paying: CountedTransaction[] = [];
  const clawbacks: { counted: CountedTransaction; entry: SettledUnitBenefit; ref: string }[] = [];
  let qualifyingUnits = 0;
  let bevUnits = 0;
  let lowCo2Units = 0;
  const countsLowCo2 = program.measure === 'low_co2_units';
  const saleRules = cp.usesSale
    ? { qualifying: withoutSaleRules(cp.qualifying), paying: withoutSaleRules(cp.paying) }
    : null;

  const graceNext = cp.lateFrom.get(settlement.period) ?? addDays(graceUntil, 1);
  const vinBlocked = vinBlockCheck(input.transactions, input.blockedSales);
  for (const tx of input.transactions) {
    const occurred = tx.occurredOn;
    const quantity = tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity;
    let date = occurred;
    if (quantity < 0) {
      // An unwind that arrives after its own window's grace deadline counts on its arrival date.
      const home = windowInfoOf(cp, occurred);
      const arrived = arrivalDate(tx.receivedAt, occurred);
      if (home && arrived > home.graceUntil) date = arrived;
    }
    if (date < windowStart || date > cutoff) continue;
    const isQualifying = matchesCompiled(cp.qualifying, tx);
    const isPaying = cp.payingIsQualifying ? isQualifying : matchesCompiled(cp.paying, tx);
    let claw: { key: string; entry: SettledUnitBenefit } | null = null;
    if (quantity < 0 && settled) {
      const key = tx.originalExternalId ? tx.originalExternalId : tx.vin ? tx.vin : null;
      const entry = tx.originalExternalId
        ? settled.byExternalId.get(tx.originalExternalId)
        : tx.vin
          ? settled.byVin.get(tx.vin)
          : undefined;
      if (key !== null && entry) claw = { key, entry };
    }
    if (!isQualifying && !isPaying && claw === null) {
      // Left out by the retail delivery report alone (a demonstrator, an employee sale): say why.
      if (
        saleRules !== null &&
        (matchesCompiled(saleRules.qualifying, tx) || matchesCompiled(saleRules.paying, tx))
      ) {
        const why = saleExclusion(cp.qualifying, tx) ?? saleExclusion(cp.paying, tx);
        if (why) {
          excluded.push({
            transactionId: tx.id,
            reason: why.reason,
            detail: `${why.text} (retail delivery report${tx.saleCategory == null ? ' missing' : ''}): the program excludes it`,
          });
        }
      }
      continue;
    }
    // receivedAt ≥ the day after the deadline ⇔ its date part is after the deadline.
    if (tx.receivedAt && tx.receivedAt >= graceNext) {
      const arrived = arrivalDate(tx.receivedAt, occurred);
      excluded.push({
        transactionId: tx.id,
        reason: 'late',
        detail: `dated ${occurred}, arrived ${arrived}, after the grace deadline ${graceUntil} of ${settlement.period}`,
      });
      continue;
    }
    if (tx.currency !== currency) {
      excluded.push({
        transactionId: tx.id,
        reason: 'currency_mismatch',
        detail: `in ${tx.currency}, the program pays in ${currency}`,
      });
      continue;
    }
    if (vinBlocked !== null) {
      const why = vinBlocked(tx, quantity, claw !== null);
      if (why) {
        excluded.push({ transactionId: tx.id, reason: why, detail: vinBlockDetail(why, tx.vin) });
        continue;
      }
    }
    if (claw?.entry.takenBack) {
      // Its payment was already taken back by a correction (the VIN earns with another dealer):
      // the unwind takes nothing more, as an unwind of a blocked delivery.
      const why = claw.entry.takenBack;
      excluded.push({ transactionId: tx.id, reason: why, detail: vinBlockDetail(why, tx.vin) });
      continue;
    }
    const counted: CountedTransaction = { tx, quantity, date };
    if (claw !== null) {
      clawbacks.push({ counted, entry: claw.entry, ref: claw.key });
      continue;
    }
    if (isQualifying) {
      qualifyingUnits += quantity;
      if (tx.powertrain === 'BEV') bevUnits += quantity;
      if (countsLowCo2 && isLowCo2(cp, tx)) lowCo2Units += quantity;
      qualifying.push(counted);
    }
    if (isPaying) paying.push(counted);
  }

  const minor = cp.minorDigits;
  const byAmount = (c: CountedTransaction) => amountMinor(c.tx, minor);
  const byExactAmount = (c: CountedTransaction) => signedAmount(c.tx);
  const qualifyingRevenue = sumVolume(qualifying, byAmount, byExactAmount, minor);
  const revenueMeasured = isRevenueMeasured(program);
  const measure = computeMeasure({
    program,
    ingredients: {
      qualifyingUnits,
      qualifyingRevenue: revenueMeasured ? new Dec(qualifyingRevenue) : ZERO,
      bevUnits,
      lowCo2Units,
    },
    plannedQuantity: input.plannedQuantity,
    plannedNote: input.dealer.agreementNote,
    priorYear: input.priorYear,
  });
  const measureValue = formatMeasure(measure.value);
  const reached = reachedIndex(cp.tiers, measure.value);
  const tier = cp.tiers[reached] ?? null;
  const measureText = includeLines
    ? describeMeasure(
        program,
        measureValue,
        measure,
        { bevUnits, qualifyingUnits, lowCo2Units },
        input.plannedQuantity,
        input.priorYear,
      )
    : '';

  // Lines go in date-then-id order; incremental tiers and growth increment allocate their
  // ranges in that order (a retroactive total does not depend on it).
  const orderMatters =
    includeLines ||
    program.tierMode === 'incremental' ||
    (program.measure === 'growth' && program.growthBenefitBase === 'increment');
  if (orderMatters && !isSorted(paying)) paying.sort(byDateThenId);
  let payingUnits = 0;
  for (const c of paying) payingUnits += c.quantity;
  const payingRevenue = cp.payingIsQualifying
    ? qualifyingRevenue
    : sumVolume(paying, byAmount, byExactAmount, minor);
  const payingMsrp =
    program.benefit === 'percent_of_msrp'
      ? sumVolume(
          paying,
          (c) => {
            const msrp = msrpMinor(c.tx, minor);
            return msrp === null ? null : mulSafe(msrp, c.quantity);
          },
          (c) => unitMsrp(c.tx).times(c.quantity),
          minor,
        )
      : null;
  const volumes: StatementVolumes = {
    qualifyingUnits,
    qualifyingRevenue,
    bevUnits,
    ...(countsLowCo2 ? { lowCo2Units } : {}),
    payingUnits,
    payingRevenue,
    payingMsrp,
    ...(program.benefit === 'per_g_co2_below'
      ? { payingCo2Basis: paying.reduce((a, c) => a.plus(co2Basis(cp, c)), ZERO).toFixed() }
      : {}),
  };
  const paysLines = eligibility.eligible && program.benefit !== 'lump_sum';
  const paysLump = eligibility.eligible && program.benefit === 'lump_sum' && tier !== null;
  const header = (totals: StatementTotals): Statement =>
    statementOf(
      { ...subject, measureValue, measureNote: measure.note, volumes, tier, excluded },
      totals,
    );
  const run = (statement: Statement): StatementRun => ({
    statement,
    compiled: cp,
    settlement,
    measure,
    reached,
    qualifying,
    paying,
  });

  // Totals only, in exact integers, for the common case (no clawbacks, no adjustments).
  if (!includeLines && clawbacks.length === 0 && !input.adjustments?.length) {
    const previous = parseScaled(input.previouslySettled ?? '0', minor);
    const benefit = paysLines
      ? fastBenefitTotal({ cp, paying, reached, priorYear: input.priorYear })
      : paysLump
        ? (cp.fast.lumpMinor[reached] ?? null)
        : 0;
    const capOk = cp.cap === null || cp.fast.capMinor !== null;
    if (benefit !== null && previous !== null && capOk) {
      const capMinor = cp.fast.capMinor;
      const capApplied = eligibility.eligible && capMinor !== null && benefit > capMinor;
      const earned = capApplied ? (capMinor as number) : benefit;
      const statement = header({
        lines: [],
        lineCount: (paysLines ? paying.length : paysLump ? 1 : 0) + (capApplied ? 1 : 0),
        benefitTotal: formatScaled(benefit, minor),
        capApplied,
        earned: formatScaled(earned, minor),
        previouslySettled: formatScaled(previous, minor),
        amountDue: formatScaled(earned - previous, minor),
      });
      return run(statement);
    }
  }

  const lines: StatementLine[] = [];
  let lineCount = 0;
  let benefitTotal = ZERO;
  if (paysLump && tier) {
    const amount = roundMoney(tier.value, currency);
    benefitTotal = amount;
    lineCount++;
    if (includeLines) {
      lines.push({
        transactionId: null,
        kind: 'benefit',
        date: null,
        quantity: null,
        basis: null,
        rate: tier.valueText,
        tierFrom: tier.fromText,
        parts: null,
        amount: moneyString(amount, currency),
        explanation: `lump sum ${moneyString(amount, currency)} for reaching the tier from ${tier.fromText} (${measureText}), once per dealer and window`,
      });
    }
  } else if (paysLines) {
    const fastTotal = includeLines
      ? null
      : fastBenefitTotal({ cp, paying, reached, priorYear: input.priorYear });
    benefitTotal =
      fastTotal !== null
        ? new Dec(fastTotal).div(pow10(minor))
        : payLines({
            cp,
            paying,
            tier,
            reached,
            priorYear: input.priorYear,
            measureText,
            includeLines,
            lines,
          });
    lineCount += paying.length;
  }

  let total = benefitTotal;
  let capApplied = false;
  if (eligibility.eligible && cp.cap !== null && benefitTotal.gt(cp.cap)) {
    const cap = roundMoney(cp.cap, currency);
    const reduction = cap.minus(benefitTotal);
    total = total.plus(reduction);
    capApplied = true;
    lineCount++;
    if (includeLines) {
      lines.push({
        transactionId: null,
        kind: 'cap',
        date: null,
        quantity: null,
        basis: moneyString(benefitTotal, currency),
        rate: null,
        tierFrom: null,
        parts: null,
        amount: moneyString(reduction, currency),
        explanation: `cap per dealer and window ${moneyString(cap, currency)}: the benefit of ${moneyString(benefitTotal, currency)} is reduced by ${moneyString(reduction.neg(), currency)}`,
      });
    }
  }

  clawbacks.sort((a, b) => byDateThenId(a.counted, b.counted));
  const clawedBack = new Set<string>();
  for (const { counted, entry, ref } of clawbacks) {
    const key = String(entry.transactionId);
    if (clawedBack.has(key)) {
      excluded.push({
        transactionId: counted.tx.id,
        reason: 'duplicate_clawback',
        detail: `the benefit of sale ${key} was already clawed back in this statement`,
      });
      continue;
    }
    clawedBack.add(key);
    const paid = dec(entry.amount);
    const units = Math.min(Math.abs(counted.quantity), entry.quantity);
    const exact = entry.quantity > 0 ? paid.times(units).div(entry.quantity) : paid;
    const amount = roundMoney(exact, currency).neg();
    total = total.plus(amount);
    lineCount++;
    if (includeLines) {
      lines.push({
        transactionId: counted.tx.id,
        kind: 'clawback',
        date: counted.date,
        quantity: counted.quantity,
        basis: paid.toFixed(),
        rate: null,
        tierFrom: null,
        parts: null,
        amount: moneyString(amount, currency),
        explanation: `unwind of ${ref} reverses sale ${key}, ${entry.claimId != null ? `paid by the adjustment of claim ${entry.claimId} in ${entry.window}` : `settled in ${entry.window}`}: the ${moneyString(amount.neg(), currency)} paid for it is clawed back`,
      });
    }
  }

  for (const adjustment of input.adjustments ?? []) {
    const amount = roundMoney(adjustment.amount, currency);
    total = total.plus(amount);
    lineCount++;
    if (includeLines && adjustment.correction) {
      const c = adjustment.correction;
      lines.push({
        transactionId: c.transactionId,
        kind: 'correction',
        date: null,
        quantity: c.quantity ?? null,
        basis: null,
        rate: null,
        tierFrom: null,
        parts: null,
        amount: moneyString(amount, currency),
        explanation: `correction for ${c.period}${c.lineNo === null ? '' : ` (line ${c.lineNo})`}: ${adjustment.explanation}`,
        correctsPeriod: c.period,
        correctsLineNo: c.lineNo,
        ...(c.reason && c.deliveryId
          ? { correctionReason: c.reason, correctsTransactionId: c.deliveryId }
          : {}),
      });
    } else if (includeLines) {
      lines.push({
        transactionId: null,
        kind: 'adjustment',
        date: null,
        quantity: null,
        basis: null,
        rate: null,
        tierFrom: null,
        parts: null,
        amount: moneyString(amount, currency),
        explanation: `adjustment ${adjustment.reference}: ${adjustment.explanation}`,
      });
    }
  }

  const previouslySettled = dec(input.previouslySettled ?? '0');
  const statement = header({
    lines,
    lineCount,
    benefitTotal: moneyString(benefitTotal, currency),
    capApplied,
    earned: moneyString(total, currency),
    previouslySettled: plainString(previouslySettled, minor),
    amountDue: moneyString(total.minus(previouslySettled), currency),
  });
  return run(statement);
}

/**
 * Splits a dealer's transactions by the measurement window they count in (the transaction
 * date; an unwind that arrived after its window's grace deadline counts on its arrival date).
 * Rows outside the program are dropped. Pass a window's rows to its statements.
 */
export function groupTransactionsByWindow(options: {
  program: ProgramDefinition;
  transactions: readonly IncentiveTransaction[];
  fiscalYearStartMonth?: number;
}): Map<string, IncentiveTransaction[]> {
  const cp = compileProgram(options.program, options.fiscalYearStartMonth ?? 1);
  const groups = new Map<string, IncentiveTransaction[]>();
  for (const tx of options.transactions) {
    let info = windowInfoOf(cp, tx.occurredOn);
    if (signedQuantity(tx) < 0) {
      const arrived = arrivalDate(tx.receivedAt, tx.occurredOn);
      if (info && arrived > info.graceUntil) info = windowInfoOf(cp, arrived);
    }
    if (!info) continue;
    const list = groups.get(info.window.label);
    if (list) list.push(tx);
    else groups.set(info.window.label, [tx]);
  }
  return groups;
}

/** Computes the statement of one dealer, program and period. */
export function calculateStatement(input: StatementInput): Statement {
  return runStatement(input).statement;
}

// ---------------------------------------------------------------------------------------------
// Benefit lines
// ---------------------------------------------------------------------------------------------

type Axis = 'units' | 'revenue';

function payLines(options: {
  cp: CompiledProgram;
  paying: CountedTransaction[];
  tier: CompiledTier | null;
  reached: number;
  priorYear: PriorYearVolume | null | undefined;
  measureText: string;
  includeLines: boolean;
  lines: StatementLine[];
}): Dec {
  const { cp, paying, tier, reached, includeLines, lines, measureText } = options;
  const { program, currency } = cp;
  const benefit = program.benefit;
  const axis: Axis = benefit === 'percent_of_revenue' ? 'revenue' : 'units';
  let ranges: RateRange[] | null = null;
  let thresholdText = '';
  if (tier && program.tierMode === 'incremental') {
    ranges = incrementalRanges(cp.tiers, reached);
  } else if (tier && program.measure === 'growth' && program.growthBenefitBase === 'increment') {
    const prior = options.priorYear;
    const threshold =
      axis === 'units'
        ? new Dec(prior?.payingUnits ?? prior?.units ?? 0)
        : new Dec(prior?.payingRevenue ?? prior?.revenue ?? 0);
    ranges = thresholdRanges(tier, threshold);
    thresholdText = `the prior year's ${threshold.toFixed()} ${axis === 'units' ? 'units' : 'revenue'}`;
  }

  let total = ZERO;
  let position = ZERO;
  const roundedByQuantity = new Map<number, Dec>();
  for (const c of paying) {
    const { tx, quantity } = c;
    let exact: Dec;
    let parts: SpanPart[] | null = null;
    let unitValue: Dec | null = null;
    if (!tier) {
      exact = ZERO;
    } else if (ranges === null) {
      if (benefit === 'per_unit') {
        // Fast path: the same quantity at the same rate rounds the same way.
        let cached = roundedByQuantity.get(quantity);
        if (cached === undefined) {
          cached = roundMoney(tier.rate.times(quantity), currency);
          roundedByQuantity.set(quantity, cached);
        }
        total = total.plus(cached);
        if (includeLines) lines.push(benefitLine(c, cached, tier, null, measureText, cp, null, ''));
        continue;
      }
      const basis =
        benefit === 'percent_of_revenue'
          ? signedAmount(tx)
          : benefit === 'per_g_co2_below'
            ? co2Basis(cp, c)
            : unitMsrp(tx).times(quantity);
      exact = basis.times(tier.rate);
    } else {
      const length = axis === 'revenue' ? signedAmount(tx) : new Dec(quantity);
      parts = splitSpan(ranges, position, length);
      position = position.plus(length);
      unitValue = benefit === 'percent_of_msrp' ? unitMsrp(tx) : null;
      exact = ZERO;
      for (const p of parts) {
        const basis = unitValue ? p.length.times(unitValue) : p.length;
        exact = exact.plus(basis.times(p.range.rate));
      }
    }
    const amount = roundMoney(exact, currency);
    total = total.plus(amount);
    if (includeLines) {
      lines.push(benefitLine(c, amount, tier, parts, measureText, cp, unitValue, thresholdText));
    }
  }
  return total;
}

/** The CO2 figures of a per_g_co2_below line (null for other benefits). */
function co2Of(cp: CompiledProgram, c: CountedTransaction): StatementLine['co2'] | null {
  if (cp.program.benefit !== 'per_g_co2_below') return null;
  const below = co2BelowTenths(cp, c.tx);
  return {
    gPerKm:
      c.tx.co2GPerKm === null || c.tx.co2GPerKm === undefined ? 'unknown' : String(c.tx.co2GPerKm),
    thresholdGPerKm: cp.program.co2ThresholdGPerKm ?? '',
    belowGPerKm: new Dec(below ?? 0).div(10).toFixed(),
  };
}

/** 'units 51–60' (the 51st to the 60th unit), 'back over unit 60', 'revenue 0–1000.00'. */
function spanText(benefit: ProgramDefinition['benefit'], part: SpanPart): string {
  const back = part.length.isNeg() ? 'back over ' : '';
  if (benefit !== 'percent_of_revenue' && part.start.isInteger() && part.end.isInteger()) {
    const first = part.start.plus(1).toFixed();
    const last = part.end.toFixed();
    return `${back}${first === last ? `unit ${last}` : `units ${first}–${last}`}`;
  }
  const axis = benefit === 'percent_of_revenue' ? 'revenue' : 'units';
  return `${back}${axis} ${part.start.toFixed()}–${part.end.toFixed()}`;
}

/** The basis of a line as a string: units, revenue, or the MSRP total. */
function lineBasis(cp: CompiledProgram, c: CountedTransaction): string {
  switch (cp.program.benefit) {
    case 'percent_of_revenue':
      return signedAmount(c.tx).toFixed();
    case 'percent_of_msrp':
      return unitMsrp(c.tx).times(c.quantity).toFixed();
    case 'per_g_co2_below':
      return co2Basis(cp, c).toFixed();
    default:
      return String(c.quantity);
  }
}

/** per_g_co2_below: g/km below the threshold × units (0 at or above it, and when unknown). */
function co2Basis(cp: CompiledProgram, c: CountedTransaction): Dec {
  const below = co2BelowTenths(cp, c.tx) ?? 0;
  return new Dec(below).div(10).times(c.quantity);
}

function rateText(cp: CompiledProgram, value: string): string {
  const benefit = cp.program.benefit;
  return benefit === 'per_unit'
    ? `${value} per unit`
    : benefit === 'per_g_co2_below'
      ? `${value} per g/km per unit`
      : `${value}%`;
}

function benefitLine(
  c: CountedTransaction,
  amount: Dec,
  tier: CompiledTier | null,
  parts: SpanPart[] | null,
  measureText: string,
  cp: CompiledProgram,
  unitValue: Dec | null,
  thresholdText: string,
): StatementLine {
  const { currency, program } = cp;
  const basis = lineBasis(cp, c);
  const money = moneyString(amount, currency);
  // One object shape for every line (no spreads: they are slow in this hot path).
  const line = (
    rate: string | null,
    tierFrom: string | null,
    lineParts: StatementLinePart[] | null,
    explanation: string,
  ): StatementLine => ({
    transactionId: c.tx.id,
    kind: 'benefit',
    date: c.date,
    quantity: c.quantity,
    basis,
    rate,
    tierFrom,
    parts: lineParts,
    amount: money,
    explanation,
  });
  if (!tier) {
    const first = cp.tiers[0];
    const co2Unpaid = co2Of(cp, c);
    if (co2Unpaid) {
      const result = line(
        null,
        null,
        null,
        `no tier reached (${measureText}${first ? `; the first tier is from ${first.fromText}` : ''}): nothing paid for ${co2Unpaid.gPerKm} g/km against the threshold ${co2Unpaid.thresholdGPerKm}`,
      );
      result.co2 = co2Unpaid;
      return result;
    }
    return line(
      null,
      null,
      null,
      `no tier reached (${measureText}${first ? `; the first tier is from ${first.fromText}` : ''}): nothing paid`,
    );
  }
  const co2 = co2Of(cp, c);
  const what =
    program.benefit === 'per_unit'
      ? `${c.quantity} ${unitsWord(c.quantity)}`
      : program.benefit === 'percent_of_revenue'
        ? `revenue ${basis}`
        : co2
          ? `${c.quantity} ${unitsWord(c.quantity)} at ${co2.gPerKm} g/km, ${co2.belowGPerKm} g/km below the threshold ${co2.thresholdGPerKm} (basis ${basis})`
          : `MSRP ${c.tx.msrp} × ${c.quantity} ${unitsWord(c.quantity)}`;
  if (parts === null && co2) {
    const result = line(
      tier.valueText,
      tier.fromText,
      null,
      `${what} at ${rateText(cp, tier.valueText)} = ${money} (tier from ${tier.fromText} reached: ${measureText})`,
    );
    result.co2 = co2;
    return result;
  }
  if (parts === null) {
    return line(
      tier.valueText,
      tier.fromText,
      null,
      `${what} at ${rateText(cp, tier.valueText)} = ${money} (tier from ${tier.fromText} reached: ${measureText})`,
    );
  }
  const lineParts: StatementLinePart[] = parts.map((p) => {
    const partBasis = unitValue ? p.length.times(unitValue) : p.length;
    return {
      from: p.start.toFixed(),
      to: p.end.toFixed(),
      basis: partBasis.toFixed(),
      rate: p.range.tier.valueText,
      tierFrom: p.range.tier.fromText,
      amount: partBasis.times(p.range.rate).toFixed(),
    };
  });
  const rates = new Set(lineParts.map((p) => p.rate));
  const described = parts
    .map(
      (p) =>
        `${spanText(program.benefit, p)} at ${rateText(cp, p.range.tier.valueText)}${thresholdText ? '' : ` (tier from ${p.range.tier.fromText})`}`,
    )
    .join(', ');
  const unpaid =
    lineParts.length === 0
      ? thresholdText
        ? `within ${thresholdText}: not paid`
        : 'below the first tier: not paid'
      : '';
  const prefix = thresholdText
    ? `${what}, paid only above ${thresholdText}`
    : `${what}, incremental tiers`;
  const single = rates.size === 1 ? (lineParts[0] as StatementLinePart) : null;
  return line(
    single ? single.rate : null,
    single ? single.tierFrom : null,
    lineParts,
    `${prefix}: ${described || unpaid} = ${money} (${measureText})`,
  );
}
