/**
 * SQL of the incentive list reads that sit beside the calculation (payout batch list, a
 * program's settlement periods, the currency of disputes). Kept apart from
 * incentives.repository.ts, which serves the engine. Tenant queries take the actor's scope.
 */
import type { Scope } from '../../auth/actor';
import { scopeSql } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { ProgramDefinition } from '../../../shared/schemas/program';

export type LatestVersionRow = {
  programId: number;
  status: 'draft' | 'published' | 'closed';
  versionNo: number;
  definition: ProgramDefinition;
};

/** A batch's state in words (migration 0020): paid, else exported once its CSV was fetched. */
export const BATCH_STATE_SQL = `case when b.status = 'paid' then 'paid' when b.exported_at is not null then 'exported' else 'built' end`;

export type PayoutBatchRow = {
  code: string;
  status: 'exported' | 'paid';
  glAccount: string;
  createdBy: string;
  createdAt: string;
  approvedAt: string | null;
  paidAt: string | null;
  state: 'built' | 'exported' | 'paid';
  exportedAt: string | null;
  dealerCount: number;
  paymentCount: number;
  /** [{ currency, amount }] summed in SQL (numeric, not yet rounded for display). */
  totals: { currency: string; amount: string }[];
};

export type PeriodStateRow = {
  period: string;
  closedAt: string | null;
  closedBy: string | null;
  closed: number;
  approved: number;
  paid: number;
};

export function createIncentiveListsRepository(db: Queryable) {
  return {
    /** A program with its latest version (the one the program page shows). */
    async findProgramWithLatestVersion(code: string): Promise<LatestVersionRow | undefined> {
      const { rows } = await db.query<LatestVersionRow>(
        `select p.id as "programId", p.status, v.version_no as "versionNo", v.definition
         from programs p
         join lateral (select version_no, definition from program_versions
                       where program_id = p.id order by version_no desc limit 1) v on true
         where p.code = $1`,
        [code],
      );
      return rows[0];
    },

    async findFiscalStart(): Promise<number> {
      const { rows } = await db.query<{ m: number }>(
        'select fiscal_year_start_month as m from settings',
      );
      return rows[0]?.m ?? 1;
    },

    /**
     * Closed periods of a program and the stored statements of the dealers in scope per period
     * and status (a period is closed when program_periods has its row).
     */
    async findPeriodStates(programId: number, scope: Scope): Promise<PeriodStateRow[]> {
      const params: unknown[] = [programId];
      const inScope = scopeSql(scope, 'd', params);
      const { rows } = await db.query<PeriodStateRow>(
        `with counts as (
           select s.period,
                  count(*) filter (where s.status = 'closed')::int as closed,
                  count(*) filter (where s.status = 'approved')::int as approved,
                  count(*) filter (where s.status = 'paid')::int as paid
           from incentive_statements s join dealers d on d.id = s.dealer_id
           where s.program_id = $1 and ${inScope}
           group by s.period
         )
         select coalesce(pp.period, c.period) as period, to_json(pp.closed_at)#>>'{}' as "closedAt",
                pp.closed_by as "closedBy", coalesce(c.closed, 0) as closed,
                coalesce(c.approved, 0) as approved, coalesce(c.paid, 0) as paid
         from (select period, closed_at, closed_by from program_periods where program_id = $1) pp
         full join counts c on c.period = pp.period`,
        params,
      );
      return rows;
    },

    /**
     * Payout batches, newest first, with the dealers, payments and totals per currency of the
     * items in scope (a batch with none in scope is left out).
     */
    async findPayoutBatches(input: {
      scope: Scope;
      status?: 'exported' | 'paid';
      limit: number;
      offset: number;
    }): Promise<{ items: PayoutBatchRow[]; total: number }> {
      const params: unknown[] = [input.status ?? null];
      const inScope = scopeSql(input.scope, 'd', params);
      const scoped = `select i.batch_id, i.dealer_id, i.amount, trim(i.currency) as currency, s.approved_at
         from payout_items i join dealers d on d.id = i.dealer_id
         join incentive_statements s on s.id = i.statement_id
         where ${inScope}`;
      const where = `($1::text is null or b.status = $1) and exists (select 1 from scoped x where x.batch_id = b.id)`;
      const count = await db.query<{ n: number }>(
        `with scoped as (${scoped}) select count(*)::int as n from payout_batches b where ${where}`,
        params,
      );
      const { rows } = await db.query<PayoutBatchRow>(
        `with scoped as (${scoped}),
         page as (
           select b.id, b.code, b.status, b.gl_account, b.created_by, b.created_at, b.paid_at, b.exported_at
           from payout_batches b where ${where}
           order by b.created_at desc, b.id desc
           limit $${params.length + 1} offset $${params.length + 2}
         )
         select b.code, b.status, b.gl_account as "glAccount", b.created_by as "createdBy",
                to_json(b.created_at)#>>'{}' as "createdAt",
                (select to_json(max(x.approved_at))#>>'{}' from scoped x where x.batch_id = b.id) as "approvedAt",
                to_json(b.paid_at)#>>'{}' as "paidAt",
                ${BATCH_STATE_SQL} as state, to_json(b.exported_at)#>>'{}' as "exportedAt",
                (select count(distinct x.dealer_id)::int from scoped x where x.batch_id = b.id) as "dealerCount",
                (select count(*)::int from scoped x where x.batch_id = b.id) as "paymentCount",
                (select coalesce(json_agg(json_build_object('currency', t.currency, 'amount', t.amount::text) order by t.currency), '[]'::json)
                   from (select x.currency, sum(x.amount) as amount from scoped x where x.batch_id = b.id group by x.currency) t) as totals
         from page b
         order by b.created_at desc, b.id desc`,
        [...params, input.limit, input.offset],
      );
      return { items: rows, total: count.rows[0]?.n ?? 0 };
    },
  };
}
