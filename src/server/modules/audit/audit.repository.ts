import type { Queryable } from '../../db/db';
import type { Actor } from '../../auth/actor';
import type { AuditEntry, AuditKind, AuditQuery } from '../../../shared/schemas/audit';

export type AuditRecord = {
  kind: AuditKind;
  /** who acted (absent: an anonymous sign-in attempt, or the system) */
  actor?: Actor | null;
  userId?: number | null;
  apiKeyId?: number | null;
  email?: string | null;
  address?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
};

/**
 * Appends one entry. Pass the transaction of the change it records, so both commit or neither.
 */
export async function recordAudit(q: Queryable, entry: AuditRecord): Promise<void> {
  const actor = entry.actor && entry.actor.id > 0 ? entry.actor : null;
  await q.query(
    `insert into audit_log (kind, actor_user_id, actor_api_key_id, user_id, api_key_id, email, address, user_agent, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [
      entry.kind,
      actor?.kind === 'user' ? actor.id : null,
      actor?.kind === 'api_key' ? actor.id : null,
      entry.userId ?? null,
      entry.apiKeyId ?? null,
      entry.email ?? null,
      entry.address ?? null,
      entry.userAgent?.slice(0, 500) ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

/** Failed sign-ins of one e-mail since `since`: how many, and when the oldest of them was. */
export async function recentSignInFailures(
  q: Queryable,
  email: string,
  sinceMinutes: number,
): Promise<{ count: number; oldest: Date | null }> {
  const { rows } = await q.query<{ count: number; oldest: Date | null }>(
    `select count(*)::int as count, min(at) as oldest from audit_log
     where kind = 'sign_in.failed' and email = $1 and at > now() - make_interval(mins => $2)`,
    [email, sinceMinutes],
  );
  return rows[0] ?? { count: 0, oldest: null };
}

export function createAuditRepository(db: Queryable) {
  return {
    async find(filter: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
      const params: unknown[] = [];
      const where: string[] = [];
      if (filter.kind) {
        params.push(filter.kind);
        where.push(
          `(a.kind = $${params.length} or split_part(a.kind, '.', 1) = $${params.length})`,
        );
      }
      if (filter.user) {
        params.push(filter.user);
        where.push(`(a.user_id = $${params.length} or a.actor_user_id = $${params.length})`);
      }
      if (filter.from) {
        params.push(filter.from);
        where.push(`a.at >= $${params.length}::timestamptz`);
      }
      if (filter.to) {
        params.push(filter.to);
        where.push(`a.at < $${params.length}::timestamptz`);
      }
      const clause = where.length ? `where ${where.join(' and ')}` : '';
      const total = await db.query<{ n: number }>(
        `select count(*)::int as n from audit_log a ${clause}`,
        params,
      );
      const { rows } = await db.query<AuditEntry>(
        `select a.id::text, to_json(a.at)#>>'{}' as at, a.kind,
                a.actor_user_id as "actorUserId", a.actor_api_key_id as "actorApiKeyId",
                coalesce(au.name, ak.name) as "actorName",
                a.user_id as "userId", u.name as "userName", a.api_key_id as "apiKeyId", k.name as "apiKeyName",
                a.email, a.address, a.user_agent as "userAgent", a.details
         from audit_log a
         left join users au on au.id = a.actor_user_id
         left join api_keys ak on ak.id = a.actor_api_key_id
         left join users u on u.id = a.user_id
         left join api_keys k on k.id = a.api_key_id
         ${clause}
         order by a.at desc, a.id desc
         limit $${params.length + 1} offset $${params.length + 2}`,
        [...params, filter.limit, filter.offset],
      );
      return { items: rows, total: total.rows[0]!.n };
    },
  };
}
