/**
 * The SQL of the forecast cycle's read-only reports (forecast-reports.service.ts): the region's
 * review list, roll-ups, the demand plan and its SKU mix, accuracy. Tenant reads take the
 * actor's scope (scopeDealerIdSql).
 */
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { CONSENSUS, SALES_KINDS, type CellReview } from './forecasts.repository';

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

export function createForecastReportsRepository(db: Queryable) {
  return {
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
      /** The first cycle's month (`YYYY-MM`): where the sales roll-up's read starts. */
      from: string;
      through: string;
      by: 'dealer' | 'region' | 'model_line' | 'horizon' | 'all' | 'region_level';
      scope: Scope;
    }): Promise<AccuracyRow[]> {
      const params: unknown[] = [input.cycleIds, `${input.through}-01`, `${input.from}-01`];
      const where = scopeDealerIdSql(input.scope, 'fc.dealer_id', params);
      const salesWhere = scopeDealerIdSql(input.scope, 'ma.dealer_id', params);
      const keyOf = {
        dealer: { key: 'd.code', label: 'd.name' },
        region: { key: 'r.code', label: 'r.name' },
        model_line: { key: 'm.code', label: 'm.name' },
        horizon: { key: 'fc.horizon::text', label: `'h' || fc.horizon` },
        all: { key: `'all'`, label: `'all'` },
        region_level: { key: `'all'`, label: `'all'` },
      }[input.by];
      // Net sales per dealer × model line × month over the cycles' months, aggregated once and
      // joined (a correlated subquery per cell took minutes on PGlite for 40 model lines), for the
      // scope's dealers only. The first month is a value, not a sub-select: the planner cannot
      // see a sub-select's result and guesses the range's rows (see insights `lineHistories`).
      const cells = `
        select fc.cycle_id, fc.dealer_id, fc.region_id, fc.model_line_id, fc.target_month, fc.horizon,
               fc.mase_scale, fc.spreadsheet, fc.baseline, coalesce(fc.adjusted::numeric, fc.baseline) as adjusted, fc.consensus,
               coalesce(sales.quantity, 0) as actual
        from forecast_cells fc
        left join (
          select ma.dealer_id, s.model_line_id, ma.month, sum(ma.quantity) as quantity
          from monthly_actuals ma join skus s on s.id = ma.sku_id
          where ma.kind in ${SALES_KINDS} and ma.month <= $2::date and ma.month >= $3::date
            and ${salesWhere}
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
