/**
 * The totals-only fast path of the benefit lines: the same rules as the line-by-line decimal
 * path in statement.ts (which stays the reference), in exact scaled integers. Each line is
 * rounded half-up to the minor unit exactly as roundMoney would, and the total is their sum.
 * Returns null whenever a value does not fit (too many decimals, beyond 2^53); the caller then
 * uses the decimal path. A property test checks both paths give the same cents.
 */
import type { PriorYearVolume } from '../../../../shared/schemas/program';
import { amountMinor, msrpMinor, type CompiledProgram } from './compile';
import { divRoundHalfUp, MAX_SAFE, mulSafe, parseScaled, pow10 } from '../../../../shared/fixed';
import type { CountedTransaction } from './statement';

type Range = { start: number; end: number | null; valueMicro: number };

function overlap(lo: number, hi: number, range: Range): number {
  const start = lo > range.start ? lo : range.start;
  const end = range.end === null || hi < range.end ? hi : range.end;
  return end > start ? end - start : 0;
}

/** Total of the benefit lines in minor units, or null to fall back to decimals. */
export function fastBenefitTotal(options: {
  cp: CompiledProgram;
  paying: readonly CountedTransaction[];
  reached: number;
  priorYear: PriorYearVolume | null | undefined;
  /** Where the walk over the ranges starts (the volume before these rows); default 0. */
  startPosition?: number;
}): number | null {
  const { cp, paying, reached } = options;
  if (reached < 0) return 0;
  const { program, minorDigits, fast } = cp;
  const benefit = program.benefit;
  if (benefit === 'per_g_co2_below') return null; // per SKU g/km: the decimal path
  const value = fast.valueMicro[reached];
  if (value === null || value === undefined || minorDigits > 6) return null;
  // per_unit: minor = units × valueMicro / 10^(6 - minor); percentages: minor × valueMicro / 10^8.
  const divisor = benefit === 'per_unit' ? pow10(6 - minorDigits) : 100_000_000;
  const onRevenue = benefit === 'percent_of_revenue';

  let ranges: Range[] | null = null;
  if (program.tierMode === 'incremental') {
    ranges = [];
    for (let i = 0; i <= reached; i++) {
      const start = onRevenue ? fast.fromMinor[i] : fast.fromUnits[i];
      const micro = fast.valueMicro[i];
      const next = i < reached ? (onRevenue ? fast.fromMinor[i + 1] : fast.fromUnits[i + 1]) : null;
      if (start === null || start === undefined || micro === null || micro === undefined)
        return null;
      if (next === undefined || (i < reached && next === null)) return null;
      ranges.push({ start, end: next, valueMicro: micro });
    }
  } else if (program.measure === 'growth' && program.growthBenefitBase === 'increment') {
    const prior = options.priorYear;
    let threshold: number | null;
    if (onRevenue) {
      threshold = parseScaled(prior?.payingRevenue ?? prior?.revenue ?? '0', minorDigits);
    } else {
      const units = prior?.payingUnits ?? prior?.units ?? 0;
      threshold = Number.isSafeInteger(units) ? units : null;
    }
    if (threshold === null) return null;
    ranges = [{ start: threshold, end: null, valueMicro: value }];
  }

  let total = 0;
  let position = options.startPosition ?? 0;
  for (const c of paying) {
    let numerator: number | null;
    if (ranges === null) {
      if (benefit === 'per_unit') {
        numerator = mulSafe(c.quantity, value);
      } else if (onRevenue) {
        const amount = amountMinor(c.tx, minorDigits);
        numerator = amount === null ? null : mulSafe(amount, value);
      } else {
        const msrp = msrpMinor(c.tx, minorDigits);
        const basis = msrp === null ? null : mulSafe(msrp, c.quantity);
        numerator = basis === null ? null : mulSafe(basis, value);
      }
    } else {
      let length: number | null;
      if (onRevenue) length = amountMinor(c.tx, minorDigits);
      else length = c.quantity;
      if (length === null) return null;
      const lo = length < 0 ? position + length : position;
      const hi = length < 0 ? position : position + length;
      position += length;
      if (position > MAX_SAFE || position < -MAX_SAFE) return null;
      const unitValue = benefit === 'percent_of_msrp' ? msrpMinor(c.tx, minorDigits) : 1;
      if (unitValue === null) return null;
      numerator = 0;
      for (const range of ranges) {
        const o = overlap(lo, hi, range);
        if (o === 0) continue;
        const basis = mulSafe(o, unitValue);
        const part = basis === null ? null : mulSafe(basis, range.valueMicro);
        if (part === null) return null;
        numerator += length < 0 ? -part : part;
        if (numerator > MAX_SAFE || numerator < -MAX_SAFE) return null;
      }
    }
    if (numerator === null) return null;
    total += divRoundHalfUp(numerator, divisor);
    if (total > MAX_SAFE || total < -MAX_SAFE) return null;
  }
  return total;
}

/** Σ of a scaled-integer getter, or null when a value or the sum does not fit. */
export function sumScaled(
  list: readonly CountedTransaction[],
  get: (c: CountedTransaction) => number | null,
): number | null {
  let total = 0;
  for (const c of list) {
    const v = get(c);
    if (v === null) return null;
    total += v;
    if (total > MAX_SAFE || total < -MAX_SAFE) return null;
  }
  return total;
}
