/**
 * The SQL of disputes (issue 19): a dispute as the API shows it (with its line, claim,
 * adjustment and age), its messages, the checks of what it points at, and its writes. The rules
 * (who may write, where an adjustment goes): disputes.service.ts.
 */
import type { DisputeView } from '../../../shared/schemas/incentives';
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { parentDealer } from '../../db/parent-dealer';

export function createDisputesRepository(db: Queryable) {
  return {
    /** The dispute if the scope may see it; `ageDays` counted to `today`; amounts in minor units. */
    async findDispute(
      id: number,
      scope: Scope,
      today: string,
    ): Promise<Omit<DisputeView, 'messages'> | undefined> {
      const params: unknown[] = [id];
      const scoped = scopeSql(scope, 'd', params);
      const { rows } = await db.query<Omit<DisputeView, 'messages'>>(
        `select x.id::int as id, p.code as "programCode", d.code as "dealerCode", d.name as "dealerName", x.period, x.transaction_id::text as "transactionId",
                (select json_build_object('occurredOn', to_char(t.occurred_on, 'YYYY-MM-DD'), 'vin', t.vin,
                          'sku', k.code, 'amount', t.amount::text, 'currency', trim(t.currency))
                 from transactions t join skus k on k.id = t.sku_id where t.id = x.transaction_id) as "transaction",
                x.claim_id::int as "claimId", x.status, x.resolution,
                (select a.amount::text from incentive_adjustments a where a.dispute_id = x.id limit 1) as adjustment,
                (($${params.length + 1}::date - x.created_at::date))::int as "ageDays",
                x.created_by as "createdBy", x.resolved_by as "resolvedBy", to_json(x.created_at)#>>'{}' as "createdAt",
                coalesce(
                  (select trim(s.currency) from incentive_statements s
                   where s.program_id = x.program_id and s.dealer_id = x.dealer_id and s.period = x.period),
                  (select v.definition->>'currency' from program_versions v
                   where v.program_id = x.program_id order by v.version_no desc limit 1)
                ) as currency
         from incentive_disputes x join programs p on p.id = x.program_id join dealers d on d.id = x.dealer_id
         where x.id = $1 and ${scoped}`,
        [...params, today],
      );
      return rows[0];
    },

    async findMessages(disputeId: number): Promise<DisputeView['messages']> {
      const { rows } = await db.query<DisputeView['messages'][number]>(
        `select id::int as id, side, author, body, attachment_name as "attachmentName", to_json(created_at)#>>'{}' as "createdAt"
         from incentive_dispute_messages where dispute_id = $1 order by id`,
        [disputeId],
      );
      return rows;
    },

    /** The ids of the disputes the scope may see (of one status, or all), oldest first. */
    async findDisputeIds(scope: Scope, status: string | null): Promise<number[]> {
      const params: unknown[] = [status];
      const { rows } = await db.query<{ id: number }>(
        `select x.id::int as id from incentive_disputes x join dealers d on d.id = x.dealer_id
         where ($1::text is null or x.status = $1) and ${scopeSql(scope, 'd', params)} order by x.created_at, x.id`,
        params,
      );
      return rows.map((r) => r.id);
    },

    async isDealersTransaction(transactionId: string, dealerId: number): Promise<boolean> {
      const { rows } = await db.query(
        'select 1 from transactions where id = $1 and dealer_id = $2',
        [transactionId, dealerId],
      );
      return rows.length > 0;
    },

    async isDealersClaim(claimId: number, dealerId: number): Promise<boolean> {
      const { rows } = await db.query(
        'select 1 from incentive_claims where id = $1 and dealer_id = $2',
        [claimId, dealerId],
      );
      return rows.length > 0;
    },

    async insertDispute(input: {
      programId: number;
      dealerId: number;
      period: string;
      transactionId: string | null;
      claimId: number | null;
      createdBy: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into incentive_disputes (program_id, dealer_id, period, transaction_id, claim_id, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id::int as id`,
        [
          input.programId,
          input.dealerId,
          input.period,
          input.transactionId,
          input.claimId,
          input.createdBy,
        ],
      );
      return rows[0]!.id;
    },

    async insertMessage(input: {
      disputeId: number;
      side: 'dealer' | 'oem';
      author: string;
      body: string;
      attachmentName: string | null;
    }) {
      await db.query(
        `insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body, attachment_name)
         values ($1, ${parentDealer('incentive_disputes', '$1')}, $2, $3, $4, $5)`,
        [input.disputeId, input.side, input.author, input.body, input.attachmentName],
      );
    },

    /** The resolution's adjustment, in `period` of the dispute's program and dealer. */
    async insertAdjustment(input: {
      programId: number;
      dealerCode: string;
      period: string;
      /** null: not a dispute's (a claim approved after its window was settled) */
      disputeId: number | null;
      /** the claim it pays (a claim approved when no statement could count its sale) */
      claimId?: number;
      amount: string | undefined;
      explanation: string;
      createdBy: string;
    }) {
      await db.query(
        `insert into incentive_adjustments (program_id, dealer_id, period, dispute_id, claim_id, amount, explanation, created_by)
         values ($1, (select id from dealers where code = $2), $3, $4, $5, $6, $7, $8)`,
        [
          input.programId,
          input.dealerCode,
          input.period,
          input.disputeId,
          input.claimId ?? null,
          input.amount,
          input.explanation,
          input.createdBy,
        ],
      );
    },

    /**
     * The dispute's status, its row locked to the end of the transaction: two resolutions of one
     * dispute at once run one after the other, and the second sees the first's outcome (one
     * adjustment, never two).
     */
    async lockDisputeStatus(id: number): Promise<string | undefined> {
      const { rows } = await db.query<{ status: string }>(
        'select status from incentive_disputes where id = $1 for update',
        [id],
      );
      return rows[0]?.status;
    },

    async resolveDispute(id: number, status: 'adjusted' | 'rejected', reason: string, by: string) {
      await db.query(
        `update incentive_disputes set status = $2, resolution = $3, resolved_by = $4, resolved_at = now() where id = $1`,
        [id, status, reason, by],
      );
    },
  };
}
