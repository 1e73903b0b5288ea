/**
 * A commitment's supply in the lead window (assess.ts, issue 14): the units the forecast expects
 * to sell before an order placed now arrives that the units on hand and promised do not cover,
 * and the allocation that would cover the plan's need. Shared by the agreements and the program
 * tiers (program-risk-dealer.ts). Pure.
 */

/**
 * Supply (the availability module's days' supply of the line's model line): `units` on hand and
 * promised (stock + in transit + in build + unfilled allocation) and its days' supply; or, for an
 * agreement's totals, `shortage`: the lines' shortages summed.
 */
export type SupplyInput =
  { units: number; daysSupply: number | null; label: string } | { shortage: number };

/** Days an order takes to arrive (availability's lead time): sales before then need supply now. */
export const SUPPLY_LEAD_DAYS = 30;
const DAYS_PER_MONTH = 30.4375;

export type SupplyAssessment = {
  /** Units the forecast expects in the lead window that the supply does not cover. */
  shortage: number;
  units?: number;
  daysSupply?: number | null;
  /** Units the plan needs in the lead window (the remaining need spread over the days left). */
  need?: number;
  /** Allocation that would cover the need, and the probability once the shortage is lifted. */
  ask?: number;
  probability?: number;
};

/**
 * Supply in the lead window (an order placed now arrives after SUPPLY_LEAD_DAYS): what the
 * forecast expects to sell before then beyond the units on hand and promised cannot be sold.
 * `need`: the units still needed to reach the commitment (spread over the remaining days).
 * Null without supply, with no month left, or for a term not started yet (lead > 0).
 */
export function supplyAssessment(options: {
  supply: SupplyInput | undefined;
  /** The forecast of the first remaining month. */
  firstMonth: number;
  remaining: number;
  lead: number;
  need: number;
}): SupplyAssessment | null {
  const { supply: input, remaining, lead } = options;
  if (!input || remaining <= 0 || lead > 0) return null;
  if ('shortage' in input) return { shortage: input.shortage };
  const window = Math.min(SUPPLY_LEAD_DAYS, remaining * DAYS_PER_MONTH);
  const expectedInWindow = (options.firstMonth * window) / DAYS_PER_MONTH;
  const need = (Math.max(0, options.need) * window) / (remaining * DAYS_PER_MONTH);
  const shortage = Math.max(0, expectedInWindow - input.units);
  const ask = need > input.units ? Math.ceil(need - input.units) : 0;
  return { shortage, units: input.units, daysSupply: input.daysSupply, need, ask };
}
