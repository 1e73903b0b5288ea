/**
 * The SQL of agreements' live figures (issue 19): actuals rebuilt from the monthly roll-up and
 * moved by every ingest, the summaries the network table reads, expectations, the list and
 * roll-up inputs, seasonality and planning help. Lifecycle and versions: agreements.repository.ts.
 */
import type { Queryable } from '../../db/db';
import { scopeSql, type Scope } from '../../auth/actor';
import { parentDealer } from '../../db/parent-dealer';
import type { AgreementFilter, AgreementStatus } from '../../../shared/schemas/agreements';
import { shownStatusSql, storedStatusesFor } from './agreement-status';

/** Month index in SQL: year × 12 + month − 1. */
const MONTH_INDEX = (expr: string) =>
  `(extract(year from ${expr})::int * 12 + extract(month from ${expr})::int - 1)`;
const PERIOD_OF = (monthExpr: string) =>
  `((${MONTH_INDEX(monthExpr)} - ${MONTH_INDEX('a.start_month')}) / case when a.frequency = 'quarterly' then 3 else 1 end)`;
const IN_TERM = (monthExpr: string) =>
  `${monthExpr} >= a.start_month and ${monthExpr} < (a.start_month + make_interval(months => a.months))::date`;

export const LIVE_STATUSES = `('draft', 'proposed', 'accepted', 'approved', 'active', 'expired')`;

/**
 * Recomputes the summary the network table reads from each agreement row: its line count and its
 * actual quantity per period (dense, from agreement_period_actuals). Rows are locked in id order
 * so concurrent ingests touching the same agreements cannot deadlock.
 */
export async function refreshSummaries(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await refreshAgreementSummaries(db, ids);
  await refreshLineSummaries(db, 'l.agreement_id = any($1::int[])', [ids]);
}

async function refreshAgreementSummaries(db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('select id from agreements where id = any($1::int[]) order by id for update', [
    ids,
  ]);
  await db.query(
    `update agreements a set
       line_count = (select count(*)::int from agreement_lines l where l.agreement_id = a.id),
       actual_by_period = array(
         select coalesce(p.quantity, 0)
         from generate_series(0, coalesce(array_length(a.planned_by_period, 1), 0) - 1) g(i)
         left join agreement_period_actuals p on p.agreement_id = a.id and p.dealer_id = a.dealer_id and p.period_index = g.i
         order by g.i)
     where a.id = any($1::int[])`,
    [ids],
  );
}

/** Recomputes each matching line's actual quantity per period (dense, index = period index). */
async function refreshLineSummaries(db: Queryable, where: string, params: unknown[]) {
  await db.query(
    `update agreement_lines l set actual_quantities = array(
       select coalesce(la.quantity, 0)
       from generate_series(0, cardinality(l.planned_quantities) - 1) g(i)
       left join agreement_line_actuals la
         on la.agreement_id = l.agreement_id and la.dealer_id = l.dealer_id and la.line_no = l.line_no and la.period_index = g.i
       order by g.i)
     where ${where}`,
    params,
  );
}

/** What narrows the agreements list and its roll-ups (paging and sorting aside). */
export type AgreementListScope = Pick<
  AgreementFilter,
  'dealer' | 'region' | 'status' | 'period' | 'q'
> & {
  /** When no single status is asked for: only these. */
  statuses?: readonly AgreementStatus[];
};

