/**
 * The forecast cycle's own SQL: the cycles and their status, and one dealer's grid with its
 * adjustments, overrides and accepts (forecasts.service.ts, review-bulk.ts). The baseline job's
 * reads and writes are in forecast-baseline.repository.ts, the reports' reads in
 * forecast-reports.repository.ts; the cell's shape and the consensus rule they share are here.
 * Tenant reads take the actor's scope (scopeDealerIdSql).
 */
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { CycleStatus } from '../../../shared/schemas/forecasts';

/** Sales = retail deliveries net of unwinds (unwind quantities are negative). */
export const SALES_KINDS = `('retail_delivery', 'unwind')`;

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
export type CellBaseline = {
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
export type CellReview = {
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

/** A cell's consensus: the frozen one once locked, else the override, the adjustment, the baseline. */
export const CONSENSUS = `coalesce(fc.consensus, coalesce(fc.override, fc.adjusted)::numeric, fc.baseline)`;

export function createForecastsRepository(db: Queryable) {
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
  };
}

export type ForecastsRepository = ReturnType<typeof createForecastsRepository>;
