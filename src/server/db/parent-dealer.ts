/**
 * The dealer of a parent row, as a scalar sub-select for an INSERT into a tenant child table
 * (migration 0032: every child carries its parent's `dealer_id`). Out of the caller's scope or
 * missing, it is null and the insert fails on the NOT NULL column instead of writing a stray row.
 */
export function parentDealer(
  parent: 'agreements' | 'incentive_statements' | 'incentive_disputes',
  idParam: string,
): string {
  return `(select dealer_id from ${parent} where id = ${idParam})`;
}
