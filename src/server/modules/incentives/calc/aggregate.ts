/**
 * Over 600 lines because it is the grouped twin of statement.ts, rule for rule; one file keeps
 * each rule beside the others it must agree with.
 *
 * Totals-only statements from pre-aggregated transactions (the network recalculation): the same
 * rules as `runStatement` in statement.ts (the line-by-line reference), applied to groups of
 * transactions that every rule treats alike. A group is one month × kind × sign × currency ×
 * late arrival date × (qualifying, paying, BEV) class of a dealer; it carries the sums and, for
 * benefits whose lines round per transaction, the sum of each tier's rounded line amounts (the
 * service's SQL computes `round(basis × rate, minor)` per row, exactly as `roundMoney`).
 *
 * Exact only for month-aligned programs (`isAggregatable`): windows and cut-offs then hold whole
 * months, so a group's month decides where all its rows count. Benefits whose lines depend on
 * the order of the transactions (incremental percentages, growth increment on revenue or MSRP)
 * are not supported: the caller uses the row path for them. A property test checks that the
 * cents equal the line-by-line statement's.
 */
import { Dec, minorUnits, moneyString, roundMoney } from '../../../../shared/money';
import type { IncentiveTransaction, ProgramDefinition } from '../../../../shared/schemas/program';
import { compileProgram, windowInfoOf, type CompiledProgram } from './compile';
import { addDays, arrivalDate, monthEnd } from './dates';
import { fastBenefitTotal } from './fast-path';
import { formatScaled, MAX_SAFE, parseScaled, pow10 } from '../../../../shared/fixed';
import { matchesCompiled } from './filters';
import { computeMeasure, formatMeasure, isRevenueMeasured } from './measure';
import {
  statementOf,
  statementSubject,
  type CountedTransaction,
  type Statement,
  type StatementInput,
} from './statement';
import { reachedIndex } from './tiers';

/**
 * Transactions of one dealer dated in one month that count alike in every program, summed: one
 * kind, sign, currency, late arrival date and SKU class (what the SKU matches in each program's
 * filters, kinds aside: the kind is the group's own and is checked per program).
 */
export type TransactionGroup = {
  /** 'YYYY-MM-01': the month the rows are dated in. */
  monthStart: string;
  kind: string;
  /** The rows' quantities are negative (after the unwind sign rule). */
  negative: boolean;
  currency: string;
  /** The arrival date when it is after the end of the month, else null (arrived within it). */
  receivedOn: string | null;
  /** Index into the caller's `classes`. */
  skuClass: number;
  rowCount: number;
  /** Σ signed quantity. */
  quantity: number;
  /** Σ signed amount in minor units of the group's currency. */
  amountMinor: number;
  /** Σ of the positive and of the negative signed amounts (bounds of the walk in a month). */
  amountUpMinor: number;
  amountDownMinor: number;
  /**
   * Σ over the rows of per-row rounded line amounts (minor units), one per column of the caller
   * (see `roundedLineTiers`); null where a sum did not fit.
   */
  rounded: readonly (number | null)[];
};

/** Bits of a SKU class for one program. */
export const QUALIFYING = 1;
export const PAYING = 2;
export const BEV = 4;

export type AggregateStatementInput = Omit<StatementInput, 'transactions' | 'includeLines'> & {
  /** The dealer's groups; groups outside the settlement are skipped, so extra ones are fine. */
  groups: readonly TransactionGroup[];
  /** SKU class → QUALIFYING | PAYING | BEV bits for this program. */
  classes: readonly number[];
  /** Tier index (ascending) → index into `rounded`, when lines round per row; else null. */
  tierColumns: readonly number[] | null;
  /**
   * The `ordered` mode: the dealer's rows of the months `needMonths` reported (all rows dated in
   * them, and late negative rows), sorted by date then id; other rows are skipped.
   */
  orderedRows?: readonly OrderedRow[];
  /**
   * The `ordered` mode without `orderedRows`: receives the months ('YYYY-MM') where the walk
   * over the tier ranges may cross a range boundary; the function then returns null and the
   * caller passes those months' rows.
   */
  needMonths?: Set<string>;
};

function isMonthStart(date: string): boolean {
  return date.endsWith('-01');
}

/** What a tier's line is computed on when it is rounded per row. */
export type RoundedLineBasis = 'units' | 'revenue' | 'msrp';

