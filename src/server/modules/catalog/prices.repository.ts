import type { Queryable } from '../../db/db';

export type SkuPriceRow = {
  validFrom: string;
  msrp: string;
  createdBy: string;
  createdAt: string;
};

/** SQL of a SKU's price history (table sku_prices, migration 0011). */
export function createPricesRepository(db: Queryable) {
  return {
    async findNetworkCurrency(): Promise<string> {
      const { rows } = await db.query<{ currency: string }>(
        'select trim(currency) as currency from settings',
      );
      return rows[0]?.currency ?? 'USD';
    },

    async findSkuId(code: string): Promise<number | null> {
      const { rows } = await db.query<{ id: number }>('select id from skus where code = $1', [
        code,
      ]);
      return rows[0]?.id ?? null;
    },

    /** The SKU's prices, oldest first. */
    async findPrices(skuId: number): Promise<SkuPriceRow[]> {
      const { rows } = await db.query<SkuPriceRow>(
        `select to_char(valid_from, 'YYYY-MM-DD') as "validFrom", msrp::text as msrp, created_by as "createdBy",
                to_json(created_at)#>>'{}' as "createdAt"
         from sku_prices where sku_id = $1 order by valid_from`,
        [skuId],
      );
      return rows;
    },

    /** The price valid on a date (null before the first price). */
    async findPriceOn(skuId: number, date: string): Promise<string | null> {
      const { rows } = await db.query<{ msrp: string }>(
        `select msrp::text as msrp from sku_prices where sku_id = $1 and valid_from <= $2::date
         order by valid_from desc limit 1`,
        [skuId, date],
      );
      return rows[0]?.msrp ?? null;
    },

    /**
     * Adds a price valid from a date, or replaces the price of that date. The service allows only
     * dates after today, so a price that has applied is never touched (the `where` repeats it).
     */
    async upsertPrice(input: {
      skuId: number;
      validFrom: string;
      msrp: string;
      by: string;
      today: string;
    }): Promise<void> {
      await db.query(
        `insert into sku_prices (sku_id, valid_from, msrp, created_by) values ($1, $2::date, $3::numeric, $4)
         on conflict (sku_id, valid_from) do update set msrp = excluded.msrp, created_by = excluded.created_by,
           created_at = now()
         where sku_prices.valid_from > $5::date`,
        [input.skuId, input.validFrom, input.msrp, input.by, input.today],
      );
    },
  };
}
