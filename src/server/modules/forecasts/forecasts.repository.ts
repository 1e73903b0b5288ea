/**
 * Over 600 lines: all SQL of the forecast cycle; it splits with forecasts.service.ts by issue 19's
 * pattern (one service and repository per concern).
 *
 * All SQL of the forecast cycle. Tenant reads take the actor's scope (scopeDealerIdSql).
 */
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import { csvField, type Queryable } from '../../db/db';
import type { CycleStatus } from '../../../shared/schemas/forecasts';

/** Sales = retail deliveries net of unwinds (unwind quantities are negative). */
const SALES_KINDS = `('retail_delivery', 'unwind')`;

export type CycleRow = {
  id: number;
  cycleMonth: string;
  status: CycleStatus;
  horizon: number;
  historyMonths: number;
  adjustUntil: string;
  baselineJobId: number | null;
  baselineError: string | null;
  baselineAt: string | null;
  signals: {
    regionCode: string;
    bevShareRecent: number | null;
    bevSharePrior: number | null;
    growth: number | null;
    relativeGrowth: number;
  }[];
  rowVersion: number;
  createdBy: string | null;
  createdAt: string;
  lockedBy: string | null;
  lockedAt: string | null;
  publishedAt: string | null;
};

const CYCLE_SELECT = `select c.id, to_char(c.cycle_month, 'YYYY-MM') as "cycleMonth", c.status, c.horizon,
  c.history_months as "historyMonths", to_char(c.adjust_until, 'YYYY-MM-DD') as "adjustUntil",
  c.baseline_job_id as "baselineJobId", c.baseline_error as "baselineError",
  to_json(c.baseline_at)#>>'{}' as "baselineAt", c.signals, c.row_version as "rowVersion",
  c.created_by as "createdBy", to_json(c.created_at)#>>'{}' as "createdAt", c.locked_by as "lockedBy",
  to_json(c.locked_at)#>>'{}' as "lockedAt", to_json(c.published_at)#>>'{}' as "publishedAt"
  from forecast_cycles c`;

/** A cell's baseline forecast: its month, bands and the method that made it. */
type CellBaseline = {
  modelLineId: number;
  month: string;
  horizon: number;
  baseline: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  method: string;
  evEffect: number;
};

/** What the dealer and the region did to a cell. */
type CellReview = {
  adjusted: number | null;
  adjustReason: string | null;
  adjustComment: string | null;
  override: number | null;
  overrideReason: string | null;
  reviewStatus: 'pending' | 'accepted' | 'overridden';
  consensus: number;
};

export type CellRow = CellBaseline & CellReview;

export type EditRow = {
  modelLineId: number;
  month: string;
  kind: 'adjust' | 'override' | 'accept';
  from: number | null;
  to: number | null;
  reason: string | null;
  comment: string | null;
  actor: string;
  at: string;
};

export type AdjustedCellRow = {
  dealerCode: string;
  dealerName: string;
  regionCode: string;
  modelLine: string;
  modelLineName: string;
  month: string;
  baseline: number;
  lower80: number;
  upper80: number;
  adjustedBy: string | null;
} & CellReview;

/** One group × month of a cycle's roll-up. */
export type RollupRow = {
  key: string;
  label: string;
  month: string;
  baseline: number;
  adjusted: number;
  consensus: number;
};

export type HistorySeriesRow = { dealerId: number; modelLineId: number; t: number[]; q: number[] };

export type StepSums = {
  abs: number;
  signed: number;
};

export type AccuracyRow = {
  key: string;
  label: string;
  cells: number;
  actual: number;
  scale: number;
  spreadsheetAbs: number;
  spreadsheetSigned: number;
  baselineAbs: number;
  baselineSigned: number;
  adjustedAbs: number;
  adjustedSigned: number;
  consensusAbs: number;
  consensusSigned: number;
};

export type CellWrite = CellBaseline & {
  dealerId: number;
  regionId: number;
  spreadsheet: number;
  maseScale: number;
};

/** A region × model line's pooled baseline (no horizon: the region line is keyed by month). */
export type RegionLineWrite = Omit<CellBaseline, 'horizon'> & { regionId: number };

const CONSENSUS = `coalesce(fc.consensus, coalesce(fc.override, fc.adjusted)::numeric, fc.baseline)`;