/**
 * The basis and rate of each tier when the line amounts must be summed row by row (a per-unit
 * value finer than the currency, or a percentage); null when Σ units × value is already exact.
 */
export function roundedLineTiers(
  program: ProgramDefinition,
): { basis: RoundedLineBasis; rate: string }[] | null {
  if (program.benefit === 'lump_sum') return null;
  const cp = compileProgram(program);
  if (program.benefit === 'per_unit') {
    const divisor = pow10(6 - cp.minorDigits);
    if (cp.fast.valueMicro.every((v) => v !== null && v % divisor === 0)) return null;
    return cp.tiers.map((t) => ({ basis: 'units', rate: t.rate.toFixed() }));
  }
  return cp.tiers.map((t) => ({
    basis: program.benefit === 'percent_of_revenue' ? 'revenue' : 'msrp',
    rate: t.rate.toFixed(),
  }));
}

/** How the network totals of a program are computed exactly (null: only row by row). */
export type AggregationMode = 'groups' | 'ordered';

const modeCache = new WeakMap<ProgramDefinition, AggregationMode | null>();
const roundedCache = new WeakMap<ProgramDefinition, ReturnType<typeof roundedLineTiers>>();

function roundedOf(program: ProgramDefinition) {
  if (!roundedCache.has(program)) roundedCache.set(program, roundedLineTiers(program));
  return roundedCache.get(program)!;
}

/**
 * `groups`: the totals follow from groups alone (month-aligned dates, no claims, and a benefit
 * that does not depend on the order of the transactions or is linear in the net volume).
 * `ordered`: the measure follows from groups but the benefit lines depend on the order (an
 * incremental percentage, a growth increment on revenue or MSRP, per-unit values finer than the
 * currency in incremental mode): the caller also passes the dealer's paying rows in order.
 * null: claims or dates inside a month; the caller computes row by row.
 */
export function aggregationMode(program: ProgramDefinition): AggregationMode | null {
  const cached = modeCache.get(program);
  if (cached !== undefined) return cached;
  let mode: AggregationMode | null = 'groups';
  const cp = compileProgram(program);
  if (
    program.requiresClaim ||
    // CO2 measure and benefit read each row's SKU g/km: row by row (docs/incentives.md)
    program.measure === 'low_co2_units' ||
    program.benefit === 'per_g_co2_below' ||
    !isMonthStart(program.startDate) ||
    monthEnd(program.endDate.slice(0, 7)) !== program.endDate ||
    cp.minorDigits > 6
  ) {
    mode = null;
  } else {
    const exactPerUnit = program.benefit === 'per_unit' && roundedOf(program) === null;
    if (program.tierMode === 'incremental') {
      const onRevenue = program.benefit === 'percent_of_revenue';
      const froms = onRevenue ? cp.fast.fromMinor : cp.fast.fromUnits;
      if (!froms.every((f) => f !== null)) mode = null;
      else if (!exactPerUnit) mode = 'ordered';
    } else if (program.measure === 'growth' && program.growthBenefitBase === 'increment') {
      if (!exactPerUnit && program.benefit !== 'lump_sum') mode = 'ordered';
    }
  }
  modeCache.set(program, mode);
  return mode;
}

/** Whether the totals follow from groups alone (see `aggregationMode`). */
export function isAggregatable(program: ProgramDefinition): boolean {
  return aggregationMode(program) === 'groups';
}

/** One transaction of a dealer for the `ordered` mode (rows sorted by date, then id). */
export type OrderedRow = {
  id: number;
  occurredOn: string;
  /** The arrival date when after the transaction date, else null (as the row path gives it). */
  receivedOn: string | null;
  kind: string;
  currency: string;
  skuClass: number;
  /** The engine's row: signed quantity and amount, MSRP (built once, reused per period). */
  tx: IncentiveTransaction;
  quantity: number;
};

/** A tier's per-unit value in minor units when exact, else null. */
function perUnitMinor(cp: CompiledProgram, k: number): number | null {
  const micro = cp.fast.valueMicro[k];
  const divisor = pow10(6 - cp.minorDigits);
  return micro === null || micro === undefined || micro % divisor !== 0 ? null : micro / divisor;
}

/** |[start, end) ∩ (−∞, x]| for end null = ∞. */
function covered(x: number, start: number, end: number | null): number {
  const top = end === null || x < end ? x : end;
  return top > start ? top - start : 0;
}

