/**
 * Close and approve (docs/incentives.md, "Close and approve"): closing a period freezes a
 * snapshot of each statement, with a ledger entry per snapshot; approval approves the current
 * snapshot only, when a recomputation gives the same document, and names its hash in the ledger.
 * The SQL of these lives here, with the reads the ledger's loaders (settlement-ledger.ts) use.
 */
import { AppError } from '../../../shared/errors';
import { inWords } from '../../../shared/months';

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
import { Dec, moneyString } from '../../../shared/money';
import type { Queryable } from '../../db/db';
import { parentDealer } from '../../db/parent-dealer';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import type { Statement } from './calc';
import { settledByLater } from './window-order';
import {
  diffSnapshots,
  snapshotDocument,
  snapshotHash,
  type SnapshotDocument,
} from './statement-snapshot';

export type SnapshotInfo = {
  statementId: string;
  seq: number;
  sha256: string;
  closedBy: string;
  closedAt: string;
  document: SnapshotDocument;
};

/** One statement as the service computed it (with its lines), and what is stored of it. */
export type FreezeItem = {
  dealer: { id: number; code: string };
  statement: Statement;
  status: string;
  storedId: string | null;
};

const SNAPSHOT_SELECT = `select n.statement_id::text as "statementId", n.seq, n.sha256, n.closed_by as "closedBy",
  to_json(n.closed_at)#>>'{}' as "closedAt", n.document from statement_snapshots n`;

/** Where a snapshot sits in the ledger: program/dealer/period#seq. */
export function snapshotEntityId(code: string, dealerCode: string, period: string, seq: number) {
  return `${code}/${dealerCode}/${period}#${seq}`;
}

function parseEntityId(entityId: string) {
  const hash = entityId.lastIndexOf('#');
  const path = hash < 0 ? entityId : entityId.slice(0, hash);
  const [code, dealerCode, period, ...rest] = path.split('/');
  if (!code || !dealerCode || !period || rest.length > 0) return null;
  return { code, dealerCode, period, seq: hash < 0 ? null : Number(entityId.slice(hash + 1)) };
}

/** The advisory lock of one program's window while it is closed or approved (lockWindow). */
const WINDOW_LOCK = 7_305_142;

const norm = (value: string | null) => (value === null ? null : new Dec(value).toFixed());