function* csvChunks<T>(rows: Iterable<T>, line: (row: T) => (string | number)[], size = 5000) {
  let chunk = '';
  let count = 0;
  for (const row of rows) {
    chunk += line(row).map(csvField).join(',') + '\n';
    count += 1;
    if (count === size) {
      yield chunk;
      chunk = '';
      count = 0;
    }
  }
  if (chunk) yield chunk;
}

/** The series index of `ma.month`: months since the window's first month ($1, a date). */
const MONTHS_SINCE_FROM = `((extract(year from ma.month)::int - extract(year from $1::date)::int) * 12
  + extract(month from ma.month)::int - extract(month from $1::date)::int)`;

/** One region × model line × month of the demand plan (see `demandPlanLines`). */
type DemandPlanLine = {
  regionId: number;
  regionCode: string;
  modelLineId: number;
  modelLineCode: string;
  month: string;
  quantity: string;
  baseline: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
};

export function createForecastsRepository(db: Queryable) {
  /** A read over the months [from, to) given as YYYY-MM: the SQL takes them as $1 and $2. */
  async function overMonths<R extends object>(sql: string, from: string, to: string): Promise<R[]> {
    const { rows } = await db.query<R>(sql, [`${from}-01`, `${to}-01`]);
    return rows;
  }

  /** $1–$6 of a write to one dealer's cells: the cycle, dealer, actor and the cells' keys and values. */
  const cellArgs = (
    cycleId: number,
    dealerId: number,
    actor: string,
    cells: { modelLineId: number; month: string; value: number }[],
  ) => [
    cycleId,
    dealerId,
    actor,
    cells.map((c) => c.modelLineId),
    cells.map((c) => `${c.month}-01`),
    cells.map((c) => c.value),
  ];

  return {
    async insertCycle(input: {
      cycleMonth: string;
      horizon: number;
      historyMonths: number;
      adjustUntil: string;
      createdBy: string;
    }): Promise<number | null> {
      const { rows } = await db.query<{ id: number }>(
        `insert into forecast_cycles (cycle_month, horizon, history_months, adjust_until, created_by)
         values ($1::date, $2, $3, $4::date, $5) on conflict (cycle_month) do nothing returning id`,
        [
          `${input.cycleMonth}-01`,
          input.horizon,
          input.historyMonths,
          input.adjustUntil,
          input.createdBy,
        ],
      );
      return rows[0]?.id ?? null;
    },

    async deleteCycle(id: number): Promise<void> {
      await db.query('delete from forecast_cycles where id = $1', [id]);
    },

    /** The last month with any net sales in the network (null when there are none). */
    async latestActualMonth(): Promise<string | null> {
      const { rows } = await db.query<{ m: string | null }>(
        `select to_char(max(month), 'YYYY-MM') as m from monthly_actuals where kind in ${SALES_KINDS}`,
      );
      return rows[0]?.m ?? null;
    },

    async setBaselineJob(id: number, jobId: number): Promise<void> {
      await db.query('update forecast_cycles set baseline_job_id = $2 where id = $1', [id, jobId]);
    },

    async setBaselineError(id: number, message: string): Promise<void> {
      await db.query('update forecast_cycles set baseline_error = $2 where id = $1', [
        id,
        message.slice(0, 2000),
      ]);
    },

    async findCycle(id: number, forUpdate = false): Promise<CycleRow | undefined> {
      const { rows } = await db.query<CycleRow>(
        `${CYCLE_SELECT} where c.id = $1${forUpdate ? ' for update' : ''}`,
        [id],
      );
      return rows[0];
    },

    async findCycles(): Promise<CycleRow[]> {
      const { rows } = await db.query<CycleRow>(`${CYCLE_SELECT} order by c.cycle_month desc`);
      return rows;
    },

    async cycleTotals(cycleId: number, scope: Scope) {
      const params: unknown[] = [cycleId];
      const where = scopeDealerIdSql(scope, 'fc.dealer_id', params);
      const { rows } = await db.query<{
        cells: number;
        dealers: number;
        baseline: number;
        consensus: number;
        adjustedCells: number;
        overriddenCells: number;
      }>(
        `select count(*)::int as cells, count(distinct fc.dealer_id)::int as dealers,
                coalesce(sum(fc.baseline), 0)::float8 as baseline, coalesce(sum(${CONSENSUS}), 0)::float8 as consensus,
                (count(*) filter (where fc.adjusted is not null))::int as "adjustedCells",
                (count(*) filter (where fc.override is not null))::int as "overriddenCells"
         from forecast_cells fc where fc.cycle_id = $1 and ${where}`,
        params,
      );
      return rows[0]!;
    },

    async updateStatus(
      id: number,
      status: CycleStatus,
      actor: string,
      fields: { locked?: boolean; published?: boolean } = {},
    ): Promise<void> {
      await db.query(
        `update forecast_cycles set status = $2, row_version = row_version + 1,
           locked_by = case when $3 then $4 else locked_by end, locked_at = case when $3 then now() else locked_at end,
           published_by = case when $5 then $4 else published_by end, published_at = case when $5 then now() else published_at end
         where id = $1`,
        [id, status, fields.locked ?? false, actor, fields.published ?? false],
      );
    },

    /** Freezes the consensus of every cell of the cycle (at lock). */
    async freezeConsensus(cycleId: number): Promise<void> {
      await db.query(
        `update forecast_cells set consensus = coalesce(override::numeric, adjusted::numeric, baseline) where cycle_id = $1`,
        [cycleId],
      );
    },

    // ---- baseline inputs -------------------------------------------------------------------

    async activeDealers(): Promise<{ id: number; regionId: number }[]> {
      const { rows } = await db.query<{ id: number; regionId: number }>(
        `select id, region_id as "regionId" from dealers where status = 'active' order by id`,
      );
      return rows;
    },

    async regionCodes(ids: number[]): Promise<Map<number, string>> {
      const { rows } = await db.query<{ id: number; code: string }>(
        'select id, code from regions where id = any($1::int[])',
        [ids],
      );
      return new Map(rows.map((x) => [x.id, x.code]));
    },

    async activeModelLines(): Promise<{ id: number; code: string }[]> {
      const { rows } = await db.query<{ id: number; code: string }>(
        `select id, code from model_lines where status = 'active' order by id`,
      );
      return rows;
    },

    /** Net sales per dealer × model line; t = months since `from` (0-based), months < `to`. */
    salesHistory(from: string, to: string): Promise<HistorySeriesRow[]> {
      return overMonths<HistorySeriesRow>(
        `select x.dealer_id as "dealerId", x.model_line_id as "modelLineId",
                array_agg(x.t order by x.t) as t, array_agg(x.q order by x.t) as q
         from (select ma.dealer_id, s.model_line_id,
                      ${MONTHS_SINCE_FROM} as t,
                      sum(ma.quantity)::int as q
               from monthly_actuals ma join skus s on s.id = ma.sku_id
               where ma.kind in ${SALES_KINDS} and ma.month >= $1::date and ma.month < $2::date
               group by 1, 2, 3) x
         group by 1, 2`,
        from,
        to,
      );
    },

    /** Retail deliveries per region × month, all and BEV (the EV adoption signal). */
    evDeliveries(
      from: string,
      to: string,
    ): Promise<{ regionId: number; t: number; total: number; bev: number }[]> {
      return overMonths<{ regionId: number; t: number; total: number; bev: number }>(
        `select d.region_id as "regionId",
                ${MONTHS_SINCE_FROM} as t,
                sum(ma.quantity)::int as total,
                (coalesce(sum(ma.quantity) filter (where s.powertrain = 'BEV'), 0))::int as bev
         from monthly_actuals ma join skus s on s.id = ma.sku_id join dealers d on d.id = ma.dealer_id
         where ma.kind = 'retail_delivery' and ma.month >= $1::date and ma.month < $2::date
         group by 1, 2`,
        from,
        to,
      );
    },

    /** BEV fraction of each model line's retail deliveries over [from, to). */
    async lineBevFractions(
      from: string,
      to: string,
    ): Promise<{ modelLineId: number; fraction: number }[]> {
      const rows = await overMonths<{ modelLineId: number; fraction: number }>(
        `select s.model_line_id as "modelLineId",
                (coalesce(sum(ma.quantity) filter (where s.powertrain = 'BEV'), 0)::float8 / nullif(sum(ma.quantity), 0)::float8) as fraction
         from monthly_actuals ma join skus s on s.id = ma.sku_id
         where ma.kind = 'retail_delivery' and ma.month >= $1::date and ma.month < $2::date
         group by 1`,
        from,
        to,
      );
      return rows.filter((r) => r.fraction !== null);
    },

    /**
     * Freezes the SKU mix per region × model line: the SKUs' shares of the region's deliveries of
     * the line over [from, to); the national shares where the region sold none; equal shares among
     * active SKUs where nobody did.
     */
    async writeSkuMix(cycleId: number, from: string, to: string): Promise<void> {
      await db.query(
        `insert into forecast_sku_mix (cycle_id, region_id, sku_id, share)
         with sales as (
           select d.region_id, ma.sku_id, greatest(sum(ma.quantity), 0)::float8 as q
           from monthly_actuals ma join dealers d on d.id = ma.dealer_id
           where ma.kind in ${SALES_KINDS} and ma.month >= $2::date and ma.month < $3::date
           group by 1, 2),
         regions_used as (select distinct region_id from dealers where status = 'active'),
         grid as (select r.region_id, s.id as sku_id, s.model_line_id from regions_used r cross join skus s),
         w as (
           select g.region_id, g.sku_id, g.model_line_id, coalesce(rs.q, 0) as rq,
                  coalesce((select sum(q) from sales n where n.sku_id = g.sku_id), 0) as nq,
                  (select status from skus where id = g.sku_id) = 'active' as active
           from grid g left join sales rs on rs.region_id = g.region_id and rs.sku_id = g.sku_id),
         t as (
           select *, sum(rq) over (partition by region_id, model_line_id) as rt,
                     sum(nq) over (partition by region_id, model_line_id) as nt,
                     count(*) filter (where active) over (partition by region_id, model_line_id) as na
           from w)
         select $1, region_id, sku_id,
                round((case when rt > 0 then rq / rt when nt > 0 then nq / nt when active and na > 0 then 1.0 / na else 0 end)::numeric, 6)
         from t`,
        [cycleId, `${from}-01`, `${to}-01`],
      );
    },

    async writeCells(cycleId: number, cells: Iterable<CellWrite>): Promise<void> {
      await db.copyFrom(
        `copy forecast_cells (cycle_id, dealer_id, model_line_id, region_id, target_month, horizon, baseline, lower80, upper80,
           lower95, upper95, method, ev_effect, spreadsheet, mase_scale) from stdin with (format csv)`,
        csvChunks(cells, (c) => [
          cycleId,
          c.dealerId,
          c.modelLineId,
          c.regionId,
          `${c.month}-01`,
          c.horizon,
          c.baseline,
          c.lower80,
          c.upper80,
          c.lower95,
          c.upper95,
          c.method,
          c.evEffect,
          c.spreadsheet,
          Math.round(c.maseScale * 10000) / 10000,
        ]),
      );
    },

    async writeRegionLines(cycleId: number, rows: readonly RegionLineWrite[]): Promise<void> {
      await db.copyFrom(
        `copy forecast_region_lines (cycle_id, region_id, model_line_id, target_month, baseline, lower80, upper80, lower95,
           upper95, method, ev_effect) from stdin with (format csv)`,
        csvChunks(rows, (r) => [
          cycleId,
          r.regionId,
          r.modelLineId,
          `${r.month}-01`,
          r.baseline,
          r.lower80,
          r.upper80,
          r.lower95,
          r.upper95,
          r.method,
          r.evEffect,
        ]),
      );
    },

    async finishBaseline(
      cycleId: number,
      data: { calibration: unknown; signals: unknown; stats: unknown },
    ): Promise<void> {
      await db.query(
        `update forecast_cycles set status = 'adjusting', baseline_at = now(), baseline_error = null, calibration = $2,
           signals = $3, baseline_stats = $4, row_version = row_version + 1 where id = $1`,
        [
          cycleId,
          JSON.stringify(data.calibration),
          JSON.stringify(data.signals),
          JSON.stringify(data.stats),
        ],
      );
    },

    // ---- one dealer's grid -----------------------------------------------------------------

    async findDealerInScope(
      code: string,
      scope: Scope,
    ): Promise<{ id: number; code: string; name: string; regionCode: string } | undefined> {
      const params: unknown[] = [code];
      const where = scopeDealerIdSql(scope, 'd.id', params);
      const { rows } = await db.query<{
        id: number;
        code: string;
        name: string;
        regionCode: string;
      }>(
        `select d.id, d.code, d.name, r.code as "regionCode" from dealers d join regions r on r.id = d.region_id
         where d.code = $1 and ${where}`,
        params,
      );
      return rows[0];
    },

    async modelLines(): Promise<
      { id: number; code: string; name: string; powertrains: string[] }[]
    > {
      const { rows } = await db.query<{
        id: number;
        code: string;
        name: string;
        powertrains: string[];
      }>(
        `select m.id, m.code, m.name,
                coalesce(array_agg(distinct s.powertrain) filter (where s.id is not null), '{}') as powertrains
         from model_lines m left join skus s on s.model_line_id = m.id group by m.id order by m.code`,
      );
      return rows;
    },

    async dealerCells(cycleId: number, dealerId: number, forUpdate = false): Promise<CellRow[]> {
      const { rows } = await db.query<CellRow>(
        `select fc.model_line_id as "modelLineId", to_char(fc.target_month, 'YYYY-MM') as month, fc.horizon,
                fc.baseline::float8 as baseline, fc.lower80::float8 as lower80, fc.upper80::float8 as upper80,
                fc.lower95::float8 as lower95, fc.upper95::float8 as upper95, fc.method, fc.ev_effect::float8 as "evEffect",
                fc.adjusted, fc.adjust_reason as "adjustReason", fc.adjust_comment as "adjustComment",
                fc.override, fc.override_reason as "overrideReason", fc.review_status as "reviewStatus",
                ${CONSENSUS}::float8 as consensus
         from forecast_cells fc where fc.cycle_id = $1 and fc.dealer_id = $2
         order by fc.model_line_id, fc.target_month${forUpdate ? ' for update' : ''}`,
        [cycleId, dealerId],
      );
      return rows;
    },

    async dealerSales(
      dealerId: number,
      from: string,
      to: string,
    ): Promise<{ modelLineId: number; month: string; quantity: number }[]> {
      const { rows } = await db.query<{ modelLineId: number; month: string; quantity: number }>(
        `select s.model_line_id as "modelLineId", to_char(ma.month, 'YYYY-MM') as month, sum(ma.quantity)::int as quantity
         from monthly_actuals ma join skus s on s.id = ma.sku_id
         where ma.dealer_id = $1 and ma.kind in ${SALES_KINDS} and ma.month >= $2::date and ma.month <= $3::date
         group by 1, 2`,
        [dealerId, `${from}-01`, `${to}-01`],
      );
      return rows;
    },

    async dealerEdits(cycleId: number, dealerId: number): Promise<EditRow[]> {
      const { rows } = await db.query<EditRow>(
        `select model_line_id as "modelLineId", to_char(target_month, 'YYYY-MM') as month, kind,
                from_value::float8 as "from", to_value::float8 as "to", reason, comment, actor,
                to_json(created_at)#>>'{}' as at
         from forecast_edits where cycle_id = $1 and dealer_id = $2 order by id`,
        [cycleId, dealerId],
      );
      return rows;
    },

    async applyAdjustments(
      cycleId: number,
      dealerId: number,
      actor: string,
      cells: {
        modelLineId: number;
        month: string;
        value: number;
        from: number;
        reason: string;
        comment: string | null;
      }[],
    ): Promise<void> {
      const args = [
        ...cellArgs(cycleId, dealerId, actor, cells),
        cells.map((c) => c.reason),
        cells.map((c) => c.comment),
        cells.map((c) => c.from),
      ];
      await db.query(
        `update forecast_cells fc set adjusted = u.value, adjust_reason = u.reason, adjust_comment = u.comment,
           adjusted_by = $3, adjusted_at = now(),
           review_status = case when fc.review_status = 'accepted' then 'pending' else fc.review_status end
         from unnest($4::int[], $5::date[], $6::int[], $7::text[], $8::text[]) as u(model_line_id, target_month, value, reason, comment)
         where fc.cycle_id = $1 and fc.dealer_id = $2 and fc.model_line_id = u.model_line_id and fc.target_month = u.target_month`,
        args.slice(0, 8),
      );
      await db.query(
        `insert into forecast_edits (cycle_id, dealer_id, model_line_id, target_month, kind, from_value, to_value, reason, comment, actor)
         select $1, $2, u.model_line_id, u.target_month, 'adjust', u.from_value, u.value, u.reason, u.comment, $3
         from unnest($4::int[], $5::date[], $6::int[], $7::text[], $8::text[], $9::numeric[]) as u(model_line_id, target_month, value, reason, comment, from_value)`,
        args,
      );
    },

    async applyOverrides(
      cycleId: number,
      dealerId: number,
      actor: string,
      cells: { modelLineId: number; month: string; value: number; from: number; reason: string }[],
    ): Promise<void> {
      const args = [
        ...cellArgs(cycleId, dealerId, actor, cells),
        cells.map((c) => c.reason),
        cells.map((c) => c.from),
      ];
      await db.query(
        `update forecast_cells fc set override = u.value, override_reason = u.reason, overridden_by = $3,
           overridden_at = now(), review_status = 'overridden'
         from unnest($4::int[], $5::date[], $6::int[], $7::text[]) as u(model_line_id, target_month, value, reason)
         where fc.cycle_id = $1 and fc.dealer_id = $2 and fc.model_line_id = u.model_line_id and fc.target_month = u.target_month`,
        args.slice(0, 7),
      );
      await db.query(
        `insert into forecast_edits (cycle_id, dealer_id, model_line_id, target_month, kind, from_value, to_value, reason, actor)
         select $1, $2, u.model_line_id, u.target_month, 'override', u.from_value, u.value, u.reason, $3
         from unnest($4::int[], $5::date[], $6::int[], $7::text[], $8::numeric[]) as u(model_line_id, target_month, value, reason, from_value)`,
        args,
      );
    },

    async applyAccepts(
      cycleId: number,
      dealerId: number,
      actor: string,
      cells: { modelLineId: number; month: string; value: number }[],
      comment: string | null,
    ): Promise<void> {
      const args = [...cellArgs(cycleId, dealerId, actor, cells), comment];
      await db.query(
        `update forecast_cells fc set review_status = 'accepted', override = null, override_reason = null,
           overridden_by = null, overridden_at = null
         from unnest($3::int[], $4::date[]) as u(model_line_id, target_month)
         where fc.cycle_id = $1 and fc.dealer_id = $2 and fc.model_line_id = u.model_line_id and fc.target_month = u.target_month`,
        [cycleId, dealerId, args[3], args[4]],
      );
      await db.query(
        `insert into forecast_edits (cycle_id, dealer_id, model_line_id, target_month, kind, from_value, to_value, comment, actor)
         select $1, $2, u.model_line_id, u.target_month, 'accept', u.value, u.value, $7::text, $3
         from unnest($4::int[], $5::date[], $6::numeric[]) as u(model_line_id, target_month, value)`,
        args,
      );
    },

    /** Adjusted or overridden cells of the dealers in scope (the region's review list). */
    async adjustedCells(cycleId: number, scope: Scope): Promise<AdjustedCellRow[]> {
      const params: unknown[] = [cycleId];
      const where = scopeDealerIdSql(scope, 'fc.dealer_id', params);
      const { rows } = await db.query<AdjustedCellRow>(
        `select d.code as "dealerCode", d.name as "dealerName", r.code as "regionCode",
                m.code as "modelLine", m.name as "modelLineName", to_char(fc.target_month, 'YYYY-MM') as month,
                fc.baseline::float8 as baseline, fc.lower80::float8 as lower80, fc.upper80::float8 as upper80,
                fc.adjusted, fc.adjust_reason as "adjustReason", fc.adjust_comment as "adjustComment",
                fc.adjusted_by as "adjustedBy", fc.override, fc.override_reason as "overrideReason",
                fc.review_status as "reviewStatus", ${CONSENSUS}::float8 as consensus
         from forecast_cells fc
         join dealers d on d.id = fc.dealer_id join regions r on r.id = d.region_id
         join model_lines m on m.id = fc.model_line_id
         where fc.cycle_id = $1 and (fc.adjusted is not null or fc.override is not null) and ${where}
         order by d.code, m.code, fc.target_month`,
        params,
      );
      return rows;
    },

    // ---- roll-ups, demand plan, accuracy ------------------------------------------------

    async rollup(
      cycleId: number,
      by: 'region' | 'model_line' | 'powertrain',
      scope: Scope,
    ): Promise<RollupRow[]> {
      const params: unknown[] = [cycleId];
      const where = scopeDealerIdSql(scope, 'fc.dealer_id', params);
      const adjusted = `coalesce(fc.adjusted::numeric, fc.baseline)`;
      if (by === 'powertrain') {
        const { rows } = await db.query<RollupRow>(
          `select s.powertrain as key, s.powertrain as label, to_char(fc.target_month, 'YYYY-MM') as month,
                  sum(fc.baseline * m.share)::float8 as baseline, sum(${adjusted} * m.share)::float8 as adjusted,
                  sum(${CONSENSUS} * m.share)::float8 as consensus
           from forecast_cells fc
           join skus s on s.model_line_id = fc.model_line_id
           join forecast_sku_mix m on m.cycle_id = fc.cycle_id and m.region_id = fc.region_id and m.sku_id = s.id
           where fc.cycle_id = $1 and ${where}
           group by 1, 2, 3 order by 1, 3`,
          params,
        );
        return rows;
      }
      const join =
        by === 'region'
          ? `join regions g on g.id = fc.region_id`
          : `join model_lines g on g.id = fc.model_line_id`;
      const { rows } = await db.query<RollupRow>(
        `select g.code as key, g.name as label, to_char(fc.target_month, 'YYYY-MM') as month,
                sum(fc.baseline)::float8 as baseline, sum(${adjusted})::float8 as adjusted,
                sum(${CONSENSUS})::float8 as consensus
         from forecast_cells fc ${join}
         where fc.cycle_id = $1 and ${where}
         group by 1, 2, 3 order by 1, 3`,
        params,
      );
      return rows;
    },

    /**
     * Region × model line × month: the consensus (a sum of cells, numeric) with the pooled
     * region interval moved by the consensus − baseline difference. Under a dealers scope, the
     * cells' own intervals are summed instead (wider: they are not additive).
     */
    async demandPlanLines(cycleId: number, scope: Scope): Promise<DemandPlanLine[]> {
      const params: unknown[] = [cycleId];
      const where = scopeDealerIdSql(scope, 'fc.dealer_id', params);
      const isDealerScope = scope.kind === 'dealers';
      const { rows } = await db.query<DemandPlanLine>(
        `with c as (
           select fc.region_id, fc.model_line_id, fc.target_month, sum(${CONSENSUS}) as quantity, sum(fc.baseline) as baseline,
                  sum(fc.lower80) as l80, sum(fc.upper80) as u80, sum(fc.lower95) as l95, sum(fc.upper95) as u95
           from forecast_cells fc where fc.cycle_id = $1 and ${where}
           group by 1, 2, 3)
         select c.region_id as "regionId", r.code as "regionCode", c.model_line_id as "modelLineId", m.code as "modelLineCode",
                to_char(c.target_month, 'YYYY-MM') as month, c.quantity::text as quantity, c.baseline::float8 as baseline,
                greatest(0, ${isDealerScope ? 'c.l80' : 'coalesce(rl.lower80, c.l80)'} + c.quantity - c.baseline)::float8 as lower80,
                greatest(0, ${isDealerScope ? 'c.u80' : 'coalesce(rl.upper80, c.u80)'} + c.quantity - c.baseline)::float8 as upper80,
                greatest(0, ${isDealerScope ? 'c.l95' : 'coalesce(rl.lower95, c.l95)'} + c.quantity - c.baseline)::float8 as lower95,
                greatest(0, ${isDealerScope ? 'c.u95' : 'coalesce(rl.upper95, c.u95)'} + c.quantity - c.baseline)::float8 as upper95
         from c join regions r on r.id = c.region_id join model_lines m on m.id = c.model_line_id
         left join forecast_region_lines rl on rl.cycle_id = $1 and rl.region_id = c.region_id
           and rl.model_line_id = c.model_line_id and rl.target_month = c.target_month
         order by m.code, r.code, c.target_month`,
        params,
      );
      return rows;
    },

    async skuMix(
      cycleId: number,
    ): Promise<
      { regionId: number; modelLineId: number; sku: string; powertrain: string; share: number }[]
    > {
      const { rows } = await db.query<{
        regionId: number;
        modelLineId: number;
        sku: string;
        powertrain: string;
        share: number;
      }>(
        `select m.region_id as "regionId", s.model_line_id as "modelLineId", s.code as sku, s.powertrain, m.share::float8 as share
         from forecast_sku_mix m join skus s on s.id = m.sku_id where m.cycle_id = $1 and m.share > 0 order by s.code`,
        [cycleId],
      );
      return rows;
    },

    /**
     * Errors of locked cycles' cells against net sales, for months up to `through` (inclusive),
     * grouped by `by`; `regionLevel` groups region × model line × month sums first.
     */
    async accuracy(input: {
      cycleIds: number[];
      through: string;
      by: 'dealer' | 'region' | 'model_line' | 'horizon' | 'all' | 'region_level';
      scope: Scope;
    }): Promise<AccuracyRow[]> {
      const params: unknown[] = [input.cycleIds, `${input.through}-01`];
      const where = scopeDealerIdSql(input.scope, 'fc.dealer_id', params);
      const keyOf = {
        dealer: { key: 'd.code', label: 'd.name' },
        region: { key: 'r.code', label: 'r.name' },
        model_line: { key: 'm.code', label: 'm.name' },
        horizon: { key: 'fc.horizon::text', label: `'h' || fc.horizon` },
        all: { key: `'all'`, label: `'all'` },
        region_level: { key: `'all'`, label: `'all'` },
      }[input.by];
      // Net sales per dealer × model line × month over the cycles' months, aggregated once and
      // joined (a correlated subquery per cell took minutes on PGlite for 40 model lines).
      const cells = `
        select fc.cycle_id, fc.dealer_id, fc.region_id, fc.model_line_id, fc.target_month, fc.horizon,
               fc.mase_scale, fc.spreadsheet, fc.baseline, coalesce(fc.adjusted::numeric, fc.baseline) as adjusted, fc.consensus,
               coalesce(sales.quantity, 0) as actual
        from forecast_cells fc
        left join (
          select ma.dealer_id, s.model_line_id, ma.month, sum(ma.quantity) as quantity
          from monthly_actuals ma join skus s on s.id = ma.sku_id
          where ma.kind in ${SALES_KINDS} and ma.month <= $2::date
            and ma.month >= (select min(c.cycle_month) from forecast_cycles c where c.id = any($1::int[]))
          group by 1, 2, 3
        ) sales on sales.dealer_id = fc.dealer_id and sales.model_line_id = fc.model_line_id and sales.month = fc.target_month
        where fc.cycle_id = any($1::int[]) and fc.target_month <= $2::date and fc.consensus is not null and ${where}`;
      const steps = (a: string) =>
        ['spreadsheet', 'baseline', 'adjusted', 'consensus']
          .map(
            (e) =>
              `coalesce(sum(abs(${a}.actual - ${a}.${e})), 0)::float8 as "${e}Abs", coalesce(sum(${a}.${e} - ${a}.actual), 0)::float8 as "${e}Signed"`,
          )
          .join(', ');
      if (input.by === 'region_level') {
        const { rows } = await db.query<AccuracyRow>(
          `with x0 as (${cells}),
           x as (select cycle_id, region_id, model_line_id, target_month, sum(mase_scale) as mase_scale,
                        sum(spreadsheet) as spreadsheet, sum(baseline) as baseline, sum(adjusted) as adjusted,
                        sum(consensus) as consensus, sum(actual) as actual, count(*) as n
                 from x0 group by 1, 2, 3, 4)
           select 'all' as key, 'all' as label, coalesce(sum(x.n), 0)::int as cells, coalesce(sum(x.actual), 0)::float8 as actual,
                  coalesce(sum(x.mase_scale), 0)::float8 as scale, ${steps('x')}
           from x`,
          params,
        );
        return rows;
      }
      const { rows } = await db.query<AccuracyRow>(
        `with x as (${cells})
         select ${keyOf.key} as key, ${keyOf.label} as label, count(*)::int as cells, coalesce(sum(fc.actual), 0)::float8 as actual,
                coalesce(sum(fc.mase_scale), 0)::float8 as scale, ${steps('fc')}
         from x fc
         join dealers d on d.id = fc.dealer_id join regions r on r.id = fc.region_id join model_lines m on m.id = fc.model_line_id
         group by 1, 2 order by 1`,
        params,
      );
      return rows;
    },
  };
}

export type ForecastsRepository = ReturnType<typeof createForecastsRepository>;
