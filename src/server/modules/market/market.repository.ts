/** All SQL of the market: areas, all-brand registrations, dealers' areas, the effectiveness inputs. */
import { scopeDealerIdSql, scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';

export type MarketWrite = {
  area: string;
  areaName: string | null;
  areaKind: 'postcode' | 'county';
  segment: string;
  month: string;
  units: number;
};

export type EffectivenessRow = {
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  regionCode: string;
  areas: number;
  segment: string | null;
  sales: number;
  market: number;
  regionSales: number;
  regionMarket: number;
};

export function createMarketRepository(db: Queryable) {
  return {
    /** Inserts new areas and registrations, replaces changed units; counts what changed. */
    async upsert(rows: MarketWrite[], source: string): Promise<{ areas: number; changed: number }> {
      const { rows: areas } = await db.query<{ n: number }>(
        `with x as (select distinct on (area) area, "areaName", "areaKind" from jsonb_to_recordset($1::jsonb)
                      as x(area text, "areaName" text, "areaKind" text) order by area, "areaName" nulls last),
              ins as (insert into market_areas (code, name, kind) select area, coalesce("areaName", area), "areaKind" from x
                      order by area on conflict (code) do nothing returning 1)
         select count(*)::int as n from ins`,
        [JSON.stringify(rows)],
      );
      const { rows: changed } = await db.query<{ n: number }>(
        `with ins as (
           insert into market_registrations (area_code, segment, month, units, source)
           select x.area, x.segment, (x.month || '-01')::date, x.units, $2
           from jsonb_to_recordset($1::jsonb) as x(area text, segment text, month text, units integer)
           order by 1, 2, 3
           on conflict (area_code, segment, month) do update set units = excluded.units, source = excluded.source, updated_at = now()
             where market_registrations.units <> excluded.units
           returning 1)
         select count(*)::int as n from ins`,
        [JSON.stringify(rows), source],
      );
      return { areas: areas[0]?.n ?? 0, changed: changed[0]?.n ?? 0 };
    },

    async latestMonth(): Promise<string | null> {
      const { rows } = await db.query<{ m: string | null }>(
        `select to_char(max(month), 'YYYY-MM') as m from market_registrations`,
      );
      return rows[0]?.m ?? null;
    },

    async registrations(filter: {
      area?: string;
      segment?: string;
      from?: string;
      to?: string;
      /** only these dealers' areas */
      dealerIds?: number[];
      limit: number;
    }) {
      const params: unknown[] = [];
      const where: string[] = [];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.area) add('r.area_code = ?', filter.area);
      if (filter.segment) add('r.segment = ?', filter.segment);
      if (filter.from) add(`r.month >= (? || '-01')::date`, filter.from);
      if (filter.to) add(`r.month <= (? || '-01')::date`, filter.to);
      if (filter.dealerIds)
        add(
          'r.area_code in (select area_code from dealer_areas where dealer_id = any(?::int[]))',
          filter.dealerIds,
        );
      params.push(filter.limit);
      const { rows } = await db.query<{
        area: string;
        areaName: string;
        segment: string;
        month: string;
        units: number;
      }>(
        `select r.area_code as area, a.name as "areaName", r.segment, to_char(r.month, 'YYYY-MM') as month, r.units
         from market_registrations r join market_areas a on a.code = r.area_code
         ${where.length ? `where ${where.join(' and ')}` : ''}
         order by r.month desc, r.area_code, r.segment limit $${params.length}`,
        params,
      );
      return rows;
    },

    async dealerInScope(scope: Scope, code: string) {
      const params: unknown[] = [code];
      const { rows } = await db.query<{ id: number; code: string }>(
        `select d.id, d.code from dealers d where d.code = $1 and ${scopeSql(scope, 'd', params)}`,
        params,
      );
      return rows[0] ?? null;
    },

    async dealerAreas(dealerId: number) {
      const { rows } = await db.query<{ code: string; name: string; kind: 'postcode' | 'county' }>(
        `select a.code, a.name, a.kind from dealer_areas x join market_areas a on a.code = x.area_code
         where x.dealer_id = $1 order by a.code`,
        [dealerId],
      );
      return rows;
    },

    async knownAreas(codes: string[]): Promise<Set<string>> {
      const { rows } = await db.query<{ code: string }>(
        `select code from market_areas where code = any($1::text[])`,
        [codes],
      );
      return new Set(rows.map((r) => r.code));
    },

    async replaceDealerAreas(dealerId: number, codes: string[]) {
      await db.query(`delete from dealer_areas where dealer_id = $1`, [dealerId]);
      await db.query(
        `insert into dealer_areas (dealer_id, area_code) select $1, unnest($2::text[]) on conflict do nothing`,
        [dealerId, codes],
      );
    },

    /**
     * Per dealer in scope and segment: its sales (retail deliveries net of unwinds), the
     * all-brand registrations of its areas, and its region's brand sales (dealers with areas) and
     * registrations (the distinct areas of the region's dealers), from `from` to `to` (months).
     * Read as the system: the region's figures sum other dealers' sales.
     *
     * Each aggregate reads the peers' rows only: the dealers of the rows' regions (`region_id`),
     * all that a row's figures depend on (its own sales and areas, its region's). For a region
     * scope they are the scope's dealers (its subtree holds every dealer of its regions), for one
     * dealer those of its region; the whole network's were summed whatever the scope.
     */
    async effectiveness(scope: Scope, from: string, to: string, dealerId?: number) {
      const params: unknown[] = [`${from}-01`, `${to}-01`];
      const dealerFilter = dealerId === undefined ? '' : `and d.id = $${params.push(dealerId)}`;
      const everyone = scope.kind === 'network' && dealerId === undefined;
      const peers = (column: string) =>
        dealerId === undefined && scope.kind !== 'dealers'
          ? scopeDealerIdSql(scope, column, params)
          : `${column} in (select p.id from dealers p where p.region_id in
               (select d.region_id from dealers d where ${scopeSql(scope, 'd', params)} ${dealerFilter}))`;
      const { rows } = await db.query<EffectivenessRow>(
        `with sales as (
           select a.dealer_id, ml.segment, sum(a.quantity)::int as units
           from monthly_actuals a join skus s on s.id = a.sku_id join model_lines ml on ml.id = s.model_line_id
           where a.kind in ('retail_delivery', 'unwind') and a.month between $1::date and $2::date
             and ${peers('a.dealer_id')}
           group by 1, 2),
         peer_areas as (
           select x.dealer_id, x.area_code from dealer_areas x where ${peers('x.dealer_id')}),
         area_market as (
           select area_code, segment, sum(units)::bigint as units from market_registrations
           where month between $1::date and $2::date
             ${everyone ? '' : 'and area_code in (select area_code from peer_areas)'}
           group by 1, 2),
         dealer_market as (
           select x.dealer_id, m.segment, sum(m.units)::bigint as units
           from peer_areas x join area_market m on m.area_code = x.area_code group by 1, 2),
         region_areas as (
           select distinct d.region_id, x.area_code from peer_areas x join dealers d on d.id = x.dealer_id),
         region_market as (
           select r.region_id, m.segment, sum(m.units)::bigint as units
           from region_areas r join area_market m on m.area_code = r.area_code group by 1, 2),
         region_sales as (
           select d.region_id, s.segment, sum(s.units)::bigint as units
           from sales s join dealers d on d.id = s.dealer_id
           where exists (select 1 from dealer_areas x where x.dealer_id = d.id) group by 1, 2),
         cells as (
           select coalesce(s.dealer_id, m.dealer_id) as dealer_id, coalesce(s.segment, m.segment) as segment,
             coalesce(s.units, 0) as sales, coalesce(m.units, 0) as market
           from sales s full join dealer_market m on m.dealer_id = s.dealer_id and m.segment = s.segment)
         select d.id as "dealerId", d.code as "dealerCode", d.name as "dealerName", g.code as "regionCode",
           (select count(*)::int from dealer_areas x where x.dealer_id = d.id) as areas,
           c.segment, coalesce(c.sales, 0)::int as sales, coalesce(c.market, 0)::int as market,
           coalesce(rs.units, 0)::int as "regionSales", coalesce(rm.units, 0)::int as "regionMarket"
         from dealers d join regions g on g.id = d.region_id
         left join cells c on c.dealer_id = d.id
         left join region_sales rs on rs.region_id = d.region_id and rs.segment = c.segment
         left join region_market rm on rm.region_id = d.region_id and rm.segment = c.segment
         where d.status = 'active' ${dealerFilter} and ${scopeSql(scope, 'd', params)}
         order by d.code, c.segment`,
        params,
      );
      return rows;
    },
  };
}
