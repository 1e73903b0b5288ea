import type { Queryable } from '../../db/db';
import type { ModelLine, Sku, SkuFilter } from '../../../shared/schemas/catalog';

/** A new SKU as the service hands it over: its model line resolved to its id. */
export type NewSkuRow = {
  code: string;
  modelLineId: number;
  name: string;
  trim: string;
  powertrain: string;
  segment: string;
  msrp: string;
  co2GramsPerKm: number;
  launchDate: string;
};

/**
 * A SKU with the price valid on the date in parameter `$${todayParam}` (sku_prices, issue 11) and
 * the network currency (the caller formats the price in its minor unit).
 */
function skuSelect(todayParam: number): string {
  return `
  select s.code, m.code as "modelLineCode", m.name as "modelLineName", s.name, s.trim, s.powertrain,
         s.segment,
         coalesce((select p.msrp from sku_prices p where p.sku_id = s.id and p.valid_from <= $${todayParam}::date
                   order by p.valid_from desc limit 1), s.msrp)::text as msrp,
         s.co2_g_per_km as "co2GramsPerKm", s.mass_kg as "massKg",
         s.electric_range_km as "electricRangeKm", s.battery_kwh::text as "batteryKwh",
         s.launch_date as "launchDate", s.status, (select trim(currency) from settings) as currency
  from skus s join model_lines m on m.id = s.model_line_id`;
}

type SkuRow = Sku & { currency: string };

export function createCatalogRepository(db: Queryable) {
  return {
    async findModelLines(): Promise<ModelLine[]> {
      const { rows } = await db.query<ModelLine>(
        `select m.code, m.name, m.segment, m.status, count(s.id)::int as "skuCount",
                coalesce(array_agg(distinct s.powertrain) filter (where s.id is not null), '{}') as powertrains,
                to_char(m.sales_end_on, 'YYYY-MM-DD') as "salesEndOn"
         from model_lines m left join skus s on s.model_line_id = m.id
         group by m.id order by m.code`,
      );
      return rows;
    },

    async getModelLineId(code: string): Promise<number | null> {
      const { rows } = await db.query<{ id: number }>(
        'select id from model_lines where code = $1',
        [code],
      );
      return rows[0]?.id ?? null;
    },

    async insertModelLine(input: {
      code: string;
      name: string;
      segment: string;
      salesEndOn?: string | null;
    }) {
      await db.query(
        'insert into model_lines (code, name, segment, sales_end_on) values ($1, $2, $3, $4)',
        [input.code, input.name, input.segment, input.salesEndOn ?? null],
      );
    },

    /** `salesEndOn`: absent keeps the plan, null clears it. */
    async updateModelLine(
      code: string,
      data: { name?: string; segment?: string; status?: string; salesEndOn?: string | null },
    ) {
      const { rowCount } = await db.query(
        `update model_lines set name = coalesce($2, name), segment = coalesce($3, segment),
                status = coalesce($4, status),
                sales_end_on = case when $5::boolean then $6::date else sales_end_on end,
                updated_at = now() where code = $1`,
        [
          code,
          data.name ?? null,
          data.segment ?? null,
          data.status ?? null,
          data.salesEndOn !== undefined,
          data.salesEndOn ?? null,
        ],
      );
      return rowCount;
    },

    async findSkus(filter: SkuFilter, today: string): Promise<{ items: SkuRow[]; total: number }> {
      const params: unknown[] = [];
      const where = ['true'];
      if (filter.q) {
        params.push(`%${filter.q}%`);
        where.push(`(s.code ilike $${params.length} or s.name ilike $${params.length})`);
      }
      if (filter.modelLine) {
        params.push(filter.modelLine);
        where.push(`m.code = $${params.length}`);
      }
      if (filter.powertrain) {
        params.push(filter.powertrain);
        where.push(`s.powertrain = $${params.length}`);
      }
      if (filter.segment) {
        params.push(filter.segment);
        where.push(`s.segment = $${params.length}`);
      }
      if (filter.status) {
        params.push(filter.status);
        where.push(`s.status = $${params.length}`);
      }
      const whereSql = where.join(' and ');
      const count = await db.query<{ n: number }>(
        `select count(*)::int as n from skus s join model_lines m on m.id = s.model_line_id where ${whereSql}`,
        params,
      );
      params.push(today, filter.limit, filter.offset);
      const { rows } = await db.query<SkuRow>(
        `${skuSelect(params.length - 2)} where ${whereSql} order by m.code, s.code limit $${params.length - 1} offset $${params.length}`,
        params,
      );
      return { items: rows, total: count.rows[0]?.n ?? 0 };
    },

    async getSku(code: string, today: string): Promise<SkuRow | null> {
      const { rows } = await db.query<SkuRow>(`${skuSelect(2)} where s.code = $1`, [code, today]);
      return rows[0] ?? null;
    },

    async insertSku(input: NewSkuRow) {
      await db.query(
        `insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          input.code,
          input.modelLineId,
          input.name,
          input.trim,
          input.powertrain,
          input.segment,
          input.msrp,
          input.co2GramsPerKm,
          input.launchDate,
        ],
      );
    },

    async updateSku(
      code: string,
      data: {
        name?: string;
        trim?: string;
        segment?: string;
        co2GramsPerKm?: number;
        launchDate?: string;
        status?: string;
      },
    ) {
      const { rowCount } = await db.query(
        `update skus set name = coalesce($2, name), trim = coalesce($3, trim), segment = coalesce($4, segment),
                co2_g_per_km = coalesce($5, co2_g_per_km),
                launch_date = coalesce($6::date, launch_date), status = coalesce($7, status), updated_at = now()
         where code = $1`,
        [
          code,
          data.name ?? null,
          data.trim ?? null,
          data.segment ?? null,
          data.co2GramsPerKm ?? null,
          data.launchDate ?? null,
          data.status ?? null,
        ],
      );
      return rowCount;
    },
  };
}
