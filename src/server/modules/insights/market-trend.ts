/**
 * The regional market trend of commitment risk (issue 14 §2): per dealer, the all-brand
 * registrations (market feed, module `market`) of its region's areas — the areas of
 * responsibility of every dealer in the dealer's region — in the last MARKET_MONTHS complete
 * months over the same months a year earlier. assess-drivers.ts turns the ratio into the driver's units.
 * Dealers whose region has no areas, or no registrations a year earlier, get none. Only the two
 * windows' months are read (not the six between them).
 */
import { addMonths } from '../../../shared/months';
import type { Queryable } from '../../db/db';

export const MARKET_MONTHS = 6;

export async function readMarketTrend(
  db: Queryable,
  basisMonth: string,
  dealerIds: number[],
): Promise<Map<number, { ratio: number; months: number }>> {
  if (dealerIds.length === 0) return new Map();
  const recentFrom = `${addMonths(basisMonth, -MARKET_MONTHS)}-01`;
  const yearFrom = `${addMonths(basisMonth, -MARKET_MONTHS - 12)}-01`;
  const yearTo = `${addMonths(basisMonth, -12)}-01`;
  const { rows } = await db.query<{ dealerId: number; recent: number; before: number }>(
    `with mine as (select id, region_id from dealers where id = any($1::int[])),
     areas as (
       select distinct d.region_id, da.area_code from dealer_areas da join dealers d on d.id = da.dealer_id
       where d.region_id in (select region_id from mine)),
     sums as (
       select a.region_id,
         coalesce(sum(m.units) filter (where m.month >= $2::date and m.month < $5::date), 0)::float8 as recent,
         coalesce(sum(m.units) filter (where m.month >= $3::date and m.month < $4::date), 0)::float8 as before
       from areas a join market_registrations m on m.area_code = a.area_code
       where ((m.month >= $3::date and m.month < $4::date) or (m.month >= $2::date and m.month < $5::date))
       group by 1)
     select mine.id as "dealerId", s.recent, s.before from mine join sums s on s.region_id = mine.region_id
     where s.before > 0 and s.recent > 0`,
    [dealerIds, recentFrom, yearFrom, yearTo, `${basisMonth}-01`],
  );
  return new Map(
    rows.map((r) => [r.dealerId, { ratio: r.recent / r.before, months: MARKET_MONTHS }]),
  );
}
