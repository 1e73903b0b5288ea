/**
 * The SQL of payout batches (issue 19): a batch and its items, the approved statements not yet
 * paid, building a batch, its export and marking it paid. The rules: payouts.service.ts.
 */
import type { PayoutBatchView } from '../../../shared/schemas/incentives';
import type { Queryable } from '../../db/db';
import { BATCH_STATE_SQL } from './incentives-lists.repository';

export type BatchRow = {
  id: string;
  code: string;
  status: 'exported' | 'paid';
  glAccount: string;
  createdBy: string;
  createdAt: string;
  paidAt: string | null;
  state: 'built' | 'exported' | 'paid';
  exportedAt: string | null;
};

export type PayableStatement = {
  id: string;
  dealerId: number;
  amount: string;
  currency: string;
  reference: string;
};

/** The advisory lock of payout builds (lockBuilds). */
const PAYOUT_BUILD_LOCK = 7_305_143;

export function createPayoutsRepository(db: Queryable) {
  return {
    /**
     * Payout builds one at a time (held to the end of the transaction): a second build at the
     * same instant waits, then finds the statements batched already (and numbers its batch after
     * the first), instead of failing on payout_items' unique statement or the batch code.
     */
    async lockBuilds() {
      await db.query('select pg_advisory_xact_lock($1)', [PAYOUT_BUILD_LOCK]);
    },

    /** Locks a batch's row to the end of the transaction (one mark-paid at a time). */
    async lockBatch(code: string) {
      await db.query('select 1 from payout_batches where code = $1 for update', [code]);
    },

    async findBatch(code: string): Promise<BatchRow | undefined> {
      const { rows } = await db.query<BatchRow>(
        `select id::text, code, status, gl_account as "glAccount", created_by as "createdBy", to_json(created_at)#>>'{}' as "createdAt",
                to_json(paid_at)#>>'{}' as "paidAt", ${BATCH_STATE_SQL} as state,
                to_json(exported_at)#>>'{}' as "exportedAt" from payout_batches b where code = $1`,
        [code],
      );
      return rows[0];
    },

    /** A batch's items (amounts as stored), by dealer, program and period. */
    async findItems(batchId: string, glAccount: string): Promise<PayoutBatchView['items']> {
      const { rows } = await db.query<PayoutBatchView['items'][number]>(
        `select d.code as "dealerCode", d.name as "dealerName", d.erp_vendor_id as "erpVendorId", i.amount::text as amount,
                trim(i.currency) as currency, $2::text as "glAccount", i.reference, p.code as "programCode", s.period
         from payout_items i join dealers d on d.id = i.dealer_id join incentive_statements s on s.id = i.statement_id
         join programs p on p.id = s.program_id where i.batch_id = $1 order by d.code, p.code, s.period`,
        [batchId, glAccount],
      );
      return rows;
    },

    /** Approved statements with an amount due and no payout item yet (of one program, or all). */
    async findPayableStatements(programCode: string | null): Promise<PayableStatement[]> {
      const { rows } = await db.query<PayableStatement>(
        `select s.id::text, s.dealer_id as "dealerId", s.amount_due::text as amount, trim(s.currency) as currency,
                p.code || '-' || s.period || '-' || d.code as reference
         from incentive_statements s join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
         where s.status = 'approved' and s.amount_due <> 0 and ($1::text is null or p.code = $1)
           and not exists (select 1 from payout_items i where i.statement_id = s.id)
         order by d.code, p.code, s.period`,
        [programCode],
      );
      return rows;
    },

    /** The next batch's sequence number (batches so far + 1). */
    async nextBatchNumber(): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int + 1 as n from payout_batches',
      );
      return rows[0]!.n;
    },

    /** A batch holding `items`; returns its id. */
    async insertBatch(
      code: string,
      glAccount: string,
      createdBy: string,
      items: PayableStatement[],
    ): Promise<string> {
      const batch = await db.query<{ id: string }>(
        `insert into payout_batches (code, gl_account, created_by) values ($1, $2, $3) returning id::text`,
        [code, glAccount, createdBy],
      );
      const batchId = batch.rows[0]!.id;
      for (const r of items) {
        await db.query(
          `insert into payout_items (batch_id, statement_id, dealer_id, amount, currency, reference) values ($1, $2, $3, $4, $5, $6)`,
          [batchId, r.id, r.dealerId, r.amount, r.currency, r.reference],
        );
      }
      return batchId;
    },

    /** The first export makes the batch `exported`; later ones change nothing. */
    async recordExport(code: string, by: string) {
      await db.query(
        `update payout_batches set exported_at = now(), exported_by = $2 where code = $1 and exported_at is null`,
        [code, by],
      );
    },

    /** The batch and its statements become paid. */
    async markPaid(code: string, by: string) {
      await db.query(
        `update payout_batches set status = 'paid', paid_at = now(), paid_by = $2 where code = $1`,
        [code, by],
      );
      await db.query(
        `update incentive_statements set status = 'paid', paid_at = now()
         where id in (select i.statement_id from payout_items i join payout_batches b on b.id = i.batch_id where b.code = $1)`,
        [code],
      );
    },
  };
}
