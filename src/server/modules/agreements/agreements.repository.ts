/**
 * Why this file is over 800 lines: it holds all of the agreements module's SQL (lifecycle, lines,
 * versions, live actuals, roll-ups, planning help). Issue 19 splits it with the service, by concern
 * (lifecycle and versions, progress and roll-ups, amendments); until then one file keeps every
 * query of one table family in one place.
 */
import type { Queryable } from '../../db/db';
import { scopeSql, type Scope } from '../../auth/actor';
import type { AgreementFilter, AgreementStatus } from '../../../shared/schemas/agreements';

export type AgreementRow = {
  id: number;
  code: string;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  regionCode: string;
  startMonth: string;
  months: number;
  frequency: 'monthly' | 'quarterly';
  countedKinds: string[];
  status: AgreementStatus;
  rowVersion: number;
  approvedVersion: number | null;
  statusComment: string | null;
  createdById: number | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  renewedFrom: string | null;
};

export type LineRow = {
  lineNo: number;
  targetKind: 'model_line' | 'sku' | 'product_group';
  targetCode: string;
  targetLabel: string;
  plannedQuantities: number[];
  plannedRevenue: string[] | null;
};

export type StoredLine = LineRow & { skuIds: number[] };

const AGREEMENT_SELECT = `
  select a.id, a.code, a.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName", r.code as "regionCode",
         to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency, a.counted_kinds as "countedKinds",
         a.status, a.row_version as "rowVersion", a.approved_version as "approvedVersion", a.status_comment as "statusComment",
         a.created_by as "createdById", u.name as "createdBy", to_json(a.created_at)#>>'{}' as "createdAt",
         to_json(a.updated_at)#>>'{}' as "updatedAt", p.code as "renewedFrom"
  from agreements a
  join dealers d on d.id = a.dealer_id
  join regions r on r.id = d.region_id
  left join users u on u.id = a.created_by
  left join agreements p on p.id = a.renewed_from_id`;

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
         left join agreement_period_actuals p on p.agreement_id = a.id and p.period_index = g.i
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
         on la.agreement_id = l.agreement_id and la.line_no = l.line_no and la.period_index = g.i
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
function summaryWhere(scope: Scope, filter: AgreementListScope, params: unknown[]): string[] {
  const where = [scopeSql(scope, 'd', params)];
  if (filter.dealer) {
    params.push(filter.dealer);
    where.push(`d.code = $${params.length}`);
  }
  if (filter.region) {
    params.push(filter.region);
    where.push(`starts_with(r.path, (select path from regions where code = $${params.length}))`);
  }
  if (filter.status) {
    params.push(filter.status);
    where.push(`a.status = $${params.length}`);
  } else if (filter.statuses) {
    params.push(filter.statuses);
    where.push(`a.status = any($${params.length}::text[])`);
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

export function createAgreementsRepository(db: Queryable) {
  return {
    async resolveTarget(
      kind: string,
      code: string,
    ): Promise<{ label: string; skuIds: number[] } | null> {
      if (kind === 'model_line') {
        const { rows } = await db.query<{ label: string; ids: number[] }>(
          `select m.name as label, coalesce(array_agg(s.id order by s.id) filter (where s.id is not null), '{}') as ids
           from model_lines m left join skus s on s.model_line_id = m.id where m.code = $1 group by m.id`,
          [code],
        );
        return rows[0] ? { label: rows[0].label, skuIds: rows[0].ids } : null;
      }
      if (kind === 'sku') {
        const { rows } = await db.query<{ label: string; id: number }>(
          'select name as label, id from skus where code = $1',
          [code],
        );
        return rows[0] ? { label: rows[0].label, skuIds: [rows[0].id] } : null;
      }
      const { rows } = await db.query<{ label: string; ids: number[] }>(
        `select g.name as label, coalesce((
           select array_agg(s.id order by s.id) from skus s join model_lines m on m.id = s.model_line_id
           where (jsonb_array_length(g.filter->'powertrains') = 0 or g.filter->'powertrains' ? s.powertrain)
             and (jsonb_array_length(g.filter->'segments') = 0 or g.filter->'segments' ? s.segment)
             and (jsonb_array_length(g.filter->'modelLines') = 0 or g.filter->'modelLines' ? m.code)
             and (jsonb_array_length(g.filter->'skus') = 0 or g.filter->'skus' ? s.code)), '{}') as ids
         from product_groups g where g.code = $1`,
        [code],
      );
      return rows[0] ? { label: rows[0].label, skuIds: rows[0].ids } : null;
    },

    async insertAgreement(input: {
      dealerId: number;
      startMonth: string;
      months: number;
      frequency: string;
      countedKinds: string[];
      createdBy: number | null;
      renewedFromId: number | null;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into agreements (code, dealer_id, start_month, months, frequency, counted_kinds, created_by, renewed_from_id)
         values ('pending-' || gen_random_uuid(), $1, $2::date, $3, $4, $5, $6, $7) returning id`,
        [
          input.dealerId,
          `${input.startMonth}-01`,
          input.months,
          input.frequency,
          input.countedKinds,
          input.createdBy,
          input.renewedFromId,
        ],
      );
      const id = rows[0]!.id;
      await db.query(`update agreements set code = 'AG-' || lpad(id::text, 6, '0') where id = $1`, [
        id,
      ]);
      return id;
    },

    async updateTerms(
      id: number,
      input: { startMonth: string; months: number; frequency: string; countedKinds: string[] },
    ) {
      await db.query(
        `update agreements set start_month = $2::date, months = $3, frequency = $4, counted_kinds = $5 where id = $1`,
        [id, `${input.startMonth}-01`, input.months, input.frequency, input.countedKinds],
      );
    },

    async replaceLines(id: number, lines: StoredLine[], periodCount: number) {
      await db.query('delete from agreement_line_skus where agreement_id = $1', [id]);
      await db.query('delete from agreement_lines where agreement_id = $1', [id]);
      for (const l of lines) {
        await db.query(
          `insert into agreement_lines (agreement_id, line_no, target_kind, target_code, target_label, planned_quantities, planned_revenue)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [
            id,
            l.lineNo,
            l.targetKind,
            l.targetCode,
            l.targetLabel,
            l.plannedQuantities,
            l.plannedRevenue,
          ],
        );
        await db.query(
          `insert into agreement_line_skus (agreement_id, line_no, sku_id) select $1, $2, unnest($3::int[]) on conflict do nothing`,
          [id, l.lineNo, l.skuIds],
        );
      }
      const planned = Array.from({ length: periodCount }, (_, i) =>
        lines.reduce((sum, l) => sum + (l.plannedQuantities[i] ?? 0), 0),
      );
      await db.query('update agreements set planned_by_period = $2 where id = $1', [id, planned]);
      await refreshSummaries(db, [id]);
    },

    async getAgreement(scope: Scope, id: number): Promise<AgreementRow | null> {
      const params: unknown[] = [id];
      const visible = scopeSql(scope, 'd', params);
      const { rows } = await db.query<AgreementRow>(
        `${AGREEMENT_SELECT} where a.id = $1 and ${visible}`,
        params,
      );
      return rows[0] ?? null;
    },

    async lockAgreement(id: number) {
      await db.query('select id from agreements where id = $1 for update', [id]);
    },

    async findLines(id: number): Promise<LineRow[]> {
      const { rows } = await db.query<LineRow>(
        `select line_no as "lineNo", target_kind as "targetKind", target_code as "targetCode", target_label as "targetLabel",
                planned_quantities as "plannedQuantities", planned_revenue::text[] as "plannedRevenue"
         from agreement_lines where agreement_id = $1 order by line_no`,
        [id],
      );
      return rows;
    },

    async setStatus(
      id: number,
      input: {
        status: AgreementStatus;
        comment?: string | null;
        acceptedBy?: number | null;
        approvedBy?: number | null;
        approvedVersion?: number | null;
      },
    ) {
      await db.query(
        `update agreements set status = $2, status_comment = $3,
                accepted_by = coalesce($4, accepted_by), approved_by = coalesce($5, approved_by),
                approved_version = coalesce($6, approved_version),
                row_version = row_version + 1, updated_at = now()
         where id = $1`,
        [
          id,
          input.status,
          input.comment ?? null,
          input.acceptedBy ?? null,
          input.approvedBy ?? null,
          input.approvedVersion ?? null,
        ],
      );
    },

    async bumpVersion(id: number) {
      await db.query(
        'update agreements set row_version = row_version + 1, updated_at = now() where id = $1',
        [id],
      );
    },

    async insertEvent(input: {
      agreementId: number;
      action: string;
      fromStatus: string | null;
      toStatus: string | null;
      comment: string | null;
      actor: string;
    }) {
      await db.query(
        `insert into agreement_events (agreement_id, action, from_status, to_status, comment, actor) values ($1, $2, $3, $4, $5, $6)`,
        [
          input.agreementId,
          input.action,
          input.fromStatus,
          input.toStatus,
          input.comment,
          input.actor,
        ],
      );
    },

    async findEvents(id: number) {
      const { rows } = await db.query<{
        action: string;
        fromStatus: string | null;
        toStatus: string | null;
        comment: string | null;
        actor: string;
        at: string;
      }>(
        `select action, from_status as "fromStatus", to_status as "toStatus", comment, actor, to_json(created_at)#>>'{}' as at
         from agreement_events where agreement_id = $1 order by id`,
        [id],
      );
      return rows;
    },

    async insertVersion(input: {
      agreementId: number;
      versionNo: number;
      /** 'YYYY-MM': the month from which this version is in force */
      effectiveMonth: string;
      terms: unknown;
      canonical: string;
      sha256: string;
      approvedBy: number | null;
    }) {
      await db.query(
        `insert into agreement_versions (agreement_id, version_no, terms, canonical, sha256, approved_by, effective_month)
         values ($1, $2, $3, $4, $5, $6, ($7 || '-01')::date)`,
        [
          input.agreementId,
          input.versionNo,
          JSON.stringify(input.terms),
          input.canonical,
          input.sha256,
          input.approvedBy,
          input.effectiveMonth,
        ],
      );
    },

    async findVersions(id: number) {
      const { rows } = await db.query<{
        versionNo: number;
        sha256: string;
        approvedBy: string | null;
        createdAt: string;
        terms: unknown;
      }>(
        `select v.version_no as "versionNo", v.sha256, u.name as "approvedBy", to_json(v.created_at)#>>'{}' as "createdAt", v.terms
         from agreement_versions v left join users u on u.id = v.approved_by where v.agreement_id = $1 order by v.version_no`,
        [id],
      );
      return rows;
    },

    async findVersionTermsByEntity(agreementCode: string, versionNo: number) {
      const { rows } = await db.query<{ terms: unknown }>(
        `select v.terms from agreement_versions v join agreements a on a.id = v.agreement_id where a.code = $1 and v.version_no = $2`,
        [agreementCode, versionNo],
      );
      return rows[0]?.terms;
    },

    async findOpenRevision(id: number) {
      const { rows } = await db.query<{
        id: number;
        status: string;
        terms: unknown;
        comment: string | null;
        createdById: number | null;
        createdAt: string;
      }>(
        `select id, status, terms, comment, created_by as "createdById", to_json(created_at)#>>'{}' as "createdAt"
         from agreement_revisions where agreement_id = $1 and status in ('proposed', 'accepted')`,
        [id],
      );
      return rows[0] ?? null;
    },

    async insertRevision(input: {
      agreementId: number;
      terms: unknown;
      comment: string | null;
      createdBy: number | null;
    }) {
      const { rows } = await db.query<{ id: number }>(
        `insert into agreement_revisions (agreement_id, terms, comment, created_by) values ($1, $2, $3, $4) returning id`,
        [input.agreementId, JSON.stringify(input.terms), input.comment, input.createdBy],
      );
      return rows[0]!.id;
    },

    async setRevisionStatus(
      id: number,
      input: {
        status: string;
        acceptedBy?: number | null;
        decidedBy?: number | null;
        comment?: string | null;
      },
    ) {
      await db.query(
        `update agreement_revisions set status = $2, accepted_by = coalesce($3, accepted_by), decided_by = coalesce($4, decided_by),
                decision_comment = coalesce($5, decision_comment), decided_at = case when $2 in ('approved', 'rejected') then now() else decided_at end
         where id = $1`,
        [
          id,
          input.status,
          input.acceptedBy ?? null,
          input.decidedBy ?? null,
          input.comment ?? null,
        ],
      );
    },

    /**
     * Other agreements of the dealer in one of `statuses` whose term overlaps and that count one of
     * these SKUs: one row per agreement and SKU, with the months both terms cover.
     */
    async findOverlaps(input: {
      agreementId: number;
      dealerId: number;
      startMonth: string;
      months: number;
      skuIds: number[];
      statuses?: readonly string[];
    }) {
      const { rows } = await db.query<{
        agreementId: number;
        code: string;
        status: string;
        sku: string;
        startMonth: string;
        endMonth: string;
        fromMonth: string;
        toMonth: string;
      }>(
        `select a.id as "agreementId", a.code, a.status, s.code as sku,
                to_char(a.start_month, 'YYYY-MM') as "startMonth",
                to_char((a.start_month + make_interval(months => a.months - 1))::date, 'YYYY-MM') as "endMonth",
                to_char(greatest(a.start_month, $3::date), 'YYYY-MM') as "fromMonth",
                to_char(least((a.start_month + make_interval(months => a.months - 1))::date,
                              ($3::date + make_interval(months => $4 - 1))::date), 'YYYY-MM') as "toMonth"
         from agreements a
         join agreement_line_skus ls on ls.agreement_id = a.id
         join skus s on s.id = ls.sku_id
         where a.dealer_id = $2 and a.id <> $1 and a.status = any($6::text[])
           and ls.sku_id = any($5::int[])
           and a.start_month < ($3::date + make_interval(months => $4))
           and $3::date < (a.start_month + make_interval(months => a.months))
         group by a.id, a.code, a.status, s.code, a.start_month, a.months order by a.code, s.code limit 50`,
        [
          input.agreementId,
          input.dealerId,
          `${input.startMonth}-01`,
          input.months,
          input.skuIds,
          input.statuses ?? ['approved', 'active'],
        ],
      );
      return rows;
    },

    /** Active users whose role may approve agreements, except the author (four eyes). */
    async findApprovers(input: { roles: readonly string[]; excludeUserId: number | null }) {
      const { rows } = await db.query<{ name: string }>(
        `select name from users where is_active and role = any($1::text[])
           and ($2::int is null or id <> $2) order by name limit 10`,
        [input.roles, input.excludeUserId],
      );
      return rows.map((r) => r.name);
    },

    /** Recomputes one agreement's live actuals from the monthly roll-up. */
    async rebuildActuals(id: number) {
      await db.query('delete from agreement_line_actuals where agreement_id = $1', [id]);
      await db.query('delete from agreement_period_actuals where agreement_id = $1', [id]);
      await db.query(
        `insert into agreement_line_actuals (agreement_id, line_no, period_index, quantity, revenue)
         select a.id, ls.line_no, ${PERIOD_OF('m.month')}, sum(m.quantity)::int, sum(m.amount)
         from agreements a
         join agreement_line_skus ls on ls.agreement_id = a.id
         join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = ls.sku_id and m.kind = any(a.counted_kinds) and ${IN_TERM('m.month')}
         where a.id = $1
         group by 1, 2, 3`,
        [id],
      );
      await db.query(
        `insert into agreement_period_actuals (agreement_id, period_index, quantity, revenue)
         select agreement_id, period_index, sum(quantity)::int, sum(revenue) from agreement_line_actuals where agreement_id = $1 group by 1, 2`,
        [id],
      );
      await refreshSummaries(db, [id]);
    },

    /** The after-ingest hook: adds the batch's delta (temp table ingest_delta) to live agreements. */
    async applyIngestDelta() {
      await db.query(
        `create temp table agreement_delta on commit drop as
         select a.id as agreement_id, ls.line_no, ${PERIOD_OF('d.month')} as period_index, sum(d.quantity)::int as quantity, sum(d.amount) as revenue
         from ingest_delta d
         join agreement_line_skus ls on ls.sku_id = d.sku_id
         join agreements a on a.id = ls.agreement_id and a.dealer_id = d.dealer_id
         where a.status in ${LIVE_STATUSES} and d.kind = any(a.counted_kinds) and ${IN_TERM('d.month')}
         group by 1, 2, 3`,
      );
      await db.query(
        `insert into agreement_line_actuals (agreement_id, line_no, period_index, quantity, revenue)
         select agreement_id, line_no, period_index, quantity, revenue from agreement_delta order by 1, 2, 3
         on conflict (agreement_id, line_no, period_index) do update
           set quantity = agreement_line_actuals.quantity + excluded.quantity, revenue = agreement_line_actuals.revenue + excluded.revenue`,
      );
      await db.query(
        `insert into agreement_period_actuals (agreement_id, period_index, quantity, revenue)
         select agreement_id, period_index, sum(quantity)::int, sum(revenue) from agreement_delta group by 1, 2 order by 1, 2
         on conflict (agreement_id, period_index) do update
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
          `insert into agreement_expectations (agreement_id, line_no, period_index, expected_quantity, comment, updated_by)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (agreement_id, line_no, period_index) do update
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
    async findSummaryInputs(scope: Scope, filter: AgreementListScope) {
      const params: unknown[] = [];
      const where = summaryWhere(scope, filter, params);
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
    async findProductRollupInputs(scope: Scope, filter: AgreementListScope) {
      const longest = await db.query<{ n: number }>(
        'select coalesce(max(cardinality(planned_quantities)), 0)::int as n from agreement_lines',
      );
      const n = longest.rows[0]!.n;
      if (n === 0) return [];
      const params: unknown[] = [];
      const where = summaryWhere(scope, filter, params);
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
         join agreement_lines l on l.agreement_id = a.id
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

    async insertNotification(input: {
      audience: 'oem' | 'dealer';
      dealerId: number | null;
      kind: string;
      message: string;
      link: string;
      entityId: string;
    }) {
      await db.query(
        'update notifications set done_at = now() where entity_id = $1 and done_at is null',
        [input.entityId],
      );
      await db.query(
        `insert into notifications (audience, dealer_id, kind, message, link, entity_id) values ($1, $2, $3, $4, $5, $6)`,
        [input.audience, input.dealerId, input.kind, input.message, input.link, input.entityId],
      );
    },

    async closeNotifications(entityId: string) {
      await db.query(
        'update notifications set done_at = now() where entity_id = $1 and done_at is null',
        [entityId],
      );
    },

    async findNotifications(scope: Scope, audience: 'oem' | 'dealer') {
      const params: unknown[] = [audience];
      let where = 'n.audience = $1 and n.done_at is null';
      if (scope.kind !== 'network') {
        where += ` and exists (select 1 from dealers d where d.id = n.dealer_id and ${scopeSql(scope, 'd', params)})`;
      }
      const { rows } = await db.query<{
        id: number;
        kind: string;
        message: string;
        link: string;
        createdAt: string;
      }>(
        `select n.id, n.kind, n.message, n.link, to_json(n.created_at)#>>'{}' as "createdAt" from notifications n where ${where} order by n.id desc limit 50`,
        params,
      );
      return rows;
    },

    /** approved → active once the start month has come; active/approved → expired after the end. */
    async advanceLifecycle(currentMonth: string) {
      const { rows } = await db.query<{ id: number; status: string; next: string }>(
        `update agreements a set status = x.next, row_version = a.row_version + 1, updated_at = now()
         from (select id, status, case when (start_month + make_interval(months => months))::date <= $1::date then 'expired' else 'active' end as next
               from agreements where status in ('approved', 'active') and start_month <= $1::date) x
         where a.id = x.id and a.status <> x.next
         returning a.id, x.status, x.next`,
        [`${currentMonth}-01`],
      );
      return rows;
    },

    async findProductGroups() {
      const { rows } = await db.query<{
        code: string;
        name: string;
        filter: { powertrains: string[]; segments: string[]; modelLines: string[]; skus: string[] };
      }>('select code, name, filter from product_groups order by code');
      return rows;
    },

    async insertProductGroup(input: { code: string; name: string; filter: unknown }) {
      await db.query('insert into product_groups (code, name, filter) values ($1, $2, $3)', [
        input.code,
        input.name,
        JSON.stringify(input.filter),
      ]);
    },
  };
}

export type AgreementsRepository = ReturnType<typeof createAgreementsRepository>;