export function createSettlementRepository(db: Queryable) {
  return {
    /** The current snapshot of each statement. */
    async findSnapshots(statementIds: string[]): Promise<Map<string, SnapshotInfo>> {
      if (statementIds.length === 0) return new Map();
      const { rows } = await db.query<SnapshotInfo>(
        `${SNAPSHOT_SELECT} join incentive_statements s on s.snapshot_id = n.id where s.id = any($1::bigint[])`,
        [statementIds],
      );
      return new Map(rows.map((r) => [r.statementId, r]));
    },

    async insertStatement(input: {
      programId: number;
      dealerId: number;
      window: string;
      document: SnapshotDocument;
    }): Promise<string> {
      const d = input.document;
      const { rows } = await db.query<{ id: string }>(
        `insert into incentive_statements (program_id, version_no, dealer_id, period, window_label, status, measure_value, tier_reached,
           earned, previously_settled, amount_due, currency, snapshot)
         values ($1, $2, $3, $4, $5, 'closed', $6, $7, $8, $9, $10, $11, $12) returning id::text`,
        [
          input.programId,
          d.programVersion,
          input.dealerId,
          d.period,
          input.window,
          d.measureValue,
          d.tierReached,
          d.earned,
          d.previouslySettled,
          d.amountDue,
          d.currency,
          JSON.stringify({ ...d, lines: [] }),
        ],
      );
      return rows[0]!.id;
    },

    /** A re-close: the closed (not approved) statement takes the new figures. */
    async updateClosedStatement(id: string, d: SnapshotDocument) {
      await db.query(
        `update incentive_statements set version_no = $2, measure_value = $3, tier_reached = $4, earned = $5,
           previously_settled = $6, amount_due = $7, snapshot = $8
         where id = $1 and status = 'closed'`,
        [
          id,
          d.programVersion,
          d.measureValue,
          d.tierReached,
          d.earned,
          d.previouslySettled,
          d.amountDue,
          JSON.stringify({ ...d, lines: [] }),
        ],
      );
    },

    async insertSnapshot(statementId: string, document: SnapshotDocument, by: string) {
      const { rows } = await db.query<{ id: string; seq: number }>(
        `insert into statement_snapshots (statement_id, dealer_id, seq, document, sha256, closed_by)
         values ($1, ${parentDealer('incentive_statements', '$1')},
                 (select coalesce(max(seq), 0) + 1 from statement_snapshots where statement_id = $1), $2, $3, $4)
         returning id::text, seq`,
        [statementId, JSON.stringify(document), snapshotHash(document), by],
      );
      await db.query('update incentive_statements set snapshot_id = $2 where id = $1', [
        statementId,
        rows[0]!.id,
      ]);
      return rows[0]!;
    },

    /**
     * Closes and approvals of one program's window, one at a time (to the transaction's end): an
     * approval reads the window's statements and a close writes them (window-order.ts).
     */
    async lockWindow(programId: number, window: string) {
      await db.query('select pg_advisory_xact_lock($1, hashtext($2))', [
        WINDOW_LOCK,
        `${programId}:${window}`,
      ]);
    },

    /** The stored statements of a window (every period), per dealer (window-order.ts). */
    async findWindowStatements(
      programId: number,
      window: string,
      dealerIds: number[],
    ): Promise<Map<number, { period: string; status: string }[]>> {
      const out = new Map<number, { period: string; status: string }[]>();
      if (dealerIds.length === 0) return out;
      const { rows } = await db.query<{ dealerId: number; period: string; status: string }>(
        `select dealer_id as "dealerId", period, status from incentive_statements
         where program_id = $1 and window_label = $2 and dealer_id = any($3::int[])`,
        [programId, window, dealerIds],
      );
      for (const r of rows) out.set(r.dealerId, [...(out.get(r.dealerId) ?? []), r]);
      return out;
    },

    /** One dealer's stored statements of a window (window-order.ts), by its id or its code. */
    async findDealerWindowStatements(
      programId: number,
      window: string,
      dealer: number | string,
    ): Promise<{ period: string; status: string }[]> {
      const { rows } = await db.query<{ period: string; status: string }>(
        `select s.period, s.status from incentive_statements s join dealers d on d.id = s.dealer_id
         where s.program_id = $1 and s.window_label = $2
           and ${typeof dealer === 'number' ? 'd.id = $3::int' : 'd.code = $3'}`,
        [programId, window, dealer],
      );
      return rows;
    },

    /** The statuses of a period's stored statements. */
    async findPeriodStatuses(programId: number, period: string): Promise<string[]> {
      const { rows } = await db.query<{ status: string }>(
        'select distinct status from incentive_statements where program_id = $1 and period = $2',
        [programId, period],
      );
      return rows.map((r) => r.status);
    },

    async findSnapshotByEntity(entityId: string): Promise<SnapshotDocument | undefined> {
      const at = parseEntityId(entityId);
      if (!at || at.seq === null) return undefined;
      const { rows } = await db.query<{ document: SnapshotDocument }>(
        `select n.document from statement_snapshots n join incentive_statements s on s.id = n.statement_id
         join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
         where p.code = $1 and d.code = $2 and s.period = $3 and n.seq = $4`,
        [at.code, at.dealerCode, at.period, at.seq],
      );
      return rows[0]?.document;
    },

    /**
     * What an approval vouches for, rebuilt from the stored rows: the snapshot approved (its
     * hash), the approved totals (columns and the stored statement) and every frozen line.
     * Amounts are normalised decimals, so the column's scale does not matter.
     */
    async findApprovalDocument(statementId: string) {
      const { rows } = await db.query<{
        entity: string;
        earned: string;
        amountDue: string;
        currency: string;
        shownEarned: string | null;
        shownAmountDue: string | null;
        document: SnapshotDocument | null;
      }>(
        `select p.code || '/' || d.code || '/' || s.period as entity, s.earned::text as earned, s.amount_due::text as "amountDue",
                trim(s.currency) as currency, s.snapshot->>'earned' as "shownEarned", s.snapshot->>'amountDue' as "shownAmountDue",
                n.document
         from incentive_statements s join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
         left join statement_snapshots n on n.id = s.snapshot_id
         where s.id = $1 and s.status in ('approved', 'paid')`,
        [statementId],
      );
      const s = rows[0];
      if (!s) return undefined;
      const lines = await db.query<{
        lineNo: number;
        kind: string;
        transactionId: string | null;
        amount: string;
      }>(
        `select line_no as "lineNo", kind, transaction_id::text as "transactionId", amount::text as amount
         from incentive_statement_lines where statement_id = $1 order by line_no`,
        [statementId],
      );
      return {
        statement: s.entity,
        snapshotSha256: s.document ? snapshotHash(s.document) : null,
        currency: s.currency,
        earned: norm(s.earned),
        amountDue: norm(s.amountDue),
        shown: { earned: norm(s.shownEarned), amountDue: norm(s.shownAmountDue) },
        lines: lines.rows.map((l) => [l.lineNo, l.kind, l.transactionId, norm(l.amount)]),
      };
    },

    async findStatementIdByEntity(entityId: string): Promise<string | undefined> {
      const at = parseEntityId(entityId);
      if (!at) return undefined;
      const { rows } = await db.query<{ id: string }>(
        `select s.id::text from incentive_statements s join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
         where p.code = $1 and d.code = $2 and s.period = $3`,
        [at.code, at.dealerCode, at.period],
      );
      return rows[0]?.id;
    },

    /** A payout batch's items as its ledger entries hash them (the order it was created in). */
    async findPayoutItems(batchCode: string) {
      const { rows } = await db.query<{ reference: string; amount: string; currency: string }>(
        `select i.reference, i.amount::text as amount, trim(i.currency) as currency
         from payout_items i join payout_batches b on b.id = i.batch_id join dealers d on d.id = i.dealer_id
         join incentive_statements s on s.id = i.statement_id join programs p on p.id = s.program_id
         where b.code = $1 order by d.code, p.code, s.period`,
        [batchCode],
      );
      const exists = await db.query('select 1 from payout_batches where code = $1', [batchCode]);
      return exists.rows.length > 0 ? rows : undefined;
    },
  };
}

