/**
 * The SQL of the attention inbox: read-only questions on the existing tables, each filtered by
 * the reader's scope (scopeSql / scopeDealerIdSql). Nothing here writes.
 */
import { scopeDealerIdSql, scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { ProgramDefinition } from '../../../shared/schemas/program';

export type AgreementWaitingRow = {
  id: number;
  code: string;
  dealerCode: string;
  dealerName: string;
  startMonth: string;
  endMonth: string;
  since: string;
};
export type DisputeRow = {
  id: number;
  programCode: string;
  dealerCode: string;
  period: string;
  status: 'open' | 'adjusted' | 'rejected';
  createdOn: string;
  answeredOn: string | null;
};
export type ClaimGroupRow = {
  programCode: string;
  dealerCode: string;
  status: 'approved' | 'rejected';
  n: number;
  lastOn: string;
};
export type StatementGroupRow = {
  programCode: string;
  period: string;
  currency: string;
  n: number;
  amountDue: string;
};
export type ProgramRow = { id: number; code: string; definition: ProgramDefinition };

const DAY_TEXT = (col: string) => `to_char(${col}, 'YYYY-MM-DD')`;

export function createInboxRepository(db: Queryable) {
  /** Agreements (or their open amendment) in a status, for the dealers in scope. */
  async function agreementsWaiting(
    scope: Scope,
    what: 'agreement' | 'amendment',
    status: 'proposed' | 'accepted',
    notCreatedBy: number | null,
  ): Promise<AgreementWaitingRow[]> {
    const params: unknown[] = [status, notCreatedBy];
    const src =
      what === 'agreement'
        ? `select a.id, a.created_by, a.updated_at as since, a.dealer_id, a.code, a.start_month, a.months
             from agreements a where a.status = $1`
        : `select a.id, r.created_by, coalesce(r.decided_at, r.created_at) as since, a.dealer_id, a.code, a.start_month, a.months
             from agreement_revisions r join agreements a on a.id = r.agreement_id and a.dealer_id = r.dealer_id where r.status = $1`;
    const { rows } = await db.query<AgreementWaitingRow>(
      `select x.id, x.code, d.code as "dealerCode", d.name as "dealerName",
              to_char(x.start_month, 'YYYY-MM') as "startMonth",
              to_char(x.start_month + make_interval(months => x.months - 1), 'YYYY-MM') as "endMonth",
              ${DAY_TEXT('x.since')} as since
       from (${src}) x join dealers d on d.id = x.dealer_id
       where ($2::int is null or x.created_by is distinct from $2::int) and ${scopeSql(scope, 'd', params)}
       order by x.since, x.id limit 200`,
      params,
    );
    return rows;
  }

  return {
    agreementsWaiting,

    /** Forecast cycles open for dealer adjustments until a date, with the dealers in scope that have cells. */
    async openForecastWindows(scope: Scope, today: string) {
      const params: unknown[] = [today];
      const { rows } = await db.query<{
        cycleId: number;
        cycleMonth: string;
        adjustUntil: string;
        dealerCode: string;
        dealerName: string;
        adjusted: number;
      }>(
        `select c.id as "cycleId", to_char(c.cycle_month, 'YYYY-MM') as "cycleMonth",
                ${DAY_TEXT('c.adjust_until')} as "adjustUntil", d.code as "dealerCode", d.name as "dealerName",
                (select count(*)::int from forecast_cells f
                  where f.cycle_id = c.id and f.dealer_id = d.id and f.adjusted is not null) as adjusted
         from forecast_cycles c
         cross join dealers d
         where c.status = 'adjusting' and c.adjust_until >= $1::date and ${scopeSql(scope, 'd', params)}
           and exists (select 1 from forecast_cells f where f.cycle_id = c.id and f.dealer_id = d.id)
         order by c.adjust_until, d.code`,
        params,
      );
      return rows;
    },

    /** Dealer adjustments waiting for review, per cycle, in scope. */
    async pendingForecastReviews(scope: Scope) {
      const params: unknown[] = [];
      const { rows } = await db.query<{
        cycleId: number;
        cycleMonth: string;
        status: string;
        adjustUntil: string;
        cells: number;
        dealers: number;
      }>(
        `select c.id as "cycleId", to_char(c.cycle_month, 'YYYY-MM') as "cycleMonth", c.status,
                ${DAY_TEXT('c.adjust_until')} as "adjustUntil",
                count(*)::int as cells, count(distinct f.dealer_id)::int as dealers
         from forecast_cells f join forecast_cycles c on c.id = f.cycle_id
         where c.status in ('adjusting', 'review') and f.adjusted is not null
           and f.review_status = 'pending' and ${scopeDealerIdSql(scope, 'f.dealer_id', params)}
         group by c.id order by c.cycle_month`,
        params,
      );
      return rows;
    },

    /**
     * Disputes of the dealers in scope. `answered`: open with the OEM's message last, or decided
     * since `since`; `ageing`: open and raised before `since`.
     */
    async disputes(scope: Scope, which: 'answered' | 'ageing', since: string) {
      const params: unknown[] = [since];
      const cond =
        which === 'answered'
          ? `((ds.status = 'open' and lm.side = 'oem') or (ds.status <> 'open' and ds.resolved_at >= $1::date))`
          : `ds.status = 'open' and ds.created_at < $1::date`;
      const { rows } = await db.query<DisputeRow>(
        `select ds.id::int as id, p.code as "programCode", d.code as "dealerCode", ds.period, ds.status,
                ${DAY_TEXT('ds.created_at')} as "createdOn",
                case when ds.status <> 'open' then ${DAY_TEXT('ds.resolved_at')}
                     when lm.side = 'oem' then ${DAY_TEXT('lm.created_at')} end as "answeredOn"
         from incentive_disputes ds
         join dealers d on d.id = ds.dealer_id
         join programs p on p.id = ds.program_id
         left join lateral (select m.side, m.created_at from incentive_dispute_messages m
                            where m.dispute_id = ds.id and m.dealer_id = ds.dealer_id order by m.id desc limit 1) lm on true
         where ${cond} and ${scopeSql(scope, 'd', params)}
         order by ds.created_at, ds.id limit 200`,
        params,
      );
      return rows;
    },

    /** Claims decided since a day, per dealer, program and decision. */
    async decidedClaims(scope: Scope, since: string): Promise<ClaimGroupRow[]> {
      const params: unknown[] = [since];
      const { rows } = await db.query<ClaimGroupRow>(
        `select p.code as "programCode", d.code as "dealerCode", c.status, count(*)::int as n,
                max(${DAY_TEXT('c.decided_at')}) as "lastOn"
         from incentive_claims c join dealers d on d.id = c.dealer_id join programs p on p.id = c.program_id
         where c.status in ('approved', 'rejected') and c.decided_at >= $1::date
           and ${scopeSql(scope, 'd', params)}
         group by 1, 2, 3 order by 2, 1, 3`,
        params,
      );
      return rows;
    },

    /** Stored statements in a status, per program, period and currency, in scope. */
    async statementGroups(
      scope: Scope,
      status: 'closed' | 'approved',
      notInBatch: boolean,
    ): Promise<StatementGroupRow[]> {
      const params: unknown[] = [status];
      const { rows } = await db.query<StatementGroupRow>(
        `select p.code as "programCode", s.period, trim(s.currency) as currency, count(*)::int as n,
                sum(s.amount_due)::text as "amountDue"
         from incentive_statements s join dealers d on d.id = s.dealer_id join programs p on p.id = s.program_id
         where s.status = $1 ${notInBatch ? 'and not exists (select 1 from payout_items i where i.statement_id = s.id)' : ''}
           and ${scopeSql(scope, 'd', params)}
         group by 1, 2, 3 order by 2, 1, 3`,
        params,
      );
      return rows;
    },

    /** Payout batches exported and not yet marked paid, with a payment in scope. */
    async unpaidBatches(scope: Scope) {
      const params: unknown[] = [];
      const { rows } = await db.query<{ code: string; createdOn: string; payments: number }>(
        `select b.code, ${DAY_TEXT('b.created_at')} as "createdOn", count(*)::int as payments
         from payout_batches b join payout_items i on i.batch_id = b.id join dealers d on d.id = i.dealer_id
         where b.status = 'exported' and ${scopeSql(scope, 'd', params)}
         group by b.id order by b.created_at, b.id`,
        params,
      );
      return rows;
    },

    /** Published programs with their latest published definition. */
    async publishedPrograms(): Promise<ProgramRow[]> {
      const { rows } = await db.query<ProgramRow>(
        `select p.id, p.code, v.definition from programs p
         join lateral (select definition from program_versions
                       where program_id = p.id and status = 'published'
                       order by version_no desc limit 1) v on true
         where p.status = 'published' order by p.code`,
      );
      return rows;
    },

    async closedPeriods(): Promise<{ programId: number; period: string }[]> {
      const { rows } = await db.query<{ programId: number; period: string }>(
        'select program_id as "programId", period from program_periods',
      );
      return rows;
    },

    async fiscalStart(): Promise<number> {
      const { rows } = await db.query<{ m: number }>(
        'select fiscal_year_start_month as m from settings',
      );
      return rows[0]?.m ?? 1;
    },
  };
}
