/**
 * The SQL of insights: reading agreements, their lines and the monthly counted units (our own
 * queries on the agreements' tables: nothing here writes to them), the intervention log, and the
 * scoped reads of the risk board and the dealer outlook; the risk tables' writes are
 * risk-write.repository.ts's, part of this repository.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { createRiskWriteRepository } from './risk-write.repository';
import { shownStatusSql } from '../agreements/agreement-status';
import type { SalesEnds } from './sales-end';

export type RiskAgreementRow = {
  id: number;
  code: string;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  startMonth: string;
  months: number;
  frequency: 'monthly' | 'quarterly';
  lines: {
    lineNo: number;
    label: string;
    targetKind: 'model_line' | 'sku' | 'product_group';
    targetCode: string;
    planned: number[];
    revenue: (string | number | null)[] | null;
  }[];
};

/**
 * One agreement line's counted units per month (`monthIndex` → units, months without sales
 * absent) and the units and revenue of its months with positive sales (its unit value).
 */
export type LineHistoryRow = {
  agreementId: number;
  lineNo: number;
  months: number[];
  quantities: number[];
  soldUnits: number;
  soldAmount: string;
};

export type RiskRow = {
  agreementId: number;
  agreementCode: string;
  lineNo: number;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  label: string;
  asOf: string;
  elapsedMonths: number;
  termMonths: number;
  commitment: number;
  toDate: number;
  probability: number;
  expected: number;
  lower80: number;
  upper80: number;
  shortfallUnits: number;
  unitValue: string;
  shortfallMoney: string;
  drivers: unknown;
  interventions: unknown;
  computedAt: string;
  /** The network's recalibration the risk used (risk_calibrations), null: the shipped default. */
  calibration: RiskCalibrationUsed | null;
};

export type RiskCalibrationUsed = {
  id: number;
  fittedAt: string;
  throughMonth: string;
  terms: number;
  cases: number;
};

/** `past`: the totals' probability as of each earlier complete month (a term seen the first time). */
export type RiskWrite = { past?: { day: string; probability: number; expected: number }[] } & Omit<
  RiskRow,
  'agreementCode' | 'dealerCode' | 'dealerName' | 'computedAt' | 'calibration'
> & { rawProbability: number; calibrationId: number | null };

export type InterventionRow = {
  id: number;
  dealerCode: string;
  agreementCode: string | null;
  programCode: string | null;
  programTier: number | null;
  kind: string;
  note: string;
  probabilityBefore: number | null;
  outcome: string | null;
  outcomeProbability: number | null;
  createdByName: string;
  createdAt: string;
  outcomeAt: string | null;
  outcomeIsFinal: boolean | null;
  outcomeCorrectedAt: string | null;
};

const RISK_SELECT = `select r.agreement_id as "agreementId", a.code as "agreementCode", r.line_no as "lineNo",
  r.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName", r.label,
  to_char(r.as_of, 'YYYY-MM-DD') as "asOf", r.elapsed_months as "elapsedMonths", r.term_months as "termMonths",
  r.commitment, r.to_date as "toDate", r.probability, r.expected, r.lower80, r.upper80,
  r.shortfall_units as "shortfallUnits", r.unit_value::text as "unitValue", r.shortfall_money::text as "shortfallMoney",
  r.drivers, r.interventions, to_json(r.computed_at)#>>'{}' as "computedAt",
  case when c.id is null then null else json_build_object('id', c.id, 'fittedAt', to_json(c.fitted_at)#>>'{}',
    'throughMonth', to_char(c.through_month, 'YYYY-MM'), 'terms', c.terms, 'cases', c.cases) end as calibration
  from commitment_risks r join agreements a on a.id = r.agreement_id join dealers d on d.id = r.dealer_id
  left join risk_calibrations c on c.id = r.calibration_id`;