/**
 * Freezes the statements of a close (or re-close): each statement not yet approved whose
 * document is new or differs from its current snapshot gets a new snapshot and a ledger entry.
 * Empty statements of dealers with none stored are skipped. Returns the statements held closed.
 */
export async function freezeStatements(options: {
  tx: Queryable;
  ledger: LedgerService;
  programId: number;
  code: string;
  versionNo: number;
  window: string;
  items: FreezeItem[];
  by: string;
}) {
  const repo = createSettlementRepository(options.tx);
  const stored = options.items.map((c) => c.storedId).filter((x): x is string => x !== null);
  const current = await repo.findSnapshots(stored);
  const windowOf = await repo.findWindowStatements(
    options.programId,
    options.window,
    options.items.map((c) => c.dealer.id),
  );
  const held: SnapshotDocument[] = [];
  let snapshots = 0;
  for (const c of options.items) {
    if (c.status === 'approved' || c.status === 'paid') continue;
    const s = c.statement;
    // A later statement of the window already approved paid this period's money (its amount is
    // cumulative): nothing more is put up for it (window-order.ts).
    if (settledByLater(s.period, windowOf.get(c.dealer.id) ?? [])) continue;
    if (!c.storedId && s.lineCount === 0 && new Dec(s.amountDue).isZero()) continue;
    const document = snapshotDocument({
      programCode: options.code,
      programVersion: options.versionNo,
      dealerCode: c.dealer.code,
      statement: s,
    });
    held.push(document);
    let id = c.storedId;
    const before = id ? current.get(id) : undefined;
    if (before && canonicalJson(before.document) === canonicalJson(document)) continue;
    if (id) await repo.updateClosedStatement(id, document);
    else
      id = await repo.insertStatement({
        programId: options.programId,
        dealerId: c.dealer.id,
        window: options.window,
        document,
      });
    const { seq } = await repo.insertSnapshot(id, document, options.by);
    await options.ledger.append(options.tx, {
      entityType: 'statement_snapshot',
      entityId: snapshotEntityId(options.code, c.dealer.code, s.period, seq),
      action: seq === 1 ? 'closed' : 'reclosed',
      payload: document,
      actor: options.by,
    });
    snapshots++;
  }
  return { held, snapshots };
}

/** Dealers computed together when a period is closed (every line is kept in memory). */
const CLOSE_SLICE = 200;

type Computed = {
  settlement: { period: string; cutoff: string; window: { label: string } };
  version: { versionNo: number; definition: { currency: string } };
  items: FreezeItem[];
};

