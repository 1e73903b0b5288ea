import type { Queryable } from '../../db/db';
import type { RdrDelivery } from '../../../shared/schemas/rdr';

/** All SQL of the retail delivery report. */
export function createRdrRepository() {
  return {
    /**
     * Stores the report details of the deliveries beside their feed rows, inside the ingest's
     * transaction. A delivery already stored (the same report sent again) keeps its first
     * details. Returns how many were stored now.
     */
    async insertDetails(tx: Queryable, source: string, deliveries: RdrDelivery[]): Promise<number> {
      const rows = deliveries.map((d) => ({
        dealer_code: d.dealerCode,
        external_id: d.dealNumber,
        sale_date: d.saleDate,
        delivery_date: d.deliveryDate,
        sale_category: d.saleCategory,
        buyer_type: d.buyer.type,
        buyer_postcode: d.buyer.postcode ?? null,
        buyer_state: d.buyer.state ?? null,
        buyer_country: d.buyer.country ?? null,
        salesperson_id: d.salespersonId ?? null,
        odometer_km: d.odometerKm ?? null,
      }));
      const { rows: stored } = await tx.query<{ n: number }>(
        `with inserted as (
           insert into rdr_sales (dealer_id, source, external_id, sale_date, delivery_date, sale_category,
                                  buyer_type, buyer_postcode, buyer_state, buyer_country, salesperson_id, odometer_km)
           select d.id, $1, x.external_id, x.sale_date, x.delivery_date, x.sale_category, x.buyer_type,
                  x.buyer_postcode, x.buyer_state, x.buyer_country, x.salesperson_id, x.odometer_km
           from jsonb_to_recordset($2::jsonb) as x(dealer_code text, external_id text, sale_date date,
                  delivery_date date, sale_category text, buyer_type text, buyer_postcode text,
                  buyer_state text, buyer_country text, salesperson_id text, odometer_km integer)
           join dealers d on d.code = x.dealer_code
           order by d.id, x.external_id
           on conflict (dealer_id, source, external_id) do nothing
           returning 1)
         select count(*)::int as n from inserted`,
        [source, JSON.stringify(rows)],
      );
      return stored[0]?.n ?? 0;
    },
  };
}
