import type { Queryable } from '../../db/db';

/**
 * Which of these credentials still let their holder in: sessions (by token hash) that exist, have
 * not expired and belong to an active user; API keys (by id) not revoked. One query each, however
 * many streams ask (http/sse.ts re-checks its open streams with it every few seconds).
 */
export async function findLiveCredentials(
  db: Queryable,
  given: { sessionHashes: string[]; apiKeyIds: number[] },
): Promise<{ sessions: Set<string>; apiKeys: Set<number> }> {
  const [sessions, keys] = await Promise.all([
    given.sessionHashes.length === 0
      ? { rows: [] }
      : db.query<{ token_hash: string }>(
          `select s.token_hash from sessions s join users u on u.id = s.user_id
           where s.token_hash = any($1::text[]) and s.expires_at > now() and u.is_active`,
          [given.sessionHashes],
        ),
    given.apiKeyIds.length === 0
      ? { rows: [] }
      : db.query<{ id: number }>(
          `select id from api_keys where id = any($1::int[]) and revoked_at is null`,
          [given.apiKeyIds],
        ),
  ]);
  return {
    sessions: new Set(sessions.rows.map((r) => r.token_hash)),
    apiKeys: new Set(keys.rows.map((r) => r.id)),
  };
}
