/**
 * The SQL of the incentive services' shared context (issue 19): the catalog's SKUs and model
 * lines' planned ends of sale, the fiscal start, the region codes and the dealers in the actor's
 * scope.
 */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { DealerRow, SkuRow } from './incentives.repository';

const DEALER_SELECT = `select d.id, d.code, d.name, d.status, r.path as "regionPath", g.code as "dealerGroupCode", d.erp_vendor_id as "erpVendorId"
  from dealers d join regions r on r.id = d.region_id left join dealer_groups g on g.id = d.dealer_group_id`;

export function createIncentivesContextRepository(db: Queryable) {
  return {
    async findSkus(): Promise<SkuRow[]> {
      const { rows } = await db.query<SkuRow>(
        `select s.id, s.code, m.code as "modelLineCode", s.powertrain, s.segment, s.msrp::text as msrp,
                s.co2_g_per_km as "co2GPerKm"
         from skus s join model_lines m on m.id = s.model_line_id order by s.id`,
      );
      return rows;
    },

    /**
     * The planned last day of sale (sales_end_on, 'YYYY-MM-DD') of each model line that has one,
     * by code (catalog/model-line-sale.ts `hasSaleEnded` tells whether it has ended).
     */
    async findModelLineSalesEnds(): Promise<Map<string, string>> {
      const { rows } = await db.query<{ code: string; on: string }>(
        `select code, to_char(sales_end_on, 'YYYY-MM-DD') as "on" from model_lines
         where sales_end_on is not null`,
      );
      return new Map(rows.map((r) => [r.code, r.on]));
    },

    async findFiscalStart(): Promise<number> {
      const { rows } = await db.query<{ m: number }>(
        'select fiscal_year_start_month as m from settings',
      );
      return rows[0]?.m ?? 1;
    },

    /** Dealers in the actor's scope (optionally one code). */
    async findDealers(scope: Scope, code?: string): Promise<DealerRow[]> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (code !== undefined) {
        params.push(code);
        where.push(`d.code = $${params.length}`);
      }
      const { rows } = await db.query<DealerRow>(
        `${DEALER_SELECT} where ${where.join(' and ')} order by d.code`,
        params,
      );
      return rows;
    },

    async findRegionCodes(): Promise<Map<string, string>> {
      const { rows } = await db.query<{ path: string; code: string }>(
        'select path, code from regions',
      );
      return new Map(rows.map((r) => [r.path, r.code]));
    },
  };
}