/**
 * The totals-only statement from groups, or null when a figure does not fit exact integers
 * (the caller then uses the row path). Lines are not built; `excluded` is left empty (the
 * statement opened for one dealer lists the excluded rows).
 */
export function calculateStatementFromGroups(input: AggregateStatementInput): Statement | null {
  const { program } = input;
  const mode = aggregationMode(program);
  if (mode === null) return null;
  if (input.settledUnitBenefits && input.settledUnitBenefits.length > 0) return null;
  const { cp, subject } = statementSubject(input);
  const { currency, settlement, cutoff, eligibility } = subject;
  const minor = cp.minorDigits;
  const windowStart = settlement.window.start;
  // an earlier as-of date must end a month (groups hold whole months)
  if (cutoff !== settlement.cutoff && monthEnd(cutoff.slice(0, 7)) !== cutoff) return null;
  const graceNext = cp.lateFrom.get(settlement.period) ?? addDays(settlement.graceUntil, 1);

  let qualifyingUnits = 0;
  let bevUnits = 0;
  let qualifyingRevenue = 0;
  let payingUnits = 0;
  let payingRevenue = 0;
  let payingRows = 0;
  const tierCount = cp.tiers.length;
  const tierLines: number[] = new Array<number>(tierCount).fill(0);
  const columns = input.tierColumns;
  let tierLinesOk = true;
  const classes = input.classes;
  const qualifyingKinds: ReadonlySet<string> = cp.qualifying.kinds;
  const payingKinds: ReadonlySet<string> = cp.paying.kinds;
  const months = mode === 'ordered' ? new Map<string, MonthWalk>() : null;
  const onRevenue = program.benefit === 'percent_of_revenue';
  const ordered = mode === 'ordered' ? roundedLineTiers(program) : null;
  for (const g of input.groups) {
    let bits = classes[g.skuClass] ?? 0;
    if (!qualifyingKinds.has(g.kind)) bits &= ~QUALIFYING;
    if (!payingKinds.has(g.kind)) bits &= ~PAYING;
    if ((bits & (QUALIFYING | PAYING)) === 0) continue;
    const monthStart = g.monthStart;
    let date = monthStart;
    if (g.negative && g.receivedOn !== null) {
      // An unwind that arrives after its own window's grace deadline counts on its arrival date.
      const home = windowInfoOf(cp, monthStart);
      const arrived = arrivalDate(g.receivedOn, monthStart);
      if (home && arrived > home.graceUntil) date = arrived;
    }
    if (date < windowStart || date > cutoff) continue;
    if (g.receivedOn !== null && g.receivedOn >= graceNext) continue; // late
    if (g.currency !== currency) continue;
    if (bits & QUALIFYING) {
      qualifyingUnits += g.quantity;
      qualifyingRevenue += g.amountMinor;
      if (bits & BEV) bevUnits += g.quantity;
    }
    if (bits & PAYING) {
      payingUnits += g.quantity;
      payingRevenue += g.amountMinor;
      payingRows += g.rowCount;
      if (months && ordered) {
        const key = date.slice(0, 7);
        let m = months.get(key);
        if (!m) {
          m = { net: 0, up: 0, down: 0, rows: 0, lines: ordered.map(() => 0), linesOk: true };
          months.set(key, m);
        }
        if (onRevenue) {
          m.net += g.amountMinor;
          m.up += g.amountUpMinor;
          m.down += g.amountDownMinor;
        } else {
          m.net += g.quantity;
          if (g.negative) m.down += g.quantity;
          else m.up += g.quantity;
        }
        m.rows += g.rowCount;
        for (let k = 0; k < m.lines.length; k++) {
          const v = g.rounded[input.tierColumns?.[k] ?? -1];
          if (v === null || v === undefined) m.linesOk = false;
          else m.lines[k]! += v;
        }
      }
      if (columns) {
        for (let k = 0; k < tierCount; k++) {
          const v = g.rounded[columns[k]!];
          if (v === null || v === undefined) tierLinesOk = false;
          else tierLines[k]! += v;
        }
      }
    }
  }
  for (const v of [qualifyingRevenue, payingRevenue, ...tierLines]) {
    if (!Number.isSafeInteger(v)) return null;
  }

  const revenueMeasured = isRevenueMeasured(program);
  const measure = computeMeasure({
    program,
    ingredients: {
      qualifyingUnits,
      qualifyingRevenue: revenueMeasured
        ? new Dec(formatScaled(qualifyingRevenue, minor))
        : new Dec(0),
      bevUnits,
    },
    plannedQuantity: input.plannedQuantity,
    plannedNote: input.dealer.agreementNote,
    priorYear: input.priorYear,
  });
  const reached = reachedIndex(cp.tiers, measure.value);
  const tier = cp.tiers[reached] ?? null;
  const paysLines = eligibility.eligible && program.benefit !== 'lump_sum';
  const paysLump = eligibility.eligible && program.benefit === 'lump_sum' && tier !== null;

  let benefit = 0;
  if (paysLump) {
    const lump = cp.fast.lumpMinor[reached];
    if (lump === null || lump === undefined) return null;
    benefit = lump;
  } else if (paysLines && tier) {
    const rounded = roundedOf(program);
    // Per-unit values without finer decimals than the currency: every line is exact, so the
    // total is value × units (incremental ranges and the growth threshold telescope to the net
    // position, as an unwind walks back exactly the span it covers).
    if (mode === 'ordered') {
      const walked = walkMonths(cp, input, months!, windowStart, cutoff, graceNext, reached);
      if (walked === null) return null;
      benefit = walked;
    } else if (program.tierMode === 'incremental') {
      for (let k = 0; k <= reached; k++) {
        const start = cp.fast.fromUnits[k];
        const end = k < reached ? cp.fast.fromUnits[k + 1] : null;
        const value = perUnitMinor(cp, k);
        if (start === null || start === undefined || end === undefined || value === null)
          return null;
        benefit += (covered(payingUnits, start, end) - covered(0, start, end)) * value;
      }
    } else if (program.measure === 'growth' && program.growthBenefitBase === 'increment') {
      const prior = input.priorYear;
      const threshold = prior?.payingUnits ?? prior?.units ?? 0;
      const value = perUnitMinor(cp, reached);
      if (!Number.isSafeInteger(threshold) || value === null) return null;
      benefit = (covered(payingUnits, threshold, null) - covered(0, threshold, null)) * value;
    } else if (rounded === null) {
      const value = perUnitMinor(cp, reached);
      if (value === null) return null;
      benefit = payingUnits * value;
    } else {
      if ((!tierLinesOk || !columns) && payingRows > 0) return null;
      benefit = payingRows > 0 ? tierLines[reached]! : 0;
    }
    if (!Number.isSafeInteger(benefit) || Math.abs(benefit) > MAX_SAFE) return null;
  }

  let lineCount = paysLines ? payingRows : paysLump ? 1 : 0;
  const previous = input.previouslySettled ?? '0';
  const previousScaled = parseScaled(previous, minor);
  const previouslySettled =
    previousScaled !== null ? formatScaled(previousScaled, minor) : new Dec(previous).toFixed();
  let capApplied = false;
  let earned: string;
  let amountDue: string;
  const capMinor = cp.fast.capMinor;
  const adjustments = input.adjustments ?? [];
  if (
    adjustments.length === 0 &&
    previousScaled !== null &&
    (cp.cap === null || capMinor !== null)
  ) {
    // Exact integers (the common case), as the engine's totals-only fast path.
    capApplied = eligibility.eligible && capMinor !== null && benefit > capMinor;
    const total = capApplied ? (capMinor as number) : benefit;
    if (capApplied) lineCount++;
    earned = formatScaled(total, minor);
    amountDue = formatScaled(total - previousScaled, minor);
  } else {
    let total = new Dec(formatScaled(benefit, minor));
    if (eligibility.eligible && cp.cap !== null && total.gt(cp.cap)) {
      total = roundMoney(cp.cap, currency);
      capApplied = true;
      lineCount++;
    }
    for (const adjustment of adjustments) {
      total = total.plus(roundMoney(adjustment.amount, currency));
      lineCount++;
    }
    earned = moneyString(total, currency);
    amountDue = moneyString(total.minus(previouslySettled), currency);
  }
  const volumes = {
    qualifyingUnits,
    qualifyingRevenue: formatScaled(qualifyingRevenue, minor),
    bevUnits,
    payingUnits,
    payingRevenue: formatScaled(payingRevenue, minor),
    payingMsrp: null,
  };
  return statementOf(
    {
      ...subject,
      measureValue: formatMeasure(measure.value),
      measureNote: measure.note,
      volumes,
      tier,
      excluded: [],
    },
    {
      lines: [],
      lineCount,
      benefitTotal: formatScaled(benefit, minor),
      capApplied,
      earned,
      previouslySettled,
      amountDue,
    },
  );
}

