/**
 * What finance reviews is what is paid (docs/incentives.md, "Close and approve"). Closing a
 * period freezes each statement as a canonical document (its totals and lines) with its SHA-256;
 * approval recomputes the statement and approves only when the recomputation gives the same
 * document. Otherwise it is refused with the difference line by line, and the period must be
 * re-closed. Pure: the document, its hash and the difference.
 */
import { canonicalJson, sha256Hex } from '../ledger/canonical-json';
import type { Statement, StatementLine, StatementLinePart } from './calc';

/** A statement line as frozen: the engine's line, its transaction id as text and parts never absent. */
export type SnapshotLine = Omit<StatementLine, 'transactionId' | 'parts'> & {
  transactionId: string | null;
  parts: StatementLinePart[] | null;
};

/** The totals a statement is decided on: shown before and after when they differ. */
export type SnapshotTotals = {
  programVersion: number;
  eligible: boolean;
  measureValue: string | null;
  tierReached: string | null;
  lineCount: number;
  earned: string;
  previouslySettled: string;
  amountDue: string;
};

export type SnapshotDocument = SnapshotTotals & {
  programCode: string;
  dealerCode: string;
  period: string;
  window: { label: string; start: string; end: string };
  cutoff: string;
  currency: string;
  ineligibleReasons: string[];
  measureNote: string | null;
  tierValue: string | null;
  capApplied: boolean;
  lines: SnapshotLine[];
};

/** What a statement says of eligibility, measure and tier (views and snapshots alike). */
export function statementFigures(s: Statement) {
  return {
    eligible: s.eligible,
    ineligibleReasons: s.ineligibleReasons,
    measureValue: s.measureValue,
    measureNote: s.measureNote,
    tierReached: s.tierReached,
    tierValue: s.tierValue,
  };
}

/** The document of a statement computed with its lines. */
export function snapshotDocument(input: {
  programCode: string;
  programVersion: number;
  dealerCode: string;
  statement: Statement;
}): SnapshotDocument {
  const s = input.statement;
  // Through JSON: what the database gives back (no undefined, plain objects) is what is hashed.
  return JSON.parse(
    JSON.stringify({
      programCode: input.programCode,
      programVersion: input.programVersion,
      dealerCode: input.dealerCode,
      period: s.period,
      window: { label: s.window.label, start: s.window.start, end: s.window.end },
      cutoff: s.cutoff,
      currency: s.currency,
      ...statementFigures(s),
      capApplied: s.capApplied,
      lineCount: s.lineCount,
      earned: s.earned,
      previouslySettled: s.previouslySettled,
      amountDue: s.amountDue,
      lines: s.lines.map((l): SnapshotLine => ({
        kind: l.kind,
        transactionId: l.transactionId === null ? null : String(l.transactionId),
        date: l.date,
        quantity: l.quantity,
        basis: l.basis,
        rate: l.rate,
        tierFrom: l.tierFrom,
        parts: l.parts ?? null,
        amount: l.amount,
        explanation: l.explanation,
        ...(l.kind === 'correction'
          ? { correctsPeriod: l.correctsPeriod, correctsLineNo: l.correctsLineNo }
          : {}),
        // only on the lines that have them (migration 0063): other documents hash as before
        ...(l.correctionReason
          ? {
              correctionReason: l.correctionReason,
              correctsTransactionId: l.correctsTransactionId,
            }
          : {}),
      })),
    }),
  ) as SnapshotDocument;
}

export function snapshotHash(document: unknown): string {
  return sha256Hex(canonicalJson(document));
}

export type LineChange = { key: string; before: SnapshotLine; after: SnapshotLine };

export type SnapshotDiff = {
  added: SnapshotLine[];
  removed: SnapshotLine[];
  /** lines whose figures differ (amount, quantity, rate, tier, date, parts) */
  changed: LineChange[];
  /** lines whose figures are the same and only the explanation reads differently */
  reworded: number;
  totals: { before: SnapshotTotals; after: SnapshotTotals };
};

function totalsOf(d: SnapshotDocument): SnapshotTotals {
  return {
    programVersion: d.programVersion,
    eligible: d.eligible,
    measureValue: d.measureValue,
    tierReached: d.tierReached,
    lineCount: d.lineCount,
    earned: d.earned,
    previouslySettled: d.previouslySettled,
    amountDue: d.amountDue,
  };
}

/** A line's identity: its transaction and kind, or (cap, adjustment) its kind and rank. */
function keyed(lines: SnapshotLine[]): Map<string, SnapshotLine> {
  const out = new Map<string, SnapshotLine>();
  const rank = new Map<string, number>();
  for (const l of lines) {
    let key: string;
    if (l.transactionId !== null) key = `${l.kind}:${l.transactionId}`;
    else {
      const n = (rank.get(l.kind) ?? 0) + 1;
      rank.set(l.kind, n);
      key = `${l.kind}#${n}`;
    }
    while (out.has(key)) key += "'";
    out.set(key, l);
  }
  return out;
}

const figures = (l: SnapshotLine) => canonicalJson({ ...l, explanation: undefined });

/** The difference from the closed document to the recomputed one, line by line. */
export function diffSnapshots(before: SnapshotDocument, after: SnapshotDocument): SnapshotDiff {
  const a = keyed(before.lines);
  const b = keyed(after.lines);
  const diff: SnapshotDiff = {
    added: [],
    removed: [],
    changed: [],
    reworded: 0,
    totals: { before: totalsOf(before), after: totalsOf(after) },
  };
  for (const [key, l] of a) {
    const now = b.get(key);
    if (!now) diff.removed.push(l);
    else if (figures(now) !== figures(l)) diff.changed.push({ key, before: l, after: now });
    else if (now.explanation !== l.explanation) diff.reworded += 1;
  }
  for (const [key, l] of b) if (!a.has(key)) diff.added.push(l);
  return diff;
}
