/**
 * Disputes (issue 19): a dealer's dispute of a statement, line or claim, the messages both sides
 * write, and the OEM's resolution (an adjustment in the disputed period while it is open).
 */
import { AppError, notFound } from '../../../shared/errors';
import { checkMinorUnit, formatMinor } from '../../../shared/money';
import { hasPermission } from '../../../shared/permissions';
import type { DisputeView } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { resolvePeriod } from './calc';
import { createDisputesRepository } from './disputes.repository';
import {
  type IncentivesContext,
  actorLabel,
  invalid,
  requireOem,
  need,
  latest,
} from './incentives-context';
import { payablePeriods } from './payable-period';

export function createDisputesService({ shared }: { shared: IncentivesContext }) {
  const { deps, visibility, context, loadProgram, dealerInScope } = shared;
  const disputesOf = (db: Queryable = deps.db) => createDisputesRepository(db);
  const sideOf = (actor: Actor) => (actor.scope.kind === 'dealers' ? 'dealer' : 'oem');

  async function getDispute(
    id: number,
    actor: Actor,
    db: Queryable = deps.db,
  ): Promise<DisputeView> {
    const repo = disputesOf(db);
    const row = await repo.findDispute(id, actor.scope, deps.today());
    if (!row) throw notFound('Dispute', String(id));
    const messages = await repo.findMessages(id);
    return {
      ...row,
      adjustment: formatMinor(row.adjustment, row.currency),
      transaction: row.transaction && {
        ...row.transaction,
        amount: formatMinor(row.transaction.amount, row.transaction.currency),
      },
      messages,
    };
  }

  return {
    async createDispute({
      actor,
      data,
    }: {
      actor: Actor;
      data: {
        programCode: string;
        dealerCode: string;
        period: string;
        transactionId?: string;
        claimId?: number;
        comment: string;
        attachmentName?: string;
      };
    }): Promise<DisputeView> {
      need(actor, 'disputes:write');
      const d = await dealerInScope(actor, data.dealerCode);
      await visibility.requireVisible(actor, data.programCode, data.dealerCode);
      const p = await loadProgram(data.programCode);
      const ctx = await context();
      resolvePeriod({
        program: latest(p).definition,
        period: data.period,
        fiscalYearStartMonth: ctx.fy,
      });
      if (data.transactionId) {
        if (!(await disputesOf().isDealersTransaction(data.transactionId, d.id)))
          throw invalid([
            {
              path: 'body.transactionId',
              code: 'unknown_line',
              message: 'no such transaction of the dealer',
            },
          ]);
      }
      if (data.claimId) {
        if (!(await disputesOf().isDealersClaim(data.claimId, d.id)))
          throw invalid([
            { path: 'body.claimId', code: 'unknown_claim', message: 'no such claim of the dealer' },
          ]);
      }
      const id = await deps.db.transaction(async (tx) => {
        const disputeId = await disputesOf(tx).insertDispute({
          programId: p.row.id,
          dealerId: d.id,
          period: data.period,
          transactionId: data.transactionId ?? null,
          claimId: data.claimId ?? null,
          createdBy: actorLabel(actor),
        });
        await disputesOf(tx).insertMessage({
          disputeId,
          side: sideOf(actor),
          author: actorLabel(actor),
          body: data.comment,
          attachmentName: data.attachmentName ?? null,
        });
        return disputeId;
      });
      return getDispute(id, actor);
    },

    async addDisputeMessage({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { body: string; attachmentName?: string };
    }): Promise<DisputeView> {
      if (
        !hasPermission(actor.role, 'disputes:write') &&
        !hasPermission(actor.role, 'disputes:resolve')
      ) {
        throw new AppError('FORBIDDEN', `Your role (${actor.role}) may not write in disputes`);
      }
      const dispute = await getDispute(id, actor);
      if (dispute.status !== 'open')
        throw new AppError('CONFLICT', `Dispute ${id} is ${dispute.status}`);
      await disputesOf().insertMessage({
        disputeId: id,
        side: sideOf(actor),
        author: actorLabel(actor),
        body: data.body,
        attachmentName: data.attachmentName ?? null,
      });
      return getDispute(id, actor);
    },

    async resolveDispute({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: { outcome: 'adjust' | 'reject'; amount?: string; reason: string };
    }): Promise<DisputeView> {
      need(actor, 'disputes:resolve');
      requireOem(actor);
      const dispute = await getDispute(id, actor);
      if (dispute.status !== 'open')
        throw new AppError('CONFLICT', `Dispute ${id} is already ${dispute.status}`);
      const p = await loadProgram(dispute.programCode);
      const ctx = await context();
      if (data.amount !== undefined) checkMinorUnit(data.amount, dispute.currency, 'body.amount');
      await deps.db.transaction(async (tx) => {
        const status = await disputesOf(tx).lockDisputeStatus(id);
        if (status !== 'open') throw new AppError('CONFLICT', `Dispute ${id} is already ${status}`);
        if (data.outcome === 'adjust') {
          // The adjustment goes into the disputed period while it is open, else into the next
          // period still open (as a chargeback's): never into a closed one, whose statements may
          // be approved already (frozen: the money would never be paid), nor into an open one
          // whose close will put nothing up for the dealer because a later statement of its
          // window is approved already (window-order.ts).
          const payable = payablePeriods(tx, p, ctx.fy);
          const period = await payable.firstFrom(
            payable.periods.findIndex((x) => x.period === dispute.period),
            dispute.dealerCode,
          );
          if (!period)
            throw new AppError(
              'CONFLICT',
              `Every period of program ${dispute.programCode} from ${dispute.period} on is closed, or settled for ${dispute.dealerCode} by a later approved statement of its window: no statement is left to pay the adjustment; reject the dispute (and settle it outside the program)`,
              { period: dispute.period },
            );
          await disputesOf(tx).insertAdjustment({
            programId: p.row.id,
            dealerCode: dispute.dealerCode,
            period,
            disputeId: id,
            amount: data.amount,
            explanation: `dispute ${id}: ${data.reason}`,
            createdBy: actorLabel(actor),
          });
        }
        await disputesOf(tx).resolveDispute(
          id,
          data.outcome === 'adjust' ? 'adjusted' : 'rejected',
          data.reason,
          actorLabel(actor),
        );
        await disputesOf(tx).insertMessage({
          disputeId: id,
          side: 'oem',
          author: actorLabel(actor),
          body: `${data.outcome === 'adjust' ? `Adjusted by ${formatMinor(data.amount!, dispute.currency)}` : 'Rejected'}: ${data.reason}`,
          attachmentName: null,
        });
      });
      return getDispute(id, actor);
    },

    getDispute: ({ actor, id }: { actor: Actor; id: number }) => getDispute(id, actor),

    async findDisputes({
      actor,
      status,
    }: {
      actor: Actor;
      status?: string;
    }): Promise<DisputeView[]> {
      need(actor, 'statements:read');
      const ids = await disputesOf().findDisputeIds(actor.scope, status ?? null);
      const out: DisputeView[] = [];
      for (const id of ids) out.push(await getDispute(id, actor));
      return out;
    },
  };
}

export type DisputesService = ReturnType<typeof createDisputesService>;
