/**
 * Settlement (issue 19): closing a period (snapshots, settlement.ts), the single approval with
 * the four-eyes rule and the frozen lines, and the check of closed statements against their
 * snapshots (bulk-settlement.ts builds on both).
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec } from '../../../shared/money';
import type { StatementDetail } from '../../../shared/schemas/incentives';
import type { Queryable } from '../../db/db';
import {
  approvableSnapshot,
  closeWithSnapshots,
  createSettlementRepository,
  snapshotEntityId,
} from './settlement';
import { snapshotDocument } from './statement-snapshot';
import { createCorrectionsRepository } from './corrections.repository';
import { listSettlementPeriods } from './calc';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { createSettlementWritesRepository } from './settlement-writes.repository';
import {
  type IncentivesContext,
  type DealerPeriodRequest,
  type PeriodRequest,
  actorLabel,
  userId,
  requireOem,
  need,
  latest,
  versionAndPeriod,
} from './incentives-context';
import { type StatementComputation } from './statement-compute';
import { type StatementsService } from './statements.service';
import { assertWindowOrder } from './window-order';
import { payablePeriods } from './payable-period';
import { createTransactionsRepository } from '../transactions/transactions.repository';

export function createSettlementService({
  shared,
  compute,
  statements,
}: {
  shared: IncentivesContext;
  compute: StatementComputation;
  statements: Pick<StatementsService, 'getStatement'>;
}) {
  const { deps, context, loadProgram } = shared;
  const { computeStatements } = compute;
  const getStatementDetail = statements.getStatement;
  const repoOf = (db: Queryable = deps.db) => ({
    ...createIncentivesContextRepository(db),
    ...createSettlementWritesRepository(db),
  });

  const service = {
    /**
     * A chargeback (issue 14 §4, a confirmed integrity flag): negative adjustment lines for one
     * dealer in one program, in the caller's transaction. Like a late row's correction, what a
     * period already closed (closed, approved or paid) owes goes into the program's next open
     * period; an open period takes its own. One line per target period, naming the flag.
     */
    async postChargeback({
      tx,
      code,
      dealerId,
      flagId,
      by,
      lines,
    }: {
      tx: Queryable;
      code: string;
      dealerId: number;
      flagId: number;
      by: string;
      lines: { period: string; amount: string; explanation: string }[];
    }): Promise<{ period: string; amount: string }[]> {
      const p = await loadProgram(code, tx);
      const ctx = await context(tx);
      const payable = payablePeriods(tx, p, ctx.fy);
      const periods = payable.periods;
      const byTarget = new Map<string, { amount: Dec; explanations: string[] }>();
      for (const line of lines) {
        const at = periods.findIndex((x) => x.period === line.period);
        if (at < 0) throw new AppError('CONFLICT', `Program ${code} has no period ${line.period}`);
        // the first period that still pays the dealer (window-order.ts), as a dispute's adjustment
        const target = await payable.firstFrom(at, dealerId);
        if (!target)
          throw new AppError(
            'CONFLICT',
            `Program ${code} has no period after ${line.period} that can still settle with the dealer (every one is closed, or paid by a later approved statement of its window)`,
          );
        const t = byTarget.get(target) ?? { amount: new Dec(0), explanations: [] };
        t.amount = t.amount.minus(new Dec(line.amount).abs());
        t.explanations.push(line.explanation);
        byTarget.set(target, t);
      }
      const posted: { period: string; amount: string }[] = [];
      for (const [period, t] of byTarget) {
        if (t.amount.isZero()) continue;
        await tx.query(
          `insert into incentive_adjustments (program_id, dealer_id, period, integrity_flag_id, amount, explanation, created_by)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [p.row.id, dealerId, period, flagId, t.amount.toString(), t.explanations.join('; '), by],
        );
        posted.push({ period, amount: t.amount.toString() });
      }
      return posted;
    },

    async closePeriod({ actor, code, period }: PeriodRequest) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return deps.db.transaction(async (tx) => {
        // No batch in flight while closing: the rows up to the feed's last id are the period's.
        await createCorrectionsRepository(tx).lockFeed(tx);
        const p = await loadProgram(code, tx);
        const ctx = await context(tx);
        const repo = repoOf(tx);
        if (p.row.status === 'draft')
          throw new AppError('CONFLICT', `Program ${code} is not published`);
        // No approval of the window meanwhile (window-order.ts).
        await createSettlementRepository(tx).lockWindow(
          p.row.id,
          versionAndPeriod(p, period, ctx.fy).settlement.window.label,
        );
        const reclose = await repo.isPeriodClosed(p.row.id, period);
        const dealers = await repo.findDealers({ kind: 'network' });
        // Every statement not yet approved is frozen as a snapshot (settlement.ts).
        return closeWithSnapshots({
          tx,
          ledger: deps.ledger,
          today: deps.today(),
          programId: p.row.id,
          code,
          period,
          reclose,
          dealers,
          by: actorLabel(actor),
          compute: (slice) =>
            computeStatements({
              db: tx,
              program: p,
              period,
              dealers: slice,
              withLines: true,
              ctx,
              live: true,
            }),
          markClosed: (label) => repo.closePeriod(p.row.id, label, actorLabel(actor)),
        });
      });
    },

    async approveStatement(options: DealerPeriodRequest): Promise<StatementDetail> {
      await service.approveSnapshot(options);
      return getStatementDetail(options);
    },

    /**
     * The single approval (one transaction): the statement's snapshot, when it still holds,
     * is approved, its lines frozen and a ledger entry written. Bulk approval calls it per
     * statement (bulk-settlement.ts). Answers the amount approved.
     */
    async approveSnapshot({
      actor,
      code,
      dealerCode,
      period,
    }: DealerPeriodRequest): Promise<{ amountDue: string; currency: string }> {
      need(actor, 'programs:approve');
      requireOem(actor);
      return deps.db.transaction(async (tx) => {
        // The approval's place in the feed (migration 0062): no close meanwhile, which waits for
        // it (taken before the window's lock, in the close's order).
        await createTransactionsRepository(tx).lockIngest(tx, 'shared');
        const p = await loadProgram(code, tx);
        const [d] = await repoOf(tx).findDealers(actor.scope, dealerCode);
        if (!d) throw notFound('Dealer', dealerCode);
        if (
          (p.row.createdById !== null && p.row.createdById === userId(actor)) ||
          p.row.createdBy === actorLabel(actor)
        ) {
          throw new AppError(
            'FORBIDDEN',
            `Four eyes: the author of program ${code} may not approve its statements`,
          );
        }
        const ctx = await context(tx);
        // No close of the window meanwhile (window-order.ts).
        await createSettlementRepository(tx).lockWindow(
          p.row.id,
          versionAndPeriod(p, period, ctx.fy).settlement.window.label,
        );
        const { settlement, version, items } = await computeStatements({
          db: tx,
          program: p,
          period,
          dealers: [d],
          withLines: true,
          ctx,
          live: true,
        });
        const c = items[0]!;
        if (c.status !== 'closed' || !c.storedId) {
          throw new AppError(
            'CONFLICT',
            c.status === 'open'
              ? `Period ${period} is open (or ${dealerCode} has no statement); close it first`
              : `The statement is already ${c.status}`,
          );
        }
        // A dealer's statements of a window are approved in period order (window-order.ts).
        assertWindowOrder({
          code,
          dealerCode: d.code,
          period: settlement.period,
          window:
            (
              await createSettlementRepository(tx).findWindowStatements(
                p.row.id,
                settlement.window.label,
                [d.id],
              )
            ).get(d.id) ?? [],
        });
        const s = c.statement;
        const snapshot = await approvableSnapshot({
          tx,
          statementId: c.storedId,
          live: snapshotDocument({
            programCode: code,
            programVersion: version.versionNo,
            dealerCode: d.code,
            statement: s,
          }),
        });
        const repo = repoOf(tx);
        await repo.approveStatement({
          id: c.storedId,
          by: actorLabel(actor),
          earned: s.earned,
          amountDue: s.amountDue,
          snapshot: { ...s, lines: [] },
        });
        // The snapshot's lines: what was closed is what is approved. The snapshot (its hash)
        // leaves out the structured CO2 figures; they come from the recomputed line the
        // snapshot was just checked against (same place, same transaction and kind).
        await repo.insertLines(
          c.storedId,
          snapshot.document.lines.map((l, i) => {
            const live = s.lines[i];
            const same =
              live !== undefined &&
              live.kind === l.kind &&
              (live.transactionId === null ? null : String(live.transactionId)) === l.transactionId;
            return { ...l, co2: same ? (live.co2 ?? null) : null };
          }),
        );
        await repo.recordSettledUnits({
          programId: p.row.id,
          dealerId: d.id,
          statementId: c.storedId,
          window: settlement.window.label,
        });
        // Names the snapshot approved (its hash) and what was frozen (settlement.ts).
        await createCorrectionsRepository(tx).recordCorrectedUnits({
          programId: p.row.id,
          dealerId: d.id,
          statementId: c.storedId,
          windows: Object.fromEntries(
            listSettlementPeriods({
              program: latest(p).definition,
              fiscalYearStartMonth: ctx.fy,
            }).map((x) => [x.period, x.window.label]),
          ),
        });
        await deps.ledger.append(tx, {
          entityType: 'statement_approval',
          entityId: snapshotEntityId(code, d.code, settlement.period, snapshot.seq),
          action: 'approved',
          payload: await createSettlementRepository(tx).findApprovalDocument(c.storedId),
          actor: actorLabel(actor),
        });
        return { amountDue: snapshot.document.amountDue, currency: s.currency };
      });
    },

    /**
     * The closed statements of a period in the caller's scope, each recomputed with its lines
     * and compared with its snapshot (as approval does): `difference` is null when the snapshot
     * holds, else what approval would answer in its 409 details.
     */
    async checkClosedStatements({ actor, code, period }: PeriodRequest): Promise<
      {
        dealerCode: string;
        dealerName: string;
        amountDue: string;
        difference: Record<string, unknown> | null;
        /** approval would answer 409 WINDOW_OUT_OF_ORDER (window-order.ts): its message and details */
        outOfOrder: { message: string; blockedBy: string[]; settledBy: string[] } | null;
      }[]
    > {
      need(actor, 'statements:read');
      requireOem(actor);
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const out = [];
      for (let i = 0; i < dealers.length; i += 200) {
        const { version, settlement, items } = await computeStatements({
          program: p,
          period,
          dealers: dealers.slice(i, i + 200),
          withLines: true,
          ctx,
          live: true,
        });
        const closed = items.filter((x) => x.status === 'closed' && x.storedId);
        const windows = await createSettlementRepository(deps.db).findWindowStatements(
          p.row.id,
          settlement.window.label,
          closed.map((c) => c.dealer.id),
        );
        for (const c of closed) {
          let outOfOrder = null;
          try {
            assertWindowOrder({
              code,
              dealerCode: c.dealer.code,
              period: settlement.period,
              window: windows.get(c.dealer.id) ?? [],
            });
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
            const { blockedBy, settledBy } = e.details as {
              blockedBy: string[];
              settledBy: string[];
            };
            outOfOrder = { message: e.message, blockedBy, settledBy };
          }
          let difference: Record<string, unknown> | null = null;
          let amountDue = c.statement.amountDue;
          try {
            const snapshot = await approvableSnapshot({
              tx: deps.db,
              statementId: c.storedId!,
              live: snapshotDocument({
                programCode: code,
                programVersion: version.versionNo,
                dealerCode: c.dealer.code,
                statement: c.statement,
              }),
            });
            amountDue = snapshot.document.amountDue;
          } catch (e) {
            if (!(e instanceof AppError) || e.code !== 'STATEMENT_CHANGED_SINCE_CLOSE') throw e;
            difference = { message: e.message, ...(e.details as Record<string, unknown>) };
            // what was closed (the snapshot's figure), not the recomputation
            const before = (e.details as { totals?: { before?: { amountDue?: string } } }).totals
              ?.before?.amountDue;
            if (before !== undefined) amountDue = before;
          }
          out.push({
            dealerCode: c.dealer.code,
            dealerName: c.dealer.name,
            amountDue,
            difference,
            outOfOrder,
          });
        }
      }
      return out;
    },
  };
  return service;
}

export type SettlementService = ReturnType<typeof createSettlementService>;
