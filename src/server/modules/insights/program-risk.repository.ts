/**
 * The SQL of program tier risks (program-risk.service.ts): the monthly history of a program's
 * axis for some dealers (from the monthly roll-up), the dealers' top SKU of it and their units
 * per model line (the mix), the estimate of a statement's row read, the model lines' names, and
 * the scoped reads of the board and one dealer. Writing `program_tier_risks` is
 * program-risk-write.repository.ts's, part of this repository; the ended windows' outcomes are
 * program-risk-outcomes.repository.ts's.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { LoadSpec } from '../incentives/incentives.repository';
import type { RiskCalibrationUsed } from './insights.repository';
import { unpackTiers } from './program-risk-store';
import { createProgramRiskWriteRepository } from './program-risk-write.repository';

/** One dealer's monthly values of a SKU set (`monthIndex` → units and revenue; gaps absent). */
export type AxisHistoryRow = {
  dealerId: number;
  months: number[];
  quantities: number[];
  amounts: number[];
};

/** A dealer's units of one model line in the window so far and in the same months a year earlier. */
export type LineProgressRow = {
  dealerId: number;
  modelLine: string;
  units: number;
  lastYear: number;
};

export type ProgramRiskWrite = {
  programId: number;
  dealerId: number;
  period: string;
  windowLabel: string;
  windowStart: string;
  windowEnd: string;
  asOf: string;
  elapsedMonths: number;
  termMonths: number;
  measure: string;
  axis: string;
  measureValue: string | null;
  toDate: number;
  expected: number;
  lower80: number;
  upper80: number;
  tierReached: number;
  currency: string;
  earned: string;
  shortfallMoney: string;
  tiers: unknown;
  interventions: unknown;
};

export type ProgramRiskRow = Omit<ProgramRiskWrite, 'programId'> & {
  programCode: string;
  programName: string;
  dealerCode: string;
  dealerName: string;
  computedAt: string;
  history: { day: string; probabilities: number[]; expected: number }[];
  /** The network's recalibration the risk used (risk_calibrations), null: the shipped default. */
  calibration: RiskCalibrationUsed | null;
};

const SELECT = `select p.code as "programCode", r.program_name as "programName", r.dealer_id as "dealerId",
  d.code as "dealerCode", d.name as "dealerName", r.period, r.window_label as "windowLabel",
  to_char(r.window_start, 'YYYY-MM-DD') as "windowStart", to_char(r.window_end, 'YYYY-MM-DD') as "windowEnd",
  to_char(r.as_of, 'YYYY-MM-DD') as "asOf", r.elapsed_months as "elapsedMonths", r.term_months as "termMonths",
  r.measure, r.axis, r.measure_value as "measureValue", r.to_date as "toDate", r.expected, r.lower80, r.upper80,
  r.tier_reached as "tierReached", r.currency, r.earned::text as earned, r.shortfall_money::text as "shortfallMoney",
  r.tiers, r.interventions, to_json(r.computed_at)#>>'{}' as "computedAt",
  coalesce((select json_agg(json_build_object('day', to_char(h.day, 'YYYY-MM-DD'), 'probabilities', h.probabilities,
      'expected', h.expected) order by h.day)
    from program_tier_risk_history h
    where h.program_id = r.program_id and h.dealer_id = r.dealer_id and h.window_label = r.window_label), '[]'::json) as history,
  case when c.id is null then null else json_build_object('id', c.id, 'fittedAt', to_json(c.fitted_at)#>>'{}',
    'throughMonth', to_char(c.through_month, 'YYYY-MM'), 'terms', c.terms, 'cases', c.cases) end as calibration
  from program_tier_risks r join programs p on p.id = r.program_id join dealers d on d.id = r.dealer_id
  left join risk_calibrations c on c.id = r.calibration_id`;

