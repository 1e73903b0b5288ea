/**
 * The SQL of the agreement lifecycle (issue 19): agreements, lines, events, versions,
 * amendments, overlaps, approvers, notifications and product groups; with the live figures'
 * SQL (agreement-actuals.repository.ts) in the one repository object the services take.
 */
import type { Queryable } from '../../db/db';
import { scopeSql, type Scope } from '../../auth/actor';
import { parentDealer } from '../../db/parent-dealer';
import type { AgreementStatus } from '../../../shared/schemas/agreements';
import { shownStatusSql } from './agreement-status';
import type { OverlapRow } from './agreement-overlaps';
import { createAgreementActualsRepository, refreshSummaries } from './agreement-actuals.repository';

export {
  LIVE_STATUSES,
  refreshSummaries,
  type AgreementListScope,
} from './agreement-actuals.repository';

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

const AGREEMENT_DEALER = parentDealer('agreements', '$1');

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

export function createAgreementsRepository(db: Queryable) {
  return {
    ...createAgreementActualsRepository(db),
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
          `insert into agreement_lines (agreement_id, dealer_id, line_no, target_kind, target_code, target_label, planned_quantities, planned_revenue)
           values ($1, ${AGREEMENT_DEALER}, $2, $3, $4, $5, $6, $7)`,
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
          `insert into agreement_line_skus (agreement_id, dealer_id, line_no, sku_id) select $1, ${AGREEMENT_DEALER}, $2, unnest($3::int[]) on conflict do nothing`,
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
        `insert into agreement_events (agreement_id, dealer_id, action, from_status, to_status, comment, actor) values ($1, ${AGREEMENT_DEALER}, $2, $3, $4, $5, $6)`,
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
        `insert into agreement_versions (agreement_id, dealer_id, version_no, terms, canonical, sha256, approved_by, effective_month)
         values ($1, ${AGREEMENT_DEALER}, $2, $3, $4, $5, $6, ($7 || '-01')::date)`,
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
        `select v.terms from agreement_versions v join agreements a on a.id = v.agreement_id and a.dealer_id = v.dealer_id where a.code = $1 and v.version_no = $2`,
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
        `insert into agreement_revisions (agreement_id, dealer_id, terms, comment, created_by) values ($1, ${AGREEMENT_DEALER}, $2, $3, $4) returning id`,
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
      const { rows } = await db.query<OverlapRow>(
        `select a.id as "agreementId", a.code, a.status, s.code as sku,
                to_char(a.start_month, 'YYYY-MM') as "startMonth",
                to_char((a.start_month + make_interval(months => a.months - 1))::date, 'YYYY-MM') as "endMonth",
                to_char(greatest(a.start_month, $3::date), 'YYYY-MM') as "fromMonth",
                to_char(least((a.start_month + make_interval(months => a.months - 1))::date,
                              ($3::date + make_interval(months => $4 - 1))::date), 'YYYY-MM') as "toMonth"
         from agreements a
         join agreement_line_skus ls on ls.agreement_id = a.id and ls.dealer_id = a.dealer_id
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

    /** The agreements whose stored status the clock has moved (agreement-status.ts), by id. */
    async findLifecycleDue(currentMonth: string): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `select id from agreements a where status in ('approved', 'active') and start_month <= $1::date
           and ${shownStatusSql('a', '$1::date')} <> status order by id`,
        [`${currentMonth}-01`],
      );
      return rows.map((r) => r.id);
    },

    /**
     * approved → active once the start month has come; active/approved → expired after the end:
     * stores the shown status (agreement-status.ts) of every agreement, or of those in `ids`.
     */
    async advanceLifecycle(currentMonth: string, ids?: number[]) {
      const { rows } = await db.query<{ id: number; status: string; next: string }>(
        `update agreements a set status = x.next, row_version = a.row_version + 1, updated_at = now()
         from (select id, status, ${shownStatusSql('agreements', '$1::date')} as next
               from agreements where status in ('approved', 'active') and start_month <= $1::date
                 and ($2::int[] is null or id = any($2::int[]))) x
         where a.id = x.id and a.status <> x.next
         returning a.id, x.status, x.next`,
        [`${currentMonth}-01`, ids ?? null],
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
