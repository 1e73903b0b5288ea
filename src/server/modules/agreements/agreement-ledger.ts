/**
 * What `ledger:verify` re-hashes for an agreement version: the stored version's terms and, for
 * the agreement's current version, the live rows the application reads (the agreement, its
 * lines and their planned quantities, and the plan summed per period): an edit of either in SQL
 * breaks the entry.
 */
import type { Queryable } from '../../db/db';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerDocument, LedgerEntry } from '../ledger/ledger.service';
import { createAgreementsRepository } from './agreements.repository';

type Terms = Record<string, unknown> & { lines?: unknown[] };

export async function agreementVersionDocuments(
  db: Queryable,
  entry: LedgerEntry,
): Promise<LedgerDocument[]> {
  const slash = entry.entityId.lastIndexOf('/v');
  const code = entry.entityId.slice(0, slash);
  const versionNo = Number(entry.entityId.slice(slash + 2));
  const repo = createAgreementsRepository(db);
  const terms = (await repo.findVersionTermsByEntity(code, versionNo)) as Terms | undefined;
  const documents: LedgerDocument[] = [
    {
      what: `the terms of ${entry.entityId}`,
      text: terms === undefined ? null : canonicalJson(terms),
    },
  ];
  const { rows } = await db.query<{
    id: number;
    dealerCode: string;
    startMonth: string;
    months: number;
    frequency: string;
    countedKinds: string[];
    approvedVersion: number | null;
    plannedByPeriod: number[];
  }>(
    `select a.id, d.code as "dealerCode", to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
            a.counted_kinds as "countedKinds", a.approved_version as "approvedVersion", a.planned_by_period as "plannedByPeriod"
     from agreements a join dealers d on d.id = a.dealer_id where a.code = $1`,
    [code],
  );
  const a = rows[0];
  if (!terms || !a || a.approvedVersion !== versionNo) return documents;
  // The live agreement as its terms read it (the same shape as the approval's termsOf).
  const lines = await repo.findLines(a.id);
  const live = {
    ...terms,
    code,
    dealerCode: a.dealerCode,
    startMonth: a.startMonth,
    months: a.months,
    frequency: a.frequency,
    countedKinds: [...a.countedKinds].sort(),
    lines: lines.map((l) => ({
      lineNo: l.lineNo,
      target: { kind: l.targetKind, code: l.targetCode, label: l.targetLabel },
      plannedQuantities: l.plannedQuantities,
      plannedRevenue: l.plannedRevenue,
    })),
  };
  documents.push({ what: `the live agreement ${code} and its lines`, text: canonicalJson(live) });
  // The plan per period the network views read must be the sum of the lines.
  const length = Math.max(
    a.plannedByPeriod.length,
    ...lines.map((l) => l.plannedQuantities.length),
  );
  const summed = Array.from({ length }, (_, i) =>
    lines.reduce((sum, l) => sum + (l.plannedQuantities[i] ?? 0), 0),
  );
  const planHolds = canonicalJson(summed) === canonicalJson(a.plannedByPeriod);
  documents.push({
    what: `the live plan of ${code} (planned by period)`,
    text: planHolds ? canonicalJson(live) : canonicalJson({ plannedByPeriod: a.plannedByPeriod }),
  });
  return documents;
}