export function createProgramRiskRepository(db: Queryable) {
  return {
    ...createProgramRiskWriteRepository(db),

    /**
     * Per dealer, the units and revenue of these SKUs and kinds per month in [from, to)
     * ('YYYY-MM'), one row per dealer.
     */
    async axisHistories(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<AxisHistoryRow[]> {
      if (dealerIds.length === 0 || skuIds.length === 0) return [];
      const { rows } = await db.query<AxisHistoryRow>(
        `with by_month as (
           select dealer_id, month, sum(quantity)::int as q, sum(amount)::float8 as a
           from monthly_actuals
           where dealer_id = any($1::int[]) and sku_id = any($2::int[]) and kind = any($3::text[])
             and month >= ($4 || '-01')::date and month < ($5 || '-01')::date
           group by 1, 2)
         select dealer_id as "dealerId",
           array_agg((extract(year from month)::int * 12 + extract(month from month)::int - 1) order by month) as months,
           array_agg(q order by month) as quantities, array_agg(a order by month) as amounts
         from by_month group by 1`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return rows;
    },

    /**
     * Per dealer × model line of these SKUs and kinds: the units in the window's complete months
     * [from, to) and in the same months a year earlier (the mix driver: lines lagging). A window
     * is at most 12 months long, so the year-earlier months all fall before `from`.
     */
    async lineProgress(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<LineProgressRow[]> {
      if (dealerIds.length === 0 || skuIds.length === 0 || from >= to) return [];
      const { rows } = await db.query<LineProgressRow>(
        `select m.dealer_id as "dealerId", ml.name as "modelLine",
           coalesce(sum(m.quantity) filter (where m.month >= ($4 || '-01')::date), 0)::int as units,
           coalesce(sum(m.quantity) filter (where m.month < ($4 || '-01')::date), 0)::int as "lastYear"
         from monthly_actuals m join skus s on s.id = m.sku_id join model_lines ml on ml.id = s.model_line_id
         where m.dealer_id = any($1::int[]) and m.sku_id = any($2::int[]) and m.kind = any($3::text[])
           and ((m.month >= ($4 || '-01')::date and m.month < ($5 || '-01')::date)
             or (m.month >= ($4 || '-01')::date - interval '12 months' and m.month < ($5 || '-01')::date - interval '12 months'))
         group by 1, 2`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return rows;
    },

    /** Each dealer's best-selling SKU of a set in [from, to): the unit the interventions add. */
    async topSkus(
      dealerIds: number[],
      skuIds: number[],
      kinds: string[],
      from: string,
      to: string,
    ): Promise<Map<number, number>> {
      if (dealerIds.length === 0 || skuIds.length === 0) return new Map();
      const { rows } = await db.query<{ dealerId: number; skuId: number }>(
        `select distinct on (dealer_id) dealer_id as "dealerId", sku_id as "skuId"
         from monthly_actuals
         where dealer_id = any($1::int[]) and sku_id = any($2::int[]) and kind = any($3::text[])
           and month >= ($4 || '-01')::date and month < ($5 || '-01')::date
         group by dealer_id, sku_id having sum(quantity) > 0
         order by dealer_id, sum(quantity) desc, sku_id`,
        [dealerIds, skuIds, kinds, from, to],
      );
      return new Map(rows.map((r) => [r.dealerId, r.skuId]));
    },

    /**
     * An estimate of the rows a statement's row read (`findTransactionRows`) returns: the window's
     * feed rows of its SKUs and kinds counted in the monthly roll-up (reversals dated before the
     * window that arrived in it are not counted).
     */
    async estimateRows(spec: LoadSpec): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `select coalesce(sum(row_count), 0)::float8 as n from monthly_actuals
         where ($1::int[] is null or dealer_id = any($1::int[])) and sku_id = any($2::int[]) and kind = any($3::text[])
           and month >= date_trunc('month', $4::date) and month <= $5::date`,
        [spec.dealerIds, spec.skuIds, spec.kinds, spec.from, spec.cutoff],
      );
      return rows[0]?.n ?? 0;
    },

    /** Model line names by code (the interventions name the line). */
    async modelLineNames(): Promise<Map<string, string>> {
      const { rows } = await db.query<{ code: string; name: string }>(
        `select code, name from model_lines`,
      );
      return new Map(rows.map((r) => [r.code, r.name]));
    },

    /** The risks in scope by expected shortfall in money (largest first), their tiers' drivers in full. */
    async list(
      scope: Scope,
      options: { limit: number; dealerCode?: string; programCode?: string },
    ): Promise<ProgramRiskRow[]> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (options.dealerCode) {
        params.push(options.dealerCode);
        where.push(`d.code = $${params.length}`);
      }
      if (options.programCode) {
        params.push(options.programCode);
        where.push(`p.code = $${params.length}`);
      }
      params.push(options.limit);
      const { rows } = await db.query<ProgramRiskRow>(
        `${SELECT} where ${where.join(' and ')}
         order by r.shortfall_money desc, p.code, d.code limit $${params.length}`,
        params,
      );
      // each tier's drivers as computed (stored once per risk: program-risk-store.ts)
      return rows.map((r) => ({ ...r, tiers: unpackTiers(r.tiers) }));
    },
  };
}