export function createInsightsRepository(db: Queryable) {
  return {
    ...createRiskWriteRepository(db),

    async currency(): Promise<string> {
      const { rows } = await db.query<{ currency: string }>(`select currency from settings`);
      return rows[0]?.currency ?? 'USD';
    },

    /** Every dealer's id (the nightly run's supply and market are read once for all of them). */
    async dealerIds(): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(`select id from dealers order by id`);
      return rows.map((r) => r.id);
    },

    /** Each SKU's model line (id, code, name): for the supply of an agreement line. */
    async skuModelLines(): Promise<
      Map<number, { modelLineId: number; code: string; name: string }>
    > {
      const { rows } = await db.query<{
        id: number;
        modelLineId: number;
        code: string;
        name: string;
      }>(
        `select s.id, m.id as "modelLineId", m.code, m.name from skus s join model_lines m on m.id = s.model_line_id`,
      );
      return new Map(
        rows.map((r) => [r.id, { modelLineId: r.modelLineId, code: r.code, name: r.name }]),
      );
    },

    /** The catalog's planned ends of sale (agreement-risk.ts `SalesEnds`): usually none. */
    async salesEnds(): Promise<SalesEnds> {
      const { rows } = await db.query<{
        line: string;
        name: string;
        on: string;
        sku: string | null;
      }>(
        `select m.code as line, m.name, to_char(m.sales_end_on, 'YYYY-MM-DD') as "on", s.code as sku
         from model_lines m left join skus s on s.model_line_id = m.id
         where m.sales_end_on is not null`,
      );
      const ends: SalesEnds = { lines: new Map(), skus: new Map() };
      for (const r of rows) {
        ends.lines.set(r.line, { name: r.name, on: r.on });
        if (r.sku !== null) ends.skus.set(r.sku, r.line);
      }
      return ends;
    },

    /** The latest month of the network's actuals ('YYYY-MM'), null without any. */
    async latestActualsMonth(): Promise<string | null> {
      const { rows } = await db.query<{ m: string | null }>(
        `select to_char(max(month), 'YYYY-MM') as m from monthly_actuals`,
      );
      return rows[0]?.m ?? null;
    },

    /**
     * Approved and active agreements (of some dealers, or all), with their lines: the status shown
     * on `today` (agreement-status.ts), not the stored one the daily job has yet to move.
     */
    async agreementsForRisk(
      dealerIds: number[] | null,
      today: string,
    ): Promise<RiskAgreementRow[]> {
      const { rows } = await db.query<RiskAgreementRow>(
        `select a.id, a.code, a.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName",
           to_char(a.start_month, 'YYYY-MM') as "startMonth", a.months, a.frequency,
           coalesce((select json_agg(json_build_object('lineNo', l.line_no, 'label', l.target_label, 'targetKind', l.target_kind, 'targetCode', l.target_code,
              'planned', l.planned_quantities, 'revenue', l.planned_revenue) order by l.line_no)
              from agreement_lines l where l.agreement_id = a.id), '[]'::json) as lines
         from agreements a join dealers d on d.id = a.dealer_id
         where a.status in ('approved', 'active') and ${shownStatusSql('a', '$2::date')} in ('approved', 'active')
           and ($1::int[] is null or a.dealer_id = any($1::int[]))
         order by a.id`,
        [dealerIds, `${today.slice(0, 7)}-01`],
      );
      return rows;
    },

    /**
     * Each agreement line's counted units per month in [its start or `from` if earlier, `to`)
     * ('YYYY-MM') as two arrays (month index, units), with the units and revenue of its months
     * with positive sales: one row per line (not per line × month), read straight from the monthly
     * roll-up. Each agreement's months are its own (not widened by the other agreements read with
     * it), so a line's unit value does not depend on how the agreements are grouped into reads.
     */
    async lineHistories(
      agreements: readonly Pick<RiskAgreementRow, 'id' | 'dealerId' | 'startMonth'>[],
      from: string,
      to: string,
    ): Promise<LineHistoryRow[]> {
      if (agreements.length === 0) return [];
      // The read's first month as a value: the planner then sees how many roll-up rows the
      // months hold and reads those dealers' rows by its primary key (dealer_id first). Computed
      // in the query (a sub-select), its estimate was a few rows and it scanned every dealer's
      // months by the month index: 16 times the rows for the network's 16 slices.
      const first = agreements.reduce((m, a) => (a.startMonth < m ? a.startMonth : m), from);
      const dealerIds = [...new Set(agreements.map((a) => a.dealerId))];
      const { rows } = await db.query<LineHistoryRow>(
        // The lines' SKUs first (materialized: a few thousand rows), then the roll-up rows of
        // those dealers only, joined on (dealer, SKU).
        `with ls as materialized (
           select a.dealer_id, s.sku_id, s.agreement_id, s.line_no, a.counted_kinds,
             least(a.start_month, ($2 || '-01')::date) as from_month
           from agreements a join agreement_line_skus s on s.agreement_id = a.id
           where a.id = any($1::int[])
         ), by_month as (
           select ls.agreement_id, ls.line_no, m.month, sum(m.quantity)::int as q, sum(m.amount) as amount
           from ls join monthly_actuals m on m.dealer_id = ls.dealer_id and m.sku_id = ls.sku_id and m.kind = any(ls.counted_kinds)
           where m.dealer_id = any($4::int[])
             and m.month >= ($5 || '-01')::date and m.month >= ls.from_month
             and m.month < ($3 || '-01')::date
           group by 1, 2, 3)
         select agreement_id as "agreementId", line_no as "lineNo",
           array_agg((extract(year from month)::int * 12 + extract(month from month)::int - 1) order by month) as months,
           array_agg(q order by month) as quantities,
           coalesce(sum(q) filter (where q > 0), 0)::int as "soldUnits",
           coalesce(sum(amount) filter (where q > 0), 0)::text as "soldAmount"
         from by_month group by 1, 2`,
        [agreements.map((a) => a.id), from, to, dealerIds, first],
      );
      return rows;
    },

    /** Records that the network's risks were refreshed (caches of the nightly results: see 0044). */
    async markNetworkRefreshed(): Promise<void> {
      await db.query(
        `insert into insight_refreshes (id, network_refreshed_at) values (1, clock_timestamp())
         on conflict (id) do update set network_refreshed_at = excluded.network_refreshed_at`,
      );
    },

    /**
     * Agreements no longer approved or active as shown on `today` lose their current risk
     * (history stays).
     */
    async pruneRisks(today: string): Promise<void> {
      await db.query(
        `delete from commitment_risks r using agreements a
         where a.id = r.agreement_id and ${shownStatusSql('a', '$1::date')} not in ('approved', 'active')`,
        [`${today.slice(0, 7)}-01`],
      );
    },

    /** The board: agreement totals in scope, by expected shortfall in money (largest first). */
    async board(scope: Scope, options: { limit: number; dealerCode?: string }): Promise<RiskRow[]> {
      const params: unknown[] = [];
      const where = [`r.line_no = 0`, scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<RiskRow>(
        `${RISK_SELECT} where ${where.join(' and ')} order by r.shortfall_money desc, r.probability, a.code limit $${params.length}`,
        params,
      );
      return rows;
    },

    /** The totals and lines of one agreement (by code), when in scope. */
    async agreementRisks(scope: Scope, code: string): Promise<RiskRow[]> {
      const params: unknown[] = [code];
      const { rows } = await db.query<RiskRow>(
        `${RISK_SELECT} where a.code = $1 and ${scopeSql(scope, 'd', params)} order by r.line_no`,
        params,
      );
      return rows;
    },

    async history(
      agreementId: number,
    ): Promise<{ lineNo: number; day: string; probability: number; expected: number }[]> {
      const { rows } = await db.query<{
        lineNo: number;
        day: string;
        probability: number;
        expected: number;
      }>(
        `select line_no as "lineNo", to_char(day, 'YYYY-MM-DD') as day, probability, expected
         from commitment_risk_history where agreement_id = $1 order by line_no, day`,
        [agreementId],
      );
      return rows;
    },

    async dealerInScope(
      scope: Scope,
      code: string,
    ): Promise<{ id: number; code: string; name: string } | undefined> {
      const params: unknown[] = [code];
      const { rows } = await db.query<{ id: number; code: string; name: string }>(
        `select d.id, d.code, d.name from dealers d where d.code = $1 and ${scopeSql(scope, 'd', params)}`,
        params,
      );
      return rows[0];
    },

    async insertIntervention(input: {
      dealerId: number;
      agreementId: number | null;
      programId?: number | null;
      programTier?: number | null;
      programPeriod?: string | null;
      kind: string;
      note: string;
      probabilityBefore: number | null;
      createdBy: number | null;
      createdByName: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into insight_interventions (dealer_id, agreement_id, kind, note, probability_before, created_by,
           created_by_name, program_id, program_tier, program_period)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
        [
          input.dealerId,
          input.agreementId,
          input.kind,
          input.note,
          input.probabilityBefore,
          input.createdBy,
          input.createdByName,
          input.programId ?? null,
          input.programTier ?? null,
          input.programPeriod ?? null,
        ],
      );
      return rows[0]!.id;
    },

    async interventions(
      scope: Scope,
      options: { dealerCode?: string; id?: number; limit: number },
    ): Promise<InterventionRow[]> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      if (options.id !== undefined) {
        params.push(options.id);
        where.push(`i.id = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<InterventionRow>(
        `select i.id, d.code as "dealerCode", a.code as "agreementCode", p.code as "programCode",
           i.program_tier as "programTier", i.kind, i.note,
           i.probability_before as "probabilityBefore", i.outcome, i.outcome_probability as "outcomeProbability",
           i.created_by_name as "createdByName", to_json(i.created_at)#>>'{}' as "createdAt",
           to_json(i.outcome_at)#>>'{}' as "outcomeAt",
           case when i.outcome is null then null else coalesce(o.is_final, true) end as "outcomeIsFinal",
           to_json(o.corrected_at)#>>'{}' as "outcomeCorrectedAt"
         from insight_interventions i join dealers d on d.id = i.dealer_id left join agreements a on a.id = i.agreement_id
           left join programs p on p.id = i.program_id
           left join lateral (
             -- the tier window the intervention was settled on (as settleInterventions matches it)
             select t.is_final, t.corrected_at from program_tier_outcomes t
             where i.outcome is not null and i.kind = 'incentive_tier' and t.program_id = i.program_id
               and t.dealer_id = i.dealer_id
               and (i.program_period = t.period or (i.program_period is null and i.created_at::date <= t.window_end))
             order by t.window_end limit 1) o on true
         where ${where.join(' and ')} order by i.created_at desc, i.id desc limit $${params.length}`,
        params,
      );
      return rows;
    },

    /**
     * Outcome tracking: interventions whose agreement's term has ended get `reached`/`missed` from
     * the agreement's final actual against its plan, and the last probability before the end.
     */
    /**
     * Whether no risk was ever computed while there is something to assess (approved or active
     * agreements, published programs): a freshly seeded network.
     */
    async needsFirstRisks(): Promise<boolean> {
      const { rows } = await db.query<{ needs: boolean }>(
        `select not (exists (select 1 from commitment_risks) or exists (select 1 from program_tier_risks))
           and (exists (select 1 from agreements where status in ('approved', 'active'))
             or exists (select 1 from programs where status = 'published')) as needs`,
      );
      return rows[0]?.needs ?? false;
    },

    async settleInterventionOutcomes(today: string): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `with ended as (
           select a.id, (select coalesce(sum(q), 0) from agreement_lines l, unnest(l.planned_quantities) q where l.agreement_id = a.id) as planned,
             (select coalesce(sum(p.quantity), 0) from agreement_period_actuals p where p.agreement_id = a.id) as actual
           from agreements a where (a.start_month + make_interval(months => a.months)) <= $1::date
         ), done as (
           update insight_interventions i set outcome = case when e.actual >= e.planned then 'reached' else 'missed' end,
             outcome_at = now(),
             outcome_probability = (select h.probability from commitment_risk_history h where h.agreement_id = e.id and h.line_no = 0 order by h.day desc limit 1)
           from ended e where i.agreement_id = e.id and i.outcome is null returning 1)
         select count(*)::int as n from done`,
        [today],
      );
      return rows[0]?.n ?? 0;
    },
  };
}

export type InsightsRepository = ReturnType<typeof createInsightsRepository>;
