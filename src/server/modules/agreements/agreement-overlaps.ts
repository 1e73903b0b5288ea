/**
 * Overlapping agreements: the same dealer committing the same SKUs in the same months twice.
 * Checked when a draft is shown (a warning), when it is proposed (refused) and at approval (the
 * last wall, for agreements proposed at the same time). Each overlap says what overlaps and the two
 * ways out: amend the existing agreement, or start this one after it ends.
 */
import { addMonths, inWords } from '../../../shared/months';

export type OverlapRow = {
  agreementId: number;
  code: string;
  status: string;
  sku: string;
  startMonth: string;
  endMonth: string;
  fromMonth: string;
  toMonth: string;
};

export type AgreementOverlap = {
  agreementId: number;
  code: string;
  status: string;
  startMonth: string;
  endMonth: string;
  /** the months both terms cover */
  fromMonth: string;
  toMonth: string;
  skus: string[];
  suggestions: (
    | { action: 'amend'; agreementId: number; code: string }
    | { action: 'start_after'; startMonth: string }
  )[];
};

/** Groups the rows of `findOverlaps` by agreement, with the ways out. */
export function groupOverlaps(rows: readonly OverlapRow[]): AgreementOverlap[] {
  const byId = new Map<number, AgreementOverlap>();
  for (const r of rows) {
    const found = byId.get(r.agreementId);
    if (found) {
      found.skus.push(r.sku);
      continue;
    }
    byId.set(r.agreementId, {
      agreementId: r.agreementId,
      code: r.code,
      status: r.status,
      startMonth: r.startMonth,
      endMonth: r.endMonth,
      fromMonth: r.fromMonth,
      toMonth: r.toMonth,
      skus: [r.sku],
      suggestions: [
        { action: 'amend', agreementId: r.agreementId, code: r.code },
        { action: 'start_after', startMonth: addMonths(r.endMonth, 1) },
      ],
    });
  }
  return [...byId.values()];
}

/** One sentence naming every overlap and the ways out. */
export function overlapMessage(overlaps: readonly AgreementOverlap[]): string {
  const parts = overlaps.map((o) => {
    const skus =
      o.skus.slice(0, 5).join(', ') + (o.skus.length > 5 ? ` and ${o.skus.length - 5} more` : '');
    return `${o.code} (${o.status}, ${inWords(o.startMonth)} to ${inWords(o.endMonth)}) already commits ${skus} from ${inWords(o.fromMonth)} to ${inWords(o.toMonth)}`;
  });
  const lastEnd = overlaps
    .map((o) => o.endMonth)
    .sort()
    .at(-1)!;
  return `This agreement overlaps ${parts.join('; ')}. Amend ${overlaps[0]!.code} instead, or start this one in ${inWords(addMonths(lastEnd, 1))} or later.`;
}
