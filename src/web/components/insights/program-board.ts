/**
 * The risk board's program tier rows (issue 14 §1): the pairs whose next tier is really at risk,
 * largest expected miss first, and whether some were left out because their next tier is all
 * but certain (≥ 95 %) or their top tier is reached — rows showing "100 %" and "$0.4" under
 * "at risk" only made a regional manager wonder what was at risk.
 */
import type { ProgramRisk } from '../../../shared/schemas/program-risk';

/** The next tier's probability from which a pair is on track, not at risk. */
export const ON_TRACK = 0.95;

type Row = {
  tiers: readonly Pick<ProgramRisk['tiers'][number], 'reached' | 'probability'>[];
};

export function programBoardRows<T extends Row>(
  items: readonly T[],
  limit = 20,
): { shown: T[]; hasOnTrack: boolean } {
  const atRisk = items.filter((r) => {
    const next = r.tiers.find((t) => !t.reached);
    return next !== undefined && next.probability < ON_TRACK;
  });
  return { shown: atRisk.slice(0, limit), hasOnTrack: atRisk.length < items.length };
}

/** A money amount on the board in whole units ("$305", not "$305.4"); under one unit: "< 1". */
export function wholeAmount(amount: string): { value: string; isBelowOne: boolean } {
  const n = Number(amount);
  return Math.abs(n) < 1 && n !== 0
    ? { value: '1.00', isBelowOne: true }
    : { value: Math.round(n).toFixed(2), isBelowOne: false };
}

/**
 * The steps a program row shows: the server puts the next tier's step first and after it only a
 * higher tier's that is worth more, worded "(one above tier 1, the next)" (program-risk-steps.ts);
 * the row shows the first two.
 */
export function shownSteps<T>(r: { interventions: readonly T[] }): T[] {
  return r.interventions.slice(0, 2);
}
