/**
 * Disputes (issue 19): a dealer's dispute of a statement, line or claim, the messages both sides
 * write, and the OEM's resolution (an adjustment in the disputed period while it is open).
 */
import { AppError, notFound } from '../../../shared/errors';
import { checkMinorUnit, formatMinor } from '../../../shared/money';
import { hasPermission } from '../../../shared/permissions';
import type { DisputeView } from '../../../shared/schemas/incentives';
import { scopeSql, type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { parentDealer } from '../../db/parent-dealer';
import { resolvePeriod } from './calc';
import { createSettlementWritesRepository } from './settlement-writes.repository';
import {
  type IncentivesContext,
  actorLabel,
  invalid,
  requireOem,
  need,
  latest,
} from './incentives-context';

const DISPUTE_DEALER = parentDealer('incentive_disputes', '$1');

export function createDisputesService({ shared }: { shared: IncentivesContext }) {
  const { deps, visibility, context, loadProgram, defaultPeriod, dealerInScope } = shared;
  const repoOf = (db: Queryable = deps.db) => createSettlementWritesRepository(db);

  async function getDispute(
    id: number,
    actor: Actor,
    db: Queryable = deps.db,
  ): Promise<DisputeView> {
    const params: unknown[] = [id];
    const scope = scopeSql(actor.scope, 'd', params);
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
       where x.id = $1 and ${scope}`,
      [...params, deps.today()],
    );
    const row = rows[0];
    if (!row) throw notFound('Dispute', String(id));
    const messages = await db.query<DisputeView['messages'][number]>(
      `select id::int as id, side, author, body, attachment_name as "attachmentName", to_json(created_at)#>>'{}' as "createdAt"
       from incentive_dispute_messages where dispute_id = $1 order by id`,
      [id],
    );
    return {
      ...row,
      adjustment: formatMinor(row.adjustment, row.currency),
      transaction: row.transaction && {
        ...row.transaction,
        amount: formatMinor(row.transaction.amount, row.transaction.currency),
      },
      messages: messages.rows,
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
        const { rows } = await deps.db.query(
          'select 1 from transactions where id = $1 and dealer_id = $2',
          [data.transactionId, d.id],
        );
        if (rows.length === 0)
          throw invalid([
            {
              path: 'body.transactionId',
              code: 'unknown_line',
              message: 'no such transaction of the dealer',
            },
          ]);
      }
      if (data.claimId) {
        const { rows } = await deps.db.query(
          'select 1 from incentive_claims where id = $1 and dealer_id = $2',
          [data.claimId, d.id],
        );
        if (rows.length === 0)
          throw invalid([
            { path: 'body.claimId', code: 'unknown_claim', message: 'no such claim of the dealer' },
          ]);
      }
      const id = await deps.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: number }>(
          `insert into incentive_disputes (program_id, dealer_id, period, transaction_id, claim_id, created_by)
           values ($1, $2, $3, $4, $5, $6) returning id::int as id`,
          [
            p.row.id,
            d.id,
            data.period,
            data.transactionId ?? null,
            data.claimId ?? null,
            actorLabel(actor),
          ],
        );
        const disputeId = rows[0]!.id;
        await tx.query(
          `insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body, attachment_name) values ($1, ${DISPUTE_DEALER}, $2, $3, $4, $5)`,
          [
            disputeId,
            actor.scope.kind === 'dealers' ? 'dealer' : 'oem',
            actorLabel(actor),
            data.comment,
            data.attachmentName ?? null,
          ],
        );
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
      await deps.db.query(
        `insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body, attachment_name) values ($1, ${DISPUTE_DEALER}, $2, $3, $4, $5)`,
        [
          id,
          actor.scope.kind === 'dealers' ? 'dealer' : 'oem',
          actorLabel(actor),
          data.body,
          data.attachmentName ?? null,
        ],
      );
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
        if (data.outcome === 'adjust') {
          // The adjustment goes into the disputed period while it is open, else the current one.
          const repo = repoOf(tx);
          const closed = await repo.isPeriodClosed(p.row.id, dispute.period);
          const period = closed ? defaultPeriod(p, ctx) : dispute.period;
          await tx.query(
            `insert into incentive_adjustments (program_id, dealer_id, period, dispute_id, amount, explanation, created_by)
             values ($1, (select id from dealers where code = $2), $3, $4, $5, $6, $7)`,
            [
              p.row.id,
              dispute.dealerCode,
              period,
              id,
              data.amount,
              `dispute ${id}: ${data.reason}`,
              actorLabel(actor),
            ],
          );
        }
        await tx.query(
          `update incentive_disputes set status = $2, resolution = $3, resolved_by = $4, resolved_at = now() where id = $1`,
          [id, data.outcome === 'adjust' ? 'adjusted' : 'rejected', data.reason, actorLabel(actor)],
        );
        await tx.query(
          `insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body) values ($1, ${DISPUTE_DEALER}, 'oem', $2, $3)`,
          [
            id,
            actorLabel(actor),
            `${data.outcome === 'adjust' ? `Adjusted by ${formatMinor(data.amount!, dispute.currency)}` : 'Rejected'}: ${data.reason}`,
          ],
        );
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
      const params: unknown[] = [status ?? null];
      const { rows } = await deps.db.query<{ id: number }>(
        `select x.id::int as id from incentive_disputes x join dealers d on d.id = x.dealer_id
         where ($1::text is null or x.status = $1) and ${scopeSql(actor.scope, 'd', params)} order by x.created_at, x.id`,
        params,
      );
      const out: DisputeView[] = [];
      for (const r of rows) out.push(await getDispute(r.id, actor));
      return out;
    },
  };
}

export type DisputesService = ReturnType<typeof createDisputesService>;
