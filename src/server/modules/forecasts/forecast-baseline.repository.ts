/**
 * The SQL of the forecast cycle's baseline job (forecast-baseline-job.ts): the sales history and
 * the EV signals it reads, and the cells, region lines and SKU mix it stores.
 */
import { csvField, type Queryable } from '../../db/db';
import { SALES_KINDS, type CellBaseline } from './forecasts.repository';

export type HistorySeriesRow = { dealerId: number; modelLineId: number; t: number[]; q: number[] };

export type CellWrite = CellBaseline & {
  dealerId: number;
  regionId: number;
  spreadsheet: number;
  maseScale: number;
};

/** A region × model line's pooled baseline (no horizon: the region line is keyed by month). */
export type RegionLineWrite = Omit<CellBaseline, 'horizon'> & { regionId: number };

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

export function createForecastBaselineRepository(db: Queryable) {
  /** A read over the months [from, to) given as YYYY-MM: the SQL takes them as $1 and $2. */
  async function overMonths<R extends object>(sql: string, from: string, to: string): Promise<R[]> {
    const { rows } = await db.query<R>(sql, [`${from}-01`, `${to}-01`]);
    return rows;
  }

  return {
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

    /** With each line's planned last day of sale (sales_end_on; null: no plan). */
    async activeModelLines(): Promise<{ id: number; code: string; salesEndOn: string | null }[]> {
      const { rows } = await db.query<{ id: number; code: string; salesEndOn: string | null }>(
        `select id, code, to_char(sales_end_on, 'YYYY-MM-DD') as "salesEndOn"
         from model_lines where status = 'active' order by id`,
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
  };
}
