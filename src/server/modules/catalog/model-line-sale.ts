/**
 * A model line's planned end of sale (catalog `model_lines.sales_end_on`, migration 0069: the last
 * day the line is sold, 'YYYY-MM-DD'; null: none planned) and the one rule of when a line has
 * ended, shared by the insights' interventions (insights/sales-end.ts `endedBefore`, `onSaleSkus`)
 * and the incentives what-if's template SKU (incentives/what-if-all.ts). Pure.
 */

/**
 * Whether a line whose planned last day of sale is `salesEndOn` has ended by `day` ('YYYY-MM-DD'):
 * its last day of sale is before `day`, so it is no longer sold on it. A line with no planned end
 * (null or absent) never has.
 */
export function hasSaleEnded(salesEndOn: string | null | undefined, day: string): boolean {
  return salesEndOn !== null && salesEndOn !== undefined && salesEndOn < day;
}
