/**
 * Tier maths. A tier is reached when the measure is at least its `from`; the highest reached
 * tier decides.
 *
 * - retroactive: the reached tier's value pays on all paying volume of the window.
 * - incremental: each tier's value pays only on the paying volume between its `from` and the
 *   next tier's `from` (volume below the first `from` pays nothing). Tiers above the reached
 *   one never pay, so when the paying volume runs past the measure the excess stays at the
 *   reached tier's value.
 * - growth with growthBenefitBase `increment`: the reached tier's value pays only on paying
 *   volume above the prior year's.
 *
 * Line by line, volume is laid out in a deterministic order (date, then id) along one axis
 * (units, or revenue for percent_of_revenue); each transaction covers the span from the volume
 * before it to the volume after it and is paid for the parts of that span inside each rate range.
 * An unwind walks back over the span it covers, so it takes back exactly what that span paid,
 * and the sum over all transactions depends only on the net volume.
 */
import { Dec } from '../../../../shared/money';
import type { Benefit, ProgramDefinition, ProgramTier } from '../../../../shared/schemas/program';

export type CompiledTier = {
  index: number;
  from: Dec;
  value: Dec;
  /** What one unit of basis earns: value per unit, value / 100 for percentages. */
  rate: Dec;
  fromText: string;
  valueText: string;
};

/** A span of the volume axis paid at one rate; `end` null is open-ended. */
export type RateRange = { start: Dec; end: Dec | null; rate: Dec; tier: CompiledTier };

export type SpanPart = { start: Dec; end: Dec; length: Dec; range: RateRange };

const ZERO = new Dec(0);

export function isPercentBenefit(benefit: Benefit): boolean {
  return benefit === 'percent_of_revenue' || benefit === 'percent_of_msrp';
}

export function compileTiers(options: {
  tiers: readonly ProgramTier[];
  benefit: Benefit;
}): CompiledTier[] {
  const percent = isPercentBenefit(options.benefit);
  return options.tiers
    .map((t, index) => {
      const value = new Dec(t.value);
      return {
        index,
        from: new Dec(t.from),
        value,
        rate: percent ? value.div(100) : value,
        fromText: t.from,
        valueText: t.value,
      };
    })
    .sort((a, b) => a.from.comparedTo(b.from));
}

/** Index (in ascending order) of the highest tier whose `from` ≤ measure; -1 for none. */
export function reachedIndex(tiers: readonly CompiledTier[], measure: Dec | null): number {
  if (measure === null) return -1;
  let found = -1;
  for (let i = 0; i < tiers.length; i++) {
    if ((tiers[i] as CompiledTier).from.lte(measure)) found = i;
    else break;
  }
  return found;
}

/** The ranges of incremental tiers up to (and including) the reached one. */
export function incrementalRanges(tiers: readonly CompiledTier[], reached: number): RateRange[] {
  const ranges: RateRange[] = [];
  for (let i = 0; i <= reached; i++) {
    const tier = tiers[i] as CompiledTier;
    const next = i < reached ? (tiers[i + 1] as CompiledTier).from : null;
    ranges.push({ start: tier.from, end: next, rate: tier.rate, tier });
  }
  return ranges;
}

/** The single open range of growth `increment`: everything above the prior-year volume. */
export function thresholdRanges(tier: CompiledTier, threshold: Dec): RateRange[] {
  return [{ start: threshold, end: null, rate: tier.rate, tier }];
}

/**
 * The parts of the span from `position` to `position + length` (length may be negative: an
 * unwind walks back) inside each range. Part lengths carry the sign of `length`.
 */
export function splitSpan(ranges: readonly RateRange[], position: Dec, length: Dec): SpanPart[] {
  if (length.isZero()) return [];
  const negative = length.isNeg();
  const lo = negative ? position.plus(length) : position;
  const hi = negative ? position : position.plus(length);
  const parts: SpanPart[] = [];
  for (const range of ranges) {
    const start = Dec.max(lo, range.start);
    const end = range.end === null ? hi : Dec.min(hi, range.end);
    if (end.gt(start)) {
      const overlap = end.minus(start);
      parts.push({ start, end, length: negative ? overlap.neg() : overlap, range });
    }
  }
  return parts;
}

/** The exact (unrounded) amount the ranges pay for a net volume walked from zero. */
export function payForVolume(ranges: readonly RateRange[], volume: Dec): Dec {
  let total = ZERO;
  for (const part of splitSpan(ranges, ZERO, volume)) {
    total = total.plus(part.length.times(part.range.rate));
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Decimal-string API
// ---------------------------------------------------------------------------------------------

type TierProgram = Pick<ProgramDefinition, 'tiers' | 'benefit' | 'tierMode'>;

type TierQuery = { tiers: readonly ProgramTier[]; measureValue: string | null };

/** The tier `offset` places above the one the measure reaches (-1: none reached), or null. */
function tierFrom(options: TierQuery, offset: number): ProgramTier | null {
  const tiers = compileTiers({ tiers: options.tiers, benefit: 'per_unit' });
  const i = reachedIndex(
    tiers,
    options.measureValue === null ? null : new Dec(options.measureValue),
  );
  const tier = tiers[i + offset];
  return tier ? { from: tier.fromText, value: tier.valueText } : null;
}

/** The highest tier whose `from` ≤ the measure, or null (also for an undefined measure). */
export function findTierReached(options: TierQuery): ProgramTier | null {
  return tierFrom(options, 0);
}

/** The lowest tier above the reached one, or null when the top tier is reached. */
export function findNextTier(options: TierQuery): ProgramTier | null {
  return tierFrom(options, 1);
}

/**
 * The exact (unrounded) payout for a net paying volume, as one number: units for per_unit, the
 * revenue for percent_of_revenue, the MSRP total for percent_of_msrp (ignored for lump_sum).
 * `threshold` is growth `increment`'s prior-year paying volume (in the same axis: units for
 * per_unit, revenue for percent_of_revenue). Statement lines round this per line.
 */
export function calculateTierPayout(options: {
  program: TierProgram;
  measureValue: string | null;
  volume: string;
  threshold?: string | null;
}): string {
  const { program } = options;
  const tiers = compileTiers({ tiers: program.tiers, benefit: program.benefit });
  const reached = reachedIndex(
    tiers,
    options.measureValue === null ? null : new Dec(options.measureValue),
  );
  const tier = tiers[reached];
  if (!tier) return '0';
  if (program.benefit === 'lump_sum') return tier.value.toFixed();
  const volume = new Dec(options.volume);
  if (program.tierMode === 'incremental') {
    return payForVolume(incrementalRanges(tiers, reached), volume).toFixed();
  }
  if (options.threshold !== undefined && options.threshold !== null) {
    return payForVolume(thresholdRanges(tier, new Dec(options.threshold)), volume).toFixed();
  }
  return volume.times(tier.rate).toFixed();
}