/**
 * Closes (or re-closes) a period: computes the statements with their lines a slice of the
 * network at a time, refuses before the cut-off and when every stored statement is approved,
 * records the close once, and freezes each statement not yet approved (freezeStatements).
 */
export async function closeWithSnapshots<D extends FreezeItem['dealer']>(options: {
  tx: Queryable;
  ledger: LedgerService;
  today: string;
  programId: number;
  code: string;
  period: string;
  /** whether the period was closed before */
  reclose: boolean;
  dealers: D[];
  by: string;
  compute: (dealers: D[]) => Promise<Computed>;
  markClosed: (period: string) => Promise<void>;
}) {
  const { tx, code, period } = options;
  const held: SnapshotDocument[] = [];
  let snapshots = 0;
  let first: Computed | undefined;
  for (let i = 0; i < Math.max(options.dealers.length, 1); i += CLOSE_SLICE) {
    const computed = await options.compute(options.dealers.slice(i, i + CLOSE_SLICE));
    if (!first) {
      first = computed;
      const { settlement } = computed;
      if (settlement.cutoff >= options.today)
        throw new AppError(
          'CONFLICT',
          `${cap(inWords(period))} ends on ${inWords(settlement.cutoff)}; close it after that`,
        );
      const statuses = await createSettlementRepository(tx).findPeriodStatuses(
        options.programId,
        settlement.period,
      );
      if (options.reclose && statuses.length > 0 && !statuses.includes('closed'))
        throw new AppError(
          'CONFLICT',
          `${cap(inWords(period))} of ${code} is closed and its statements are approved`,
        );
      if (!options.reclose) await options.markClosed(settlement.period);
    }
    const frozen = await freezeStatements({
      tx,
      ledger: options.ledger,
      programId: options.programId,
      code,
      versionNo: computed.version.versionNo,
      window: computed.settlement.window.label,
      items: computed.items,
      by: options.by,
    });
    held.push(...frozen.held);
    snapshots += frozen.snapshots;
  }
  const { settlement, version } = first!;
  const total = held.reduce((a, d) => a.plus(d.amountDue), new Dec(0));
  return {
    programCode: code,
    period: settlement.period,
    statements: held.length,
    snapshots,
    reclosed: options.reclose,
    totalAmountDue: moneyString(total, version.definition.currency),
  };
}

/**
 * The snapshot an approval approves: the statement's current one, if recomputing it now gives
 * the same document; otherwise 409 STATEMENT_CHANGED_SINCE_CLOSE with the difference.
 *
 * The recomputation judges the statement as things stood at its period's close: the feed's rows,
 * the confirmed flags and (migration 0062) the approvals positioned by the close. Another
 * dealer's approval after the close (of a statement paying a VIN this one counts too) does not
 * change it, so it does not block this approval; the VIN is still paid once, because at one
 * feed bound only one delivery of a VIN earns (the other dealer's statement of the same close
 * takes its payment back), and when two approved payments still both stand the first approval
 * keeps the VIN and the other dealer's next statement carries the difference as a correction
 * (forecourt_vin_blocked, forecourt_vin_touched_dealers; docs/incentives.md, "A VIN is paid once").
 */
export async function approvableSnapshot(options: {
  tx: Queryable;
  statementId: string;
  live: SnapshotDocument;
}): Promise<SnapshotInfo> {
  const snapshot = (
    await createSettlementRepository(options.tx).findSnapshots([options.statementId])
  ).get(options.statementId);
  const recomputedSha256 = snapshotHash(options.live);
  if (!snapshot) {
    throw new AppError(
      'STATEMENT_CHANGED_SINCE_CLOSE',
      'This statement was closed before closes kept a snapshot; re-close the period, review it, then approve',
      { snapshotSha256: null, recomputedSha256 },
    );
  }
  if (canonicalJson(snapshot.document) !== canonicalJson(options.live)) {
    const diff = diffSnapshots(snapshot.document, options.live);
    throw new AppError(
      'STATEMENT_CHANGED_SINCE_CLOSE',
      `The statement changed since it was closed (${diff.added.length} line(s) added, ${diff.removed.length} removed, ${diff.changed.length} changed; amount due ${diff.totals.before.amountDue} → ${diff.totals.after.amountDue}); re-close the period, review it, then approve`,
      {
        snapshotSha256: snapshot.sha256,
        closedAt: snapshot.closedAt,
        closedBy: snapshot.closedBy,
        recomputedSha256,
        ...diff,
      },
    );
  }
  return snapshot;
}