/** The WHERE conditions (over a = agreements, d = dealers, r = regions) of a list or roll-up. */
function summaryWhere(
  scope: Scope,
  filter: AgreementListScope,
  params: unknown[],
  currentMonth: string,
): string[] {
  const where = [scopeSql(scope, 'd', params)];
  if (filter.dealer) where.push(`d.code = $${params.push(filter.dealer)}`);
  if (filter.region)
    where.push(
      `starts_with(r.path, (select path from regions where code = $${params.push(filter.region)}))`,
    );
  // on the status shown (agreement-status.ts), not the stored one: reads never write
  const shown = filter.status ? [filter.status] : filter.statuses;
  if (shown) {
    params.push(storedStatusesFor(shown));
    where.push(`a.status = any($${params.length}::text[])`);
    params.push(shown, `${currentMonth}-01`);
    where.push(
      `${shownStatusSql('a', `$${params.length}::date`)} = any($${params.length - 1}::text[])`,
    );
  }
  if (filter.period) {
    params.push(`${filter.period}-01`);
    where.push(
      `a.start_month <= $${params.length}::date and $${params.length}::date < (a.start_month + make_interval(months => a.months))`,
    );
  }
  if (filter.q) {
    params.push(`%${filter.q}%`);
    where.push(
      `(a.code ilike $${params.length} or d.code ilike $${params.length} or d.name ilike $${params.length})`,
    );
  }
  return where;
}

