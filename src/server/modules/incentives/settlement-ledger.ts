/**
 * The ledger's document loaders for what settlement records (docs/incentives.md, "What
 * ledger:verify re-hashes"): each re-reads the rows the application uses and gives the canonical
 * text the entry's payload hash must match.
 */
import { Dec, moneyString } from '../../../shared/money';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import { createSettlementRepository } from './settlement';

/** The payload of a payout batch's entry: 'created' lists the items, 'paid' the totals. */
export function payoutDocument(
  action: string,
  items: { reference: string; amount: string; currency: string }[],
): unknown {
  if (action === 'created') return items.map((r) => [r.reference, r.amount, r.currency]);
  const totals = new Map<string, Dec>();
  for (const i of items)
    totals.set(
      i.currency,
      (totals.get(i.currency) ?? new Dec(0)).plus(moneyString(i.amount, i.currency)),
    );
  return [...totals].map(([currency, amount]) => ({
    currency,
    amount: moneyString(amount, currency),
  }));
}

/**
 * Registers the ledger's loaders for program versions (the definition the engine reads and the
 * canonical text stored at publication), snapshots, approvals and payout batches.
 */
export function registerSettlementLedgerSources(ledger: LedgerService) {
  ledger.registerPayloadSource('program_version', async (db, entry) => {
    const slash = entry.entityId.lastIndexOf('/v');
    const { rows } = await db.query<{ definition: unknown; canonical: string | null }>(
      `select v.definition, v.canonical from program_versions v join programs p on p.id = v.program_id
       where p.code = $1 and v.version_no = $2`,
      [entry.entityId.slice(0, slash), Number(entry.entityId.slice(slash + 2))],
    );
    const v = rows[0];
    return [
      {
        what: `the definition of ${entry.entityId}`,
        text: v ? canonicalJson(v.definition) : null,
      },
      { what: `the published text of ${entry.entityId}`, text: v?.canonical ?? null },
    ];
  });
  ledger.registerPayloadSource('statement_snapshot', async (db, entry) => {
    const document = await createSettlementRepository(db).findSnapshotByEntity(entry.entityId);
    return document === undefined ? null : canonicalJson(document);
  });
  ledger.registerPayloadSource('statement_approval', async (db, entry) => {
    const repo = createSettlementRepository(db);
    const id = await repo.findStatementIdByEntity(entry.entityId);
    const document = id ? await repo.findApprovalDocument(id) : undefined;
    return document === undefined ? null : canonicalJson(document);
  });
  ledger.registerPayloadSource('payout_batch', async (db, entry) => {
    const items = await createSettlementRepository(db).findPayoutItems(entry.entityId);
    return [
      {
        what: `payout batch ${entry.entityId} (its items)`,
        text: items === undefined ? null : canonicalJson(payoutDocument(entry.action, items)),
      },
    ];
  });
}
