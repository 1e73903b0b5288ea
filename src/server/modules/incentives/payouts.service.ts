/**
 * Payouts (issue 19): a batch of the approved statements not yet paid (ledger), its export for
 * accounts payable, and marking it paid.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { PayoutBatchView } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { BATCH_STATE_SQL } from './incentives-lists.repository';
import { type IncentivesContext, actorLabel, requireOem, need } from './incentives-context';

export function createPayoutsService({ shared }: { shared: IncentivesContext }) {
  const { deps } = shared;

  async function batchView(code: string, db: Queryable = deps.db): Promise<PayoutBatchView> {
    const { rows } = await db.query<{
      id: string;
      code: string;
      status: 'exported' | 'paid';
      glAccount: string;
      createdBy: string;
      createdAt: string;
      paidAt: string | null;
      state: 'built' | 'exported' | 'paid';
      exportedAt: string | null;
    }>(
      `select id::text, code, status, gl_account as "glAccount", created_by as "createdBy", to_json(created_at)#>>'{}' as "createdAt",
              to_json(paid_at)#>>'{}' as "paidAt", ${BATCH_STATE_SQL} as state,
              to_json(exported_at)#>>'{}' as "exportedAt" from payout_batches b where code = $1`,
      [code],
    );
    const b = rows[0];
    if (!b) throw notFound('Payout batch', code);
    const items = await db.query<PayoutBatchView['items'][number]>(
      `select d.code as "dealerCode", d.name as "dealerName", d.erp_vendor_id as "erpVendorId", i.amount::text as amount,
              trim(i.currency) as currency, $2::text as "glAccount", i.reference, p.code as "programCode", s.period
       from payout_items i join dealers d on d.id = i.dealer_id join incentive_statements s on s.id = i.statement_id
       join programs p on p.id = s.program_id where i.batch_id = $1 order by d.code, p.code, s.period`,
      [b.id, b.glAccount],
    );
    const totals = new Map<string, Dec>();
    for (const i of items.rows) {
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
      items: items.rows,
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
        const { rows } = await tx.query<{
          id: string;
          dealerId: number;
          amount: string;
          currency: string;
          reference: string;
        }>(
          `select s.id::text, s.dealer_id as "dealerId", s.amount_due::text as amount, trim(s.currency) as currency,
                  p.code || '-' || s.period || '-' || d.code as reference
           from incentive_statements s join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
           where s.status = 'approved' and s.amount_due <> 0 and ($1::text is null or p.code = $1)
             and not exists (select 1 from payout_items i where i.statement_id = s.id)
           order by d.code, p.code, s.period`,
          [data.programCode ?? null],
        );
        if (rows.length === 0)
          throw new AppError('CONFLICT', 'No approved statements wait for payout');
        const seq = await tx.query<{ n: number }>(
          'select count(*)::int + 1 as n from payout_batches',
        );
        const batchCode = `PAY-${deps.today().replace(/-/g, '')}-${String(seq.rows[0]!.n).padStart(4, '0')}`;
        const batch = await tx.query<{ id: string }>(
          `insert into payout_batches (code, gl_account, created_by) values ($1, $2, $3) returning id::text`,
          [batchCode, data.glAccount, actorLabel(actor)],
        );
        for (const r of rows) {
          await tx.query(
            `insert into payout_items (batch_id, statement_id, dealer_id, amount, currency, reference) values ($1, $2, $3, $4, $5, $6)`,
            [batch.rows[0]!.id, r.id, r.dealerId, r.amount, r.currency, r.reference],
          );
        }
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
      await deps.db.query(
        `update payout_batches set exported_at = now(), exported_by = $2 where code = $1 and exported_at is null`,
        [code, actorLabel(actor)],
      );
    },

    async markBatchPaid({ actor, code }: { actor: Actor; code: string }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      await deps.db.transaction(async (tx) => {
        const b = await batchView(code, tx);
        if (b.status === 'paid') throw new AppError('CONFLICT', `Batch ${code} is already paid`);
        await tx.query(
          `update payout_batches set status = 'paid', paid_at = now(), paid_by = $2 where code = $1`,
          [code, actorLabel(actor)],
        );
        await tx.query(
          `update incentive_statements set status = 'paid', paid_at = now()
           where id in (select i.statement_id from payout_items i join payout_batches b on b.id = i.batch_id where b.code = $1)`,
          [code],
        );
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
