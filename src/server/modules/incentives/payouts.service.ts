/**
 * Payouts (issue 19): a batch of the approved statements not yet paid (ledger), its export for
 * accounts payable, and marking it paid.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { PayoutBatchView } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { createPayoutsRepository } from './payouts.repository';
import { type IncentivesContext, actorLabel, requireOem, need } from './incentives-context';

export function createPayoutsService({ shared }: { shared: IncentivesContext }) {
  const { deps } = shared;
  const payoutsOf = (db: Queryable = deps.db) => createPayoutsRepository(db);

  async function batchView(code: string, db: Queryable = deps.db): Promise<PayoutBatchView> {
    const repo = payoutsOf(db);
    const b = await repo.findBatch(code);
    if (!b) throw notFound('Payout batch', code);
    const items = await repo.findItems(b.id, b.glAccount);
    const totals = new Map<string, Dec>();
    for (const i of items) {
      i.amount = moneyString(i.amount, i.currency);
      totals.set(i.currency, (totals.get(i.currency) ?? new Dec(0)).plus(i.amount));
    }
    return {
      code: b.code,
      status: b.status,
      glAccount: b.glAccount,
      createdBy: b.createdBy,
      createdAt: b.createdAt,
      paidAt: b.paidAt,
      state: b.state,
      exportedAt: b.exportedAt,
      totals: [...totals].map(([currency, amount]) => ({
        currency,
        amount: moneyString(amount, currency),
      })),
      items,
    };
  }

  return {
    async createPayoutBatch({
      actor,
      data,
    }: {
      actor: Actor;
      data: { programCode?: string; glAccount: string };
    }): Promise<PayoutBatchView> {
      need(actor, 'payouts:manage');
      requireOem(actor);
      const code = await deps.db.transaction(async (tx) => {
        const repo = payoutsOf(tx);
        await repo.lockBuilds();
        const rows = await repo.findPayableStatements(data.programCode ?? null);
        if (rows.length === 0)
          throw new AppError('CONFLICT', 'No approved statements wait for payout');
        const seq = await repo.nextBatchNumber();
        const batchCode = `PAY-${deps.today().replace(/-/g, '')}-${String(seq).padStart(4, '0')}`;
        await repo.insertBatch(batchCode, data.glAccount, actorLabel(actor), rows);
        await deps.ledger.append(tx, {
          entityType: 'payout_batch',
          entityId: batchCode,
          action: 'created',
          payload: rows.map((r) => [r.reference, r.amount, r.currency]),
          actor: actorLabel(actor),
        });
        return batchCode;
      });
      return batchView(code);
    },

    async getPayoutBatch({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return batchView(code);
    },

    /** The CSV was fetched for accounts payable: the first time makes the batch `exported`. */
    async recordBatchExport({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      await payoutsOf().recordExport(code, actorLabel(actor));
    },

    async markBatchPaid({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      await deps.db.transaction(async (tx) => {
        await payoutsOf(tx).lockBatch(code);
        const b = await batchView(code, tx);
        if (b.status === 'paid') throw new AppError('CONFLICT', `Batch ${code} is already paid`);
        await payoutsOf(tx).markPaid(code, actorLabel(actor));
        await deps.ledger.append(tx, {
          entityType: 'payout_batch',
          entityId: code,
          action: 'paid',
          payload: b.totals,
          actor: actorLabel(actor),
        });
      });
      return batchView(code);
    },
  };
}

export type PayoutsService = ReturnType<typeof createPayoutsService>;
