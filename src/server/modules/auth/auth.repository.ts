import type { Queryable } from '../../db/db';
import type { Role } from '../../../shared/permissions';

export type UserRow = {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  region_id: number | null;
  dealer_id: number | null;
  dealer_group_id: number | null;
  is_active: boolean;
  created_at: Date;
};

export type PrincipalRow = {
  id: number;
  name: string;
  role: Role;
  region_id: number | null;
  region_code: string | null;
  region_path: string | null;
  dealer_id: number | null;
  dealer_group_id: number | null;
  dealer_group_code: string | null;
  dealer_code: string | null;
  scoped_dealer_ids: number[] | null;
  scoped_dealer_codes: string[] | null;
};

const PRINCIPAL_COLUMNS = `
  p.region_id, r.code as region_code, r.path as region_path,
  p.dealer_id, d.code as dealer_code, p.dealer_group_id, g.code as dealer_group_code,
  case
    when p.dealer_id is not null then array[p.dealer_id]
    when p.dealer_group_id is not null then
      (select coalesce(array_agg(x.id order by x.id), '{}') from dealers x where x.dealer_group_id = p.dealer_group_id)
  end as scoped_dealer_ids,
  case
    when p.dealer_id is not null then array[d.code]
    when p.dealer_group_id is not null then
      (select coalesce(array_agg(x.code order by x.id), '{}') from dealers x where x.dealer_group_id = p.dealer_group_id)
  end as scoped_dealer_codes`;

/** The joins PRINCIPAL_COLUMNS reads from, on a principal `p` (a user or an API key). */
const PRINCIPAL_JOINS = `
  left join regions r on r.id = p.region_id
  left join dealers d on d.id = p.dealer_id
  left join dealer_groups g on g.id = p.dealer_group_id`;

export function createAuthRepository(db: Queryable) {
  return {
    async findUserByEmail(email: string): Promise<UserRow | null> {
      const { rows } = await db.query<UserRow>(
        'select * from users where lower(email) = lower($1)',
        [email],
      );
      return rows[0] ?? null;
    },

    async insertSession(input: {
      tokenHash: string;
      userId: number;
      csrfToken: string;
      expiresAt: Date;
    }): Promise<void> {
      await db.query(
        'insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, $4)',
        [input.tokenHash, input.userId, input.csrfToken, input.expiresAt],
      );
    },

    async deleteSession(tokenHash: string): Promise<void> {
      await db.query('delete from sessions where token_hash = $1', [tokenHash]);
    },

    async findSessionPrincipal(tokenHash: string): Promise<
      | (PrincipalRow & {
          csrf_token: string;
          expires_at: Date;
          last_seen_at: Date;
          is_active: boolean;
        })
      | null
    > {
      const { rows } = await db.query<
        PrincipalRow & {
          csrf_token: string;
          expires_at: Date;
          last_seen_at: Date;
          is_active: boolean;
        }
      >(
        `select p.id, p.name, p.role, p.is_active, s.csrf_token, s.expires_at, s.last_seen_at, ${PRINCIPAL_COLUMNS}
         from sessions s
         join users p on p.id = s.user_id ${PRINCIPAL_JOINS}
         where s.token_hash = $1`,
        [tokenHash],
      );
      return rows[0] ?? null;
    },

    async touchSession(tokenHash: string, expiresAt: Date): Promise<void> {
      await db.query(
        'update sessions set last_seen_at = now(), expires_at = $2 where token_hash = $1',
        [tokenHash, expiresAt],
      );
    },

    async findApiKeyPrincipal(
      prefix: string,
    ): Promise<(PrincipalRow & { key_hash: string; revoked_at: Date | null }) | null> {
      const { rows } = await db.query<PrincipalRow & { key_hash: string; revoked_at: Date | null }>(
        `select p.id, p.name, p.role, p.key_hash, p.revoked_at, ${PRINCIPAL_COLUMNS}
         from api_keys p ${PRINCIPAL_JOINS}
         where p.prefix = $1`,
        [prefix],
      );
      return rows[0] ?? null;
    },

    async touchApiKey(id: number): Promise<void> {
      await db.query(
        `update api_keys set last_used_at = now()
         where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
        [id],
      );
    },
  };
}

export type AuthRepository = ReturnType<typeof createAuthRepository>;