/** One month of the `ordered` walk: its paying volume and its lines when in one range. */
type MonthWalk = {
  net: number;
  up: number;
  down: number;
  rows: number;
  /** Σ of each tier's per-row rounded line amounts (the rounded columns). */
  lines: number[];
  linesOk: boolean;
};

type WalkRange = { start: number; end: number | null; tier: number };

/**
 * The benefit of the `ordered` mode. The paying volume is walked in date order month by month
 * (the position at a month's start is the net volume of the months before). A month whose
 * rows all lie between two range boundaries (its lowest and highest possible position, from
 * the sums of its negative and positive rows, cross none) pays each row at that range's rate:
 * the sum of the rounded column, exactly as line by line. Only a month that may cross a
 * boundary is walked row by row, through the engine's integer fast path.
 */
function walkMonths(
  cp: CompiledProgram,
  input: AggregateStatementInput,
  months: Map<string, MonthWalk>,
  windowStart: string,
  cutoff: string,
  graceNext: string,
  reached: number,
): number | null {
  const program = cp.program;
  const onRevenue = program.benefit === 'percent_of_revenue';
  const ranges: WalkRange[] = [];
  if (program.tierMode === 'incremental') {
    for (let k = 0; k <= reached; k++) {
      const start = onRevenue ? cp.fast.fromMinor[k] : cp.fast.fromUnits[k];
      const next =
        k < reached ? (onRevenue ? cp.fast.fromMinor[k + 1] : cp.fast.fromUnits[k + 1]) : null;
      if (start === null || start === undefined || next === undefined) return null;
      ranges.push({ start, end: next, tier: k });
    }
  } else {
    const prior = input.priorYear;
    const threshold = onRevenue
      ? parseScaled(prior?.payingRevenue ?? prior?.revenue ?? '0', cp.minorDigits)
      : (prior?.payingUnits ?? prior?.units ?? 0);
    if (threshold === null || !Number.isSafeInteger(threshold)) return null;
    ranges.push({ start: threshold, end: null, tier: reached });
  }
  const boundaries = ranges.flatMap((r) => (r.end === null ? [r.start] : [r.start, r.end]));
  const keys = [...months.keys()].sort();
  let position = 0;
  let total = 0;
  const missing: string[] = [];
  const walks: { key: string; start: number }[] = [];
  for (const key of keys) {
    const m = months.get(key)!;
    const lower = position + m.down;
    const upper = position + m.up;
    if (!Number.isSafeInteger(lower) || !Number.isSafeInteger(upper)) return null;
    if (boundaries.some((b) => lower < b && b < upper)) {
      walks.push({ key, start: position });
    } else if (upper > lower) {
      const x = lower + (upper - lower) / 2;
      const range = ranges.find((r) => r.start <= x && (r.end === null || x < r.end));
      if (range) {
        if (!m.linesOk) return null;
        total += m.lines[range.tier]!;
      }
    }
    position += m.net;
  }
  if (walks.length === 0) return total;
  if (!input.orderedRows) {
    for (const w of walks) missing.push(w.key);
    for (const key of missing) input.needMonths?.add(key);
    return null;
  }
  for (const w of walks) {
    const part = walkRows(cp, input, w.key, w.start, windowStart, cutoff, graceNext, reached);
    if (part === null) return null;
    total += part;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/**
 * One month of the walk row by row: the paying rows counted exactly as `runStatement` counts
 * them whose date falls in the month, in date-then-id order, through the integer fast path.
 */
function walkRows(
  cp: CompiledProgram,
  input: AggregateStatementInput,
  month: string,
  startPosition: number,
  windowStart: string,
  cutoff: string,
  graceNext: string,
  reached: number,
): number | null {
  const paying: CountedTransaction[] = [];
  const classes = input.classes;
  const payingKinds: ReadonlySet<string> = cp.paying.kinds;
  for (const r of input.orderedRows ?? []) {
    if (r.occurredOn > cutoff) continue;
    if (((classes[r.skuClass] ?? 0) & PAYING) === 0 || !payingKinds.has(r.kind)) continue;
    let date = r.occurredOn;
    if (r.quantity < 0) {
      const home = windowInfoOf(cp, r.occurredOn);
      const arrived = arrivalDate(r.receivedOn, r.occurredOn);
      if (home && arrived > home.graceUntil) date = arrived;
    }
    if (date.slice(0, 7) !== month) continue;
    if (date < windowStart || date > cutoff) continue;
    if (r.receivedOn !== null && r.receivedOn >= graceNext) continue; // late
    if (r.currency !== cp.currency) continue;
    paying.push({ tx: r.tx, quantity: r.quantity, date });
  }
  paying.sort((a, b) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : (a.tx.id as number) - (b.tx.id as number),
  );
  return fastBenefitTotal({ cp, paying, reached, priorYear: input.priorYear, startPosition });
}

/**
 * Groups a dealer's transactions the way the service's SQL does, for one program (the reference
 * for tests): classes are the QUALIFYING | PAYING | BEV bits themselves, and the rounded columns
 * are the program's tiers (`tierColumns` = [0, 1, …]).
 */
export function groupTransactions(options: {
  program: ProgramDefinition;
  transactions: StatementInput['transactions'];
  fiscalYearStartMonth?: number;
}): {
  groups: TransactionGroup[];
  classes: number[];
  tierColumns: number[] | null;
  orderedRows: OrderedRow[];
} {
  const cp = compileProgram(options.program, options.fiscalYearStartMonth ?? 1);
  const rounded = roundedLineTiers(options.program);
  const groups = new Map<string, TransactionGroup & { rounded: number[] }>();
  const orderedRows: OrderedRow[] = [];
  for (const tx of options.transactions) {
    const quantity = tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity;
    const month = tx.occurredOn.slice(0, 7);
    const arrived = arrivalDate(tx.receivedAt, tx.occurredOn);
    const receivedOn = tx.receivedAt && arrived > monthEnd(month) ? arrived : null;
    // The class is what the SKU matches (the kind is checked per program, as in the SQL pass).
    const anyKind = (f: typeof cp.qualifying) => ({ ...f, kinds: new Set([tx.kind]) });
    const skuClass =
      (matchesCompiled(anyKind(cp.qualifying), tx) ? QUALIFYING : 0) |
      (matchesCompiled(anyKind(cp.paying), tx) ? PAYING : 0) |
      (tx.powertrain === 'BEV' ? BEV : 0);
    const key = [tx.kind, month, quantity < 0, tx.currency, receivedOn, skuClass].join('|');
    orderedRows.push({
      id: tx.id as number,
      occurredOn: tx.occurredOn,
      receivedOn: tx.receivedAt && arrived > tx.occurredOn ? arrived : null,
      kind: tx.kind,
      currency: tx.currency,
      skuClass,
      tx,
      quantity,
    });
    let g = groups.get(key);
    if (!g) {
      g = {
        monthStart: `${month}-01`,
        kind: tx.kind,
        negative: quantity < 0,
        currency: tx.currency,
        receivedOn,
        skuClass,
        rowCount: 0,
        quantity: 0,
        amountMinor: 0,
        amountUpMinor: 0,
        amountDownMinor: 0,
        rounded: rounded ? rounded.map(() => 0) : [],
      };
      groups.set(key, g);
    }
    const minor = minorUnits(tx.currency);
    let amount = new Dec(tx.amount);
    if (quantity < 0 && amount.gt(0)) amount = amount.neg();
    g.rowCount++;
    g.quantity += quantity;
    const amountMinor = amount.times(pow10(minor)).toNumber();
    g.amountMinor += amountMinor;
    if (amountMinor > 0) g.amountUpMinor += amountMinor;
    else g.amountDownMinor += amountMinor;
    rounded?.forEach((r, k) => {
      const basis =
        r.basis === 'units'
          ? new Dec(quantity)
          : r.basis === 'revenue'
            ? amount
            : new Dec(tx.msrp).times(quantity);
      const line = roundMoney(basis.times(r.rate), cp.currency);
      g.rounded[k]! += line.times(pow10(cp.minorDigits)).toNumber();
    });
  }
  return {
    groups: [...groups.values()],
    classes: Array.from({ length: 8 }, (_, i) => i),
    tierColumns: rounded ? rounded.map((_, k) => k) : null,
    orderedRows: orderedRows.sort((a, b) =>
      a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : a.id - b.id,
    ),
  };
}
