import type { Queryable } from '../../db/db';
import { scopeSql, type Scope } from '../../auth/actor';
import type { Dealer, DealerFilter, DealerGroup, Region } from '../../../shared/schemas/network';

export type DealerRef = {
  id: number;
  code: string;
  regionId: number;
  regionPath: string;
  dealerGroupId: number | null;
};

const DEALER_SELECT = `
  select d.code, d.name, r.code as "regionCode", r.name as "regionName", g.code as "dealerGroupCode",
         d.state_province as "stateProvince", d.city, d.country, d.erp_vendor_id as "erpVendorId", d.status
  from dealers d
  join regions r on r.id = d.region_id
  left join dealer_groups g on g.id = d.dealer_group_id`;

const SORTS: Record<DealerFilter['sort'], string> = {
  code: 'd.code',
  name: 'd.name, d.code',
  region: 'r.code, d.code',
  state: 'd.state_province, d.code',
};

export function createNetworkRepository(db: Queryable) {
  return {
    async findRegions(scope: Scope): Promise<Region[]> {
      const params: unknown[] = [];
      const visible = scopeSql(scope, 'd', params);
      const { rows } = await db.query<Region>(
        `select r.code, r.name, p.code as "parentCode", r.path, r.is_active as "isActive",
                (select count(*)::int from dealers d join regions dr on dr.id = d.region_id
                  where starts_with(dr.path, r.path) and ${visible}) as "dealerCount"
         from regions r left join regions p on p.id = r.parent_id
         order by r.path`,
        params,
      );
      return rows;
    },

    async getRegionByCode(code: string) {
      const { rows } = await db.query<{
        id: number;
        code: string;
        path: string;
        parent_id: number | null;
      }>('select id, code, path, parent_id from regions where code = $1', [code]);
      return rows[0] ?? null;
    },

    async insertRegion(input: {
      code: string;
      name: string;
      parentId: number | null;
      path: string;
    }) {
      await db.query('insert into regions (code, name, parent_id, path) values ($1, $2, $3, $4)', [
        input.code,
        input.name,
        input.parentId,
        input.path,
      ]);
    },

    async updateRegion(code: string, data: { name?: string; isActive?: boolean }) {
      const { rowCount } = await db.query(
        `update regions set name = coalesce($2, name), is_active = coalesce($3, is_active), updated_at = now()
         where code = $1`,
        [code, data.name ?? null, data.isActive ?? null],
      );
      return rowCount;
    },

    async findDealerGroups(scope: Scope): Promise<DealerGroup[]> {
      const params: unknown[] = [];
      const visible = scopeSql(scope, 'd', params);
      const { rows } = await db.query<DealerGroup>(
        `select g.code, g.name, g.is_active as "isActive", count(d.id)::int as "dealerCount"
         from dealer_groups g join dealers d on d.dealer_group_id = g.id and ${visible}
         group by g.id order by g.code`,
        params,
      );
      return rows;
    },

    async findAllDealerGroups(): Promise<DealerGroup[]> {
      const { rows } = await db.query<DealerGroup>(
        `select g.code, g.name, g.is_active as "isActive",
                (select count(*)::int from dealers d where d.dealer_group_id = g.id) as "dealerCount"
         from dealer_groups g order by g.code`,
      );
      return rows;
    },

    async getDealerGroupId(code: string): Promise<number | null> {
      const { rows } = await db.query<{ id: number }>(
        'select id from dealer_groups where code = $1',
        [code],
      );
      return rows[0]?.id ?? null;
    },

    async insertDealerGroup(input: { code: string; name: string }) {
      await db.query('insert into dealer_groups (code, name) values ($1, $2)', [
        input.code,
        input.name,
      ]);
    },

    async updateDealerGroup(code: string, data: { name?: string; isActive?: boolean }) {
      const { rowCount } = await db.query(
        `update dealer_groups set name = coalesce($2, name), is_active = coalesce($3, is_active), updated_at = now()
         where code = $1`,
        [code, data.name ?? null, data.isActive ?? null],
      );
      return rowCount;
    },

    async findDealers(
      scope: Scope,
      filter: DealerFilter,
    ): Promise<{ items: Dealer[]; total: number }> {
      const params: unknown[] = [];
      const where = [scopeSql(scope, 'd', params)];
      if (filter.q) {
        params.push(`%${filter.q}%`);
        where.push(
          `(d.code ilike $${params.length} or d.name ilike $${params.length} or d.city ilike $${params.length})`,
        );
      }
      if (filter.region) {
        params.push(filter.region);
        where.push(
          `starts_with(r.path, (select path from regions where code = $${params.length}))`,
        );
      }
      if (filter.dealerGroup) {
        params.push(filter.dealerGroup);
        where.push(`g.code = $${params.length}`);
      }
      if (filter.state) {
        params.push(filter.state);
        where.push(`d.state_province = $${params.length}`);
      }
      if (filter.status) {
        params.push(filter.status);
        where.push(`d.status = $${params.length}`);
      }
      const whereSql = where.join(' and ');
      const count = await db.query<{ n: number }>(
        `select count(*)::int as n from dealers d join regions r on r.id = d.region_id
         left join dealer_groups g on g.id = d.dealer_group_id where ${whereSql}`,
        params,
      );
      params.push(filter.limit, filter.offset);
      const { rows } = await db.query<Dealer>(
        `${DEALER_SELECT} where ${whereSql} order by ${SORTS[filter.sort]}
         limit $${params.length - 1} offset $${params.length}`,
        params,
      );
      return { items: rows, total: count.rows[0]?.n ?? 0 };
    },

    async getDealer(scope: Scope, code: string): Promise<Dealer | null> {
      const params: unknown[] = [code];
      const visible = scopeSql(scope, 'd', params);
      const { rows } = await db.query<Dealer>(
        `${DEALER_SELECT} where d.code = $1 and ${visible}`,
        params,
      );
      return rows[0] ?? null;
    },

    async getDealerRef(scope: Scope, code: string): Promise<DealerRef | null> {
      const params: unknown[] = [code];
      const visible = scopeSql(scope, 'd', params);
      const { rows } = await db.query<DealerRef>(
        `select d.id, d.code, d.region_id as "regionId", r.path as "regionPath", d.dealer_group_id as "dealerGroupId"
         from dealers d join regions r on r.id = d.region_id where d.code = $1 and ${visible}`,
        params,
      );
      return rows[0] ?? null;
    },

    async insertDealer(input: {
      code: string;
      name: string;
      regionId: number;
      dealerGroupId: number | null;
      stateProvince: string;
      city: string | null;
      country: string;
      erpVendorId: string | null;
    }) {
      await db.query(
        `insert into dealers (code, name, region_id, dealer_group_id, state_province, city, country, erp_vendor_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          input.code,
          input.name,
          input.regionId,
          input.dealerGroupId,
          input.stateProvince,
          input.city,
          input.country,
          input.erpVendorId,
        ],
      );
    },

    async updateDealer(
      id: number,
      data: {
        name?: string;
        regionId?: number;
        dealerGroupId?: number | null;
        stateProvince?: string;
        city?: string | null;
        country?: string;
        erpVendorId?: string | null;
        status?: string;
      },
    ) {
      const sets: string[] = [];
      const params: unknown[] = [id];
      const columns: Record<string, string> = {
        name: 'name',
        regionId: 'region_id',
        dealerGroupId: 'dealer_group_id',
        stateProvince: 'state_province',
        city: 'city',
        country: 'country',
        erpVendorId: 'erp_vendor_id',
        status: 'status',
      };
      for (const [key, column] of Object.entries(columns)) {
        const value = (data as Record<string, unknown>)[key];
        if (value === undefined) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      }
      if (sets.length === 0) return;
      await db.query(
        `update dealers set ${sets.join(', ')}, updated_at = now() where id = $1`,
        params,
      );
    },

    async getSettings() {
      const { rows } = await db.query<{ fiscalYearStartMonth: number; currency: string }>(
        'select fiscal_year_start_month as "fiscalYearStartMonth", currency from settings',
      );
      return rows[0]!;
    },

    async updateSettings(data: { fiscalYearStartMonth: number }) {
      await db.query('update settings set fiscal_year_start_month = $1, updated_at = now()', [
        data.fiscalYearStartMonth,
      ]);
    },
  };
}

export type NetworkRepository = ReturnType<typeof createNetworkRepository>;
