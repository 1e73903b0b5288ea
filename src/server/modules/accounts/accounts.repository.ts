import type { Queryable } from '../../db/db';
import type { ApiKey, User } from '../../../shared/schemas/accounts';

const USER_SELECT = `
  select u.id, u.email, u.name, u.role, r.code as "regionCode", d.code as "dealerCode",
         g.code as "dealerGroupCode", u.is_active as "isActive", to_json(u.created_at)#>>'{}' as "createdAt"
  from users u
  left join regions r on r.id = u.region_id
  left join dealers d on d.id = u.dealer_id
  left join dealer_groups g on g.id = u.dealer_group_id`;

const KEY_SELECT = `
  select k.id, k.name, k.prefix, k.role, r.code as "regionCode", d.code as "dealerCode",
         g.code as "dealerGroupCode", to_json(k.created_at)#>>'{}' as "createdAt",
         to_json(k.last_used_at)#>>'{}' as "lastUsedAt", to_json(k.revoked_at)#>>'{}' as "revokedAt"
  from api_keys k
  left join regions r on r.id = k.region_id
  left join dealers d on d.id = k.dealer_id
  left join dealer_groups g on g.id = k.dealer_group_id`;

export type PrincipalScopeIds = {
  regionId: number | null;
  dealerId: number | null;
  dealerGroupId: number | null;
};

export function createAccountsRepository(db: Queryable) {
  return {
    async resolveScopeIds(codes: {
      regionCode: string | null;
      dealerCode: string | null;
      dealerGroupCode: string | null;
    }) {
      const { rows } = await db.query<{
        region_id: number | null;
        dealer_id: number | null;
        dealer_group_id: number | null;
      }>(
        `select (select id from regions where code = $1) as region_id,
                (select id from dealers where code = $2) as dealer_id,
                (select id from dealer_groups where code = $3) as dealer_group_id`,
        [codes.regionCode, codes.dealerCode, codes.dealerGroupCode],
      );
      const row = rows[0]!;
      return {
        regionId: row.region_id,
        dealerId: row.dealer_id,
        dealerGroupId: row.dealer_group_id,
      };
    },

    async findUsers(): Promise<User[]> {
      return (await db.query<User>(`${USER_SELECT} order by u.id`)).rows;
    },

    async getUser(id: number): Promise<User | null> {
      return (await db.query<User>(`${USER_SELECT} where u.id = $1`, [id])).rows[0] ?? null;
    },

    async insertUser(
      input: {
        email: string;
        name: string;
        passwordHash: string;
        role: string;
      } & PrincipalScopeIds,
    ) {
      const { rows } = await db.query<{ id: number }>(
        `insert into users (email, name, password_hash, role, region_id, dealer_id, dealer_group_id)
         values ($1, $2, $3, $4, $5, $6, $7) returning id`,
        [
          input.email,
          input.name,
          input.passwordHash,
          input.role,
          input.regionId,
          input.dealerId,
          input.dealerGroupId,
        ],
      );
      return rows[0]!.id;
    },

    async updateUser(
      id: number,
      data: { name?: string; passwordHash?: string; isActive?: boolean },
    ) {
      const { rowCount } = await db.query(
        `update users set name = coalesce($2, name), password_hash = coalesce($3, password_hash),
                is_active = coalesce($4, is_active), updated_at = now() where id = $1`,
        [id, data.name ?? null, data.passwordHash ?? null, data.isActive ?? null],
      );
      if (data.isActive === false || data.passwordHash) {
        await db.query('delete from sessions where user_id = $1', [id]);
      }
      return rowCount;
    },

    async findApiKeys(): Promise<ApiKey[]> {
      return (await db.query<ApiKey>(`${KEY_SELECT} order by k.id`)).rows;
    },

    async getApiKey(id: number): Promise<ApiKey | null> {
      return (await db.query<ApiKey>(`${KEY_SELECT} where k.id = $1`, [id])).rows[0] ?? null;
    },

    async insertApiKey(
      input: {
        name: string;
        prefix: string;
        keyHash: string;
        role: string;
        createdBy: number | null;
      } & PrincipalScopeIds,
    ) {
      const { rows } = await db.query<{ id: number }>(
        `insert into api_keys (name, prefix, key_hash, role, region_id, dealer_id, dealer_group_id, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
        [
          input.name,
          input.prefix,
          input.keyHash,
          input.role,
          input.regionId,
          input.dealerId,
          input.dealerGroupId,
          input.createdBy,
        ],
      );
      return rows[0]!.id;
    },

    async revokeApiKey(id: number) {
      const { rowCount } = await db.query(
        'update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1',
        [id],
      );
      return rowCount;
    },
  };
}