export function createAgreementActualsRepository(db: Queryable) {
  return {
    /** Recomputes one agreement's live actuals from the monthly roll-up. */
    async rebuildActuals(id: number) {
      await db.query('delete from agreement_line_actuals where agreement_id = $1', [id]);
      await db.query('delete from agreement_period_actuals where agreement_id = $1', [id]);
      await db.query(
        `insert into agreement_line_actuals (agreement_id, dealer_id, line_no, period_index, quantity, revenue)
         select a.id, a.dealer_id, ls.line_no, ${PERIOD_OF('m.month')}, sum(m.quantity)::int, sum(m.amount)
         from agreements a
         join agreement_line_skus ls on ls.agreement_id = a.id and ls.dealer_id = a.dealer_id
         join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = ls.sku_id and m.kind = any(a.counted_kinds) and ${IN_TERM('m.month')}
         where a.id = $1
         group by 1, 2, 3, 4`,
        [id],
      );
      await db.query(
        `insert into agreement_period_actuals (agreement_id, dealer_id, period_index, quantity, revenue)
         select agreement_id, dealer_id, period_index, sum(quantity)::int, sum(revenue) from agreement_line_actuals where agreement_id = $1 group by 1, 2, 3`,
        [id],
      );
      await refreshSummaries(db, [id]);
    },

    /** The after-ingest hook: adds the batch's delta (temp table ingest_delta) to live agreements. */
    async applyIngestDelta() {
      await db.query(
        `create temp table agreement_delta on commit drop as
         select a.id as agreement_id, a.dealer_id, ls.line_no, ${PERIOD_OF('d.month')} as period_index, sum(d.quantity)::int as quantity, sum(d.amount) as revenue
         from ingest_delta d
         join agreement_line_skus ls on ls.sku_id = d.sku_id and ls.dealer_id = d.dealer_id
         join agreements a on a.id = ls.agreement_id and a.dealer_id = d.dealer_id
         where a.status in ${LIVE_STATUSES} and d.kind = any(a.counted_kinds) and ${IN_TERM('d.month')}
         group by 1, 2, 3, 4`,
      );
      await db.query(
        `insert into agreement_line_actuals (agreement_id, dealer_id, line_no, period_index, quantity, revenue)
         select agreement_id, dealer_id, line_no, period_index, quantity, revenue from agreement_delta order by 1, 3, 4
         on conflict (agreement_id, line_no, period_index, dealer_id) do update
           set quantity = agreement_line_actuals.quantity + excluded.quantity, revenue = agreement_line_actuals.revenue + excluded.revenue`,
      );
      await db.query(
        `insert into agreement_period_actuals (agreement_id, dealer_id, period_index, quantity, revenue)
         select agreement_id, dealer_id, period_index, sum(quantity)::int, sum(revenue) from agreement_delta group by 1, 2, 3 order by 1, 3
         on conflict (agreement_id, period_index, dealer_id) do update
           set quantity = agreement_period_actuals.quantity + excluded.quantity, revenue = agreement_period_actuals.revenue + excluded.revenue`,
      );
      const touched = await db.query<{ id: number }>(
        'select distinct agreement_id as id from agreement_delta order by 1',
      );
      await refreshAgreementSummaries(
        db,
        touched.rows.map((r) => r.id),
      );
      await refreshLineSummaries(
        db,
        '(l.agreement_id, l.line_no) in (select distinct agreement_id, line_no from agreement_delta)',
        [],
      );
      await db.query('drop table agreement_delta');
    },

    async findExpectations(id: number) {
      const { rows } = await db.query<{
        lineNo: number;
        periodIndex: number;
        expectedQuantity: number;
      }>(
        `select line_no as "lineNo", period_index as "periodIndex", expected_quantity as "expectedQuantity"
         from agreement_expectations where agreement_id = $1`,
        [id],
      );
      return rows;
    },

    async saveExpectations(
      id: number,
      items: {
        lineNo: number;
        periodIndex: number;
        expectedQuantity: number | null;
        comment: string | null;
      }[],
      actor: string,
    ) {
      for (const item of items) {
        if (item.expectedQuantity === null) {
          await db.query(
            'delete from agreement_expectations where agreement_id = $1 and line_no = $2 and period_index = $3',
            [id, item.lineNo, item.periodIndex],
          );
          continue;
        }
        await db.query(
          `insert into agreement_expectations (agreement_id, dealer_id, line_no, period_index, expected_quantity, comment, updated_by)
           values ($1, ${parentDealer('agreements', '$1')}, $2, $3, $4, $5, $6)
           on conflict (agreement_id, line_no, period_index, dealer_id) do update
             set expected_quantity = excluded.expected_quantity, comment = excluded.comment,
                 updated_by = excluded.updated_by, updated_at = now()`,
          [id, item.lineNo, item.periodIndex, item.expectedQuantity, item.comment, actor],
        );
      }
    },

    async findLineActuals(id: number) {
      const { rows } = await db.query<{
        lineNo: number;
        periodIndex: number;
        quantity: number;
        revenue: string;
      }>(
        `select line_no as "lineNo", period_index as "periodIndex", quantity, revenue::text as revenue
         from agreement_line_actuals where agreement_id = $1`,
        [id],
      );
      return rows;
    },

    /** Planning help: net units per month ('YYYY-MM') of the dealer and SKUs in [fromMonth, toMonth]. */
    async findUnitsByMonth(
      dealerId: number,
      skuIds: number[],
      kinds: string[],
      fromMonth: string,
      toMonth: string,
    ): Promise<Map<string, number>> {
      const { rows } = await db.query<{ month: string; quantity: number }>(
        `select to_char(month, 'YYYY-MM') as month, sum(quantity)::int as quantity
         from monthly_actuals where dealer_id = $1 and sku_id = any($2::int[]) and kind = any($3)
           and month >= $4::date and month <= $5::date
         group by 1`,
        [dealerId, skuIds, kinds, `${fromMonth}-01`, `${toMonth}-01`],
      );
      return new Map(rows.map((r) => [r.month, r.quantity]));
    },

    /**
     * Planning help: the frozen consensus per month of the dealer × model line, from the latest
     * locked or published cycle that has a cell for that month.
     */
    async findConsensusByMonth(
      dealerId: number,
      modelLineCode: string,
      fromMonth: string,
      toMonth: string,
    ): Promise<Map<string, string>> {
      const { rows } = await db.query<{ month: string; consensus: string }>(
        `select distinct on (fc.target_month) to_char(fc.target_month, 'YYYY-MM') as month, fc.consensus::text as consensus
         from forecast_cells fc
         join forecast_cycles c on c.id = fc.cycle_id and c.status in ('locked', 'published')
         join model_lines m on m.id = fc.model_line_id and m.code = $2
         where fc.dealer_id = $1 and fc.consensus is not null
           and fc.target_month >= $3::date and fc.target_month <= $4::date
         order by fc.target_month, c.cycle_month desc`,
        [dealerId, modelLineCode, `${fromMonth}-01`, `${toMonth}-01`],
      );
      return new Map(rows.map((r) => [r.month, r.consensus]));
    },

    /** Units by calendar month over the last 24 months before `beforeMonth` for the dealer and SKUs. */
    async findSeasonality(
      dealerId: number,
      skuIds: number[],
      kinds: string[],
      beforeMonth: string,
    ) {
      const { rows } = await db.query<{ calendarMonth: number; quantity: number }>(
        `select extract(month from month)::int as "calendarMonth", sum(quantity)::int as quantity
         from monthly_actuals where dealer_id = $1 and sku_id = any($2::int[]) and kind = any($3)
           and month >= ($4::date - interval '24 months') and month < $4::date
         group by 1`,
        [dealerId, skuIds, kinds, `${beforeMonth}-01`],
      );
      return new Map(rows.map((r) => [r.calendarMonth, r.quantity]));
    },

    /** What the network table needs for every agreement in scope (figures are computed in the service). */
    /** `currentMonth` (YYYY-MM): the month the shown status is worked out for. */
    async findSummaryInputs(scope: Scope, filter: AgreementListScope, currentMonth: string) {
      const params: unknown[] = [];
      const where = summaryWhere(scope, filter, params, currentMonth);
      const { rows } = await db.query<{
        id: number;
        code: string;
        dealerCode: string;
        dealerName: string;
        regionCode: string;
        regionPath: string;
        status: AgreementStatus;
        startMonth: string;
        months: number;
        frequency: 'monthly' | 'quarterly';
        lineCount: number;
        plannedByPeriod: number[];
        actualByPeriod: number[];
      }>(
        `select a.id, a.code, d.code as "dealerCode", d.name as "dealerName", r.code as "regionCode", r.path as "regionPath", a.status,
                to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
                a.line_count as "lineCount", a.planned_by_period as "plannedByPeriod",
                a.actual_by_period as "actualByPeriod"
         from agreements a join dealers d on d.id = a.dealer_id join regions r on r.id = d.region_id
         where ${where.join(' and ')}`,
        params,
      );
      return rows;
    },

    /**
     * Planned and actual quantity per product × term (arrays by period) over the agreements that
     * match, for the roll-up by model line: a line on a model line or a SKU counts for that model
     * line, a product-group line for its group ('group:' + code). Reads each line's maintained
     * arrays once and sums them by period index in one grouped pass.
     */
    async findProductRollupInputs(scope: Scope, filter: AgreementListScope, currentMonth: string) {
      const longest = await db.query<{ n: number }>(
        'select coalesce(max(cardinality(planned_quantities)), 0)::int as n from agreement_lines',
      );
      const n = longest.rows[0]!.n;
      if (n === 0) return [];
      const params: unknown[] = [];
      const where = summaryWhere(scope, filter, params, currentMonth);
      const sums = (column: string) =>
        `array[${Array.from({ length: n }, (_, i) => `coalesce(sum(l.${column}[${i + 1}]), 0)::int`).join(', ')}]`;
      const { rows } = await db.query<{
        key: string;
        name: string;
        startMonth: string;
        months: number;
        frequency: 'monthly' | 'quarterly';
        agreements: number;
        planned: number[];
        actual: number[];
      }>(
        `select coalesce(ml.code, sml.code, 'group:' || l.target_code) as key,
                min(coalesce(ml.name, sml.name, pg.name, l.target_code)) as name,
                to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
                count(distinct a.id)::int as agreements,
                ${sums('planned_quantities')} as planned, ${sums('actual_quantities')} as actual
         from agreements a join dealers d on d.id = a.dealer_id join regions r on r.id = d.region_id
         join agreement_lines l on l.agreement_id = a.id and l.dealer_id = a.dealer_id
         left join model_lines ml on l.target_kind = 'model_line' and ml.code = l.target_code
         left join skus s on l.target_kind = 'sku' and s.code = l.target_code
         left join model_lines sml on sml.id = s.model_line_id
         left join product_groups pg on l.target_kind = 'product_group' and pg.code = l.target_code
         where ${where.join(' and ')}
         group by 1, a.start_month, a.months, a.frequency`,
        params,
      );
      return rows;
    },
  };
}
