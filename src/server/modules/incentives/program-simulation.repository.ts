/**
 * SQL of the program simulation (program-simulation.ts): the forecast cycle, the dealers in the
 * reader's scope, their forecast cells in the program's months, the cycle's SKU mix.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';

export type SimulationCycle = { id: number; cycleMonth: string; status: string };
export type SimulationDealer = {
  id: number;
  code: string;
  status: 'active' | 'inactive';
  regionPath: string;
  dealerGroupCode: string | null;
  /** a sales agreement (not cancelled, rejected or still a draft) overlaps the program months */
  hasAgreement: boolean;
};
export type SimulationCell = {
  dealerId: number;
  regionId: number;
  modelLine: string;
  month: string;
  baseline: number;
  lower80: number;
  upper80: number;
  /** the consensus once locked; before that the override, the dealer's adjustment, the baseline */
  expected: number;
};
export type SimulationSku = {
  regionId: number;
  modelLine: string;
  sku: string;
  powertrain: string;
  segment: string;
  msrp: number;
  /** WLTP CO2 g/km (CO2 measures and benefits). */
  co2: number;
  share: number;
};

export function createProgramSimulationRepository(db: Queryable) {
  return {
    async findCycle(cycleId: number | undefined): Promise<SimulationCycle | undefined> {
      const { rows } = await db.query<SimulationCycle>(
        `select id, to_char(cycle_month, 'YYYY-MM') as "cycleMonth", status from forecast_cycles
         where baseline_at is not null ${cycleId === undefined ? '' : 'and id = $1'}
         order by cycle_month desc limit 1`,
        cycleId === undefined ? [] : [cycleId],
      );
      return rows[0];
    },

    async findFiscalStart(): Promise<number> {
      const { rows } = await db.query<{ m: number }>(
        'select fiscal_year_start_month as m from settings',
      );
      return rows[0]?.m ?? 1;
    },

    async findDealers(scope: Scope, from: string, to: string): Promise<SimulationDealer[]> {
      const params: unknown[] = [from, to];
      const { rows } = await db.query<SimulationDealer>(
        `select d.id, d.code, d.status, r.path as "regionPath", g.code as "dealerGroupCode",
                exists (select 1 from agreements a where a.dealer_id = d.id
                          and a.status in ('accepted', 'approved', 'active', 'expired')
                          and a.start_month <= $2::date
                          and (a.start_month + make_interval(months => a.months)) > $1::date) as "hasAgreement"
         from dealers d join regions r on r.id = d.region_id
         left join dealer_groups g on g.id = d.dealer_group_id
         where ${scopeSql(scope, 'd', params)} order by d.code`,
        params,
      );
      return rows;
    },

    async findCells(
      cycleId: number,
      dealerIds: number[],
      from: string,
      to: string,
    ): Promise<SimulationCell[]> {
      const { rows } = await db.query<SimulationCell>(
        `select c.dealer_id as "dealerId", c.region_id as "regionId", m.code as "modelLine",
                to_char(c.target_month, 'YYYY-MM') as month, c.baseline::float8 as baseline,
                c.lower80::float8 as lower80, c.upper80::float8 as upper80,
                coalesce(c.consensus, c.override, c.adjusted, c.baseline)::float8 as expected
         from forecast_cells c join model_lines m on m.id = c.model_line_id
         where c.cycle_id = $1 and c.dealer_id = any($2::int[])
           and c.target_month between $3::date and $4::date`,
        [cycleId, dealerIds, from, to],
      );
      return rows;
    },

    async findSkuMix(cycleId: number): Promise<SimulationSku[]> {
      const { rows } = await db.query<SimulationSku>(
        `select x.region_id as "regionId", m.code as "modelLine", s.code as sku, s.powertrain,
                s.segment, s.msrp::float8 as msrp, s.co2_g_per_km as co2, x.share::float8 as share
         from forecast_sku_mix x join skus s on s.id = x.sku_id
         join model_lines m on m.id = s.model_line_id
         where x.cycle_id = $1 and x.share > 0`,
        [cycleId],
      );
      return rows;
    },
  };
}
