/**
 * The demo network's all-brand market (issue 14 §3), consistent with the deliveries the generator
 * made. Each active dealer gets one area of responsibility (a postcode: 10000 + its id, named
 * after its city). The area's all-brand registrations of a segment and month are the dealer's own
 * sales of that segment divided by the brand's share of the segment in the dealer's region (6–16 %,
 * fixed per region and segment) and by the dealer's hidden effectiveness (about log-normal, σ ≈
 * 0.2, fixed per dealer), times a month's noise of ±10 %; plus the segments the brand does not sell
 * (a `minivan` and a `luxury-sedan` market, about a tenth of the area's registrations each). So
 * measured effectiveness spreads around 1.0 the way a real network's does, and a segment's share
 * differs by region. Set-based SQL only: deterministic (hashes of codes), a few statements.
 */
import type { Db } from '../../db/db';

/** u(x) in [0, 1): a deterministic hash of a text. */
const u = (x: string) => `((abs(hashtext(${x})) % 100000) / 100000.0)`;

export function seedMarket(database: Db): Promise<{ areas: number; registrations: number }> {
  return database.transaction(async (db) => {
    const areas = await db.query(
      `insert into market_areas (code, name, kind)
       select lpad((10000 + d.id)::text, 5, '0'), coalesce(d.city, d.code) || ', ' || d.state_province, 'postcode'
       from dealers d where d.status = 'active'
       on conflict (code) do nothing`,
    );
    await db.query(
      `insert into dealer_areas (dealer_id, area_code)
       select d.id, lpad((10000 + d.id)::text, 5, '0') from dealers d where d.status = 'active'
       on conflict do nothing`,
    );
    const registrations = await db.query(
      `with sold as (
         select m.dealer_id, ml.segment, m.month, sum(m.quantity) as units
         from monthly_actuals m join skus s on s.id = m.sku_id join model_lines ml on ml.id = s.model_line_id
         where m.kind in ('retail_delivery', 'unwind') group by 1, 2, 3),
       market as (
         select lpad((10000 + d.id)::text, 5, '0') as area, x.segment, x.month,
           greatest(0, x.units) / (0.06 + 0.10 * ${u(`g.code || x.segment`)})
             / exp(0.2 * (${u(`d.code || 'a'`)} + ${u(`d.code || 'b'`)} + ${u(`d.code || 'c'`)} - 1.5) * 2)
             * (0.9 + 0.2 * ${u(`d.code || x.segment || x.month::text`)}) as units
         from sold x join dealers d on d.id = x.dealer_id join regions g on g.id = d.region_id
         where d.status = 'active'),
       other as (
         select area, o.segment, month, sum(units) * (0.07 + 0.06 * ${u(`area || o.segment || month::text`)}) as units
         from market, (values ('minivan'), ('luxury-sedan')) o(segment) group by area, o.segment, month)
       insert into market_registrations (area_code, segment, month, units, source)
       select area, segment, month, round(units)::int, 'demo' from market
       union all select area, segment, month, round(units)::int, 'demo' from other
       on conflict do nothing`,
    );
    return { areas: areas.rowCount ?? 0, registrations: registrations.rowCount ?? 0 };
  });
}
