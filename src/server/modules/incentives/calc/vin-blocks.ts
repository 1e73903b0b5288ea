/**
 * The statement's side of "a VIN is paid once" (docs/incentives.md): which of a dealer's rows the
 * database named as blocked (`incentives/vin-once.ts`), the unwinds that go with them, and the
 * sentence the dealer reads. The other dealer is never named.
 */
import type { StatementExclusionReason } from '../../../../shared/schemas/incentives';
import type { IncentiveTransaction } from '../../../../shared/schemas/program';

/** Why a retail delivery may not earn: its VIN already earns for another dealer in the program. */
export type VinBlockReason = Extract<
  StatementExclusionReason,
  'paid_to_other_dealer' | 'delivered_by_other_dealer'
>;

/** The sentence a dealer reads for a blocked delivery (and its unwind). */
export function vinBlockDetail(reason: VinBlockReason, vin: string | null | undefined): string {
  const vehicle = vin ? `VIN ${vin}` : 'this vehicle';
  return reason === 'paid_to_other_dealer'
    ? `${vehicle}: this vehicle was already paid to another dealer in this program (no unwind of that sale since): a VIN earns once`
    : `${vehicle}: this vehicle was delivered earlier by another dealer (no unwind of that delivery since): only the first delivery earns`;
}

/**
 * Tells, row by row, whether a row is left out because its VIN earns elsewhere: a blocked
 * delivery (by its id), or an unwind of one that is not a clawback of a settled unit — named by
 * the database (by its id: the blocked delivery may be in an earlier window, migration 0067) or
 * naming a blocked delivery of these rows (its originalExternalId, else its VIN). Null when
 * nothing is blocked.
 */
export function vinBlockCheck(
  transactions: readonly IncentiveTransaction[],
  blocked: ReadonlyMap<string, VinBlockReason> | undefined,
):
  | ((
      tx: IncentiveTransaction,
      quantity: number,
      isClawback: boolean,
    ) => VinBlockReason | undefined)
  | null {
  if (!blocked || blocked.size === 0) return null;
  const refs = new Map<string, VinBlockReason>();
  for (const tx of transactions) {
    const why = blocked.get(String(tx.id));
    if (!why) continue;
    if (tx.externalId) refs.set(`x:${tx.externalId}`, why);
    if (tx.vin) refs.set(`v:${tx.vin}`, why);
  }
  return (tx, quantity, isClawback) => {
    if (quantity > 0) return blocked.get(String(tx.id));
    if (isClawback) return undefined;
    return (
      blocked.get(String(tx.id)) ??
      refs.get(tx.originalExternalId ? `x:${tx.originalExternalId}` : `v:${tx.vin}`)
    );
  };
}
