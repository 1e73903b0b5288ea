import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { AppError } from '../../../shared/errors';
import { isDealerRole } from '../../../shared/permissions';
import type { Actor, Scope } from '../../auth/actor';
import type { Db } from '../../db/db';
import { systemDb } from '../../db/scope';
import { recordAudit, recentSignInFailures } from '../audit/audit.repository';
import { createAuthRepository, type PrincipalRow } from './auth.repository';
import { createCredentialCache } from './credential-cache';

export const SESSION_COOKIE = 'fc_session';
export const CSRF_HEADER = 'x-csrf-token';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** argon2id with the library's recommended parameters (OWASP: m=64 MiB, t=3, p=4). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

// A fixed hash to verify against when the e-mail is unknown, so timing does not tell.
let dummyHash: Promise<string> | undefined;

export function principalScope(row: PrincipalRow): Scope {
  if (isDealerRole(row.role) || row.dealer_id !== null || row.dealer_group_id !== null) {
    return {
      kind: 'dealers',
      dealerIds: row.scoped_dealer_ids ?? [],
      dealerCodes: row.scoped_dealer_codes ?? [],
      label: row.dealer_code ?? row.dealer_group_code ?? 'none',
    };
  }
  if (row.region_id !== null && row.region_path && row.region_code) {
    return {
      kind: 'region',
      regionId: row.region_id,
      regionCode: row.region_code,
      path: row.region_path,
    };
  }
  return { kind: 'network' };
}

/** Where a sign-in came from (recorded in the audit log). */
export type SignInClient = { address: string; userAgent: string | null };

/**
 * The per-account login limit: at most `maxFailures` failed sign-ins of one e-mail in any
 * `windowMinutes`, from whatever addresses (password spraying). Attempts refused by the limit do
 * not count, so the account opens again as its failures age out: a slow-down, not a lock-out.
 */
export type AccountLimit = { maxFailures: number; windowMinutes: number };

export function createAuthService(deps: {
  db: Db;
  sessionTtlHours: number;
  accountLimit?: AccountLimit;
  /** how long a signed-in actor is kept in the process (credential-cache.ts); 0: not at all */
  actorCacheMs?: number;
}) {
  // sign-ins, sessions, keys and their audit entries: every statement of this service, looked up
  // before any scope exists: as the system
  const db = systemDb(deps.db);
  const repo = createAuthRepository(db);
  const ttlMs = deps.sessionTtlHours * 3600_000;
  const limit = deps.accountLimit ?? { maxFailures: 10, windowMinutes: 15 };
  const cache = createCredentialCache({ db, ttlMs: deps.actorCacheMs ?? 0 });
  // Sign-ins of one e-mail run in turn in this process, so concurrent guesses cannot all pass
  // the limit's count before any of them is recorded.
  const inFlight = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = inFlight.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    inFlight.set(key, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (inFlight.get(key) === next) inFlight.delete(key);
      });
    return next;
  }

  async function attempt(input: { email: string; password: string }, client: SignInClient) {
    const email = input.email.toLowerCase();
    const seen = { email, address: client.address, userAgent: client.userAgent };
    const failures = await recentSignInFailures(db, email, limit.windowMinutes);
    const user = await repo.findUserByEmail(input.email);
    if (failures.count >= limit.maxFailures) {
      const reopens = (failures.oldest?.getTime() ?? Date.now()) + limit.windowMinutes * 60_000;
      const retryAfterSeconds = Math.max(1, Math.ceil((reopens - Date.now()) / 1000));
      await recordAudit(db, { kind: 'sign_in.limited', userId: user?.id, ...seen });
      throw new AppError(
        'RATE_LIMITED',
        `Too many failed sign-ins for this account; try again in ${retryAfterSeconds} seconds`,
        { retryAfterSeconds },
      );
    }
    dummyHash ??= hashPassword(randomToken());
    const hash = user?.password_hash ?? (await dummyHash);
    const ok = await argon2.verify(hash, input.password).catch(() => false);
    if (!user || !ok || !user.is_active) {
      const reason = !user ? 'unknown_account' : !ok ? 'wrong_password' : 'inactive';
      await recordAudit(db, {
        kind: 'sign_in.failed',
        userId: user?.id,
        ...seen,
        details: { reason },
      });
      throw new AppError('INVALID_CREDENTIALS', 'The e-mail or password is not right');
    }
    const token = randomToken();
    const csrfToken = randomToken(18);
    const expiresAt = new Date(Date.now() + ttlMs);
    await db.transaction(async (tx) => {
      await createAuthRepository(tx).insertSession({
        tokenHash: sha256(token),
        userId: user.id,
        csrfToken,
        expiresAt,
      });
      await recordAudit(tx, { kind: 'sign_in.succeeded', userId: user.id, ...seen });
    });
    return { token, csrfToken, expiresAt, userId: user.id };
  }

  return {
    /**
     * Verifies the password and opens a session (recorded in the audit log, as is a failure).
     * Returns the raw token for the cookie. RATE_LIMITED when the account's limit is reached.
     */
    login(input: { email: string; password: string }, client: SignInClient) {
      return oneAtATime(input.email.toLowerCase(), () => attempt(input, client));
    },

    async logout(token: string): Promise<void> {
      const tokenHash = sha256(token);
      await repo.deleteSession(tokenHash);
      cache.drop(`s:${tokenHash}`);
      // answered once the announcement went round (credential-cache.ts)
      await cache.settle();
    },

    /** The actor of a session cookie; throws SESSION_EXPIRED when it has lapsed. */
    async actorFromSession(token: string): Promise<Actor> {
      const tokenHash = sha256(token);
      const key = `s:${tokenHash}`;
      const kept = cache.get(key);
      if (kept) return kept.actor;
      const begun = cache.begin();
      const row = await repo.findSessionPrincipal(tokenHash);
      if (!row || !row.is_active) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      const now = Date.now();
      if (row.expires_at.getTime() <= now) {
        await repo.deleteSession(tokenHash);
        throw new AppError('SESSION_EXPIRED', 'Your session has expired; sign in again');
      }
      // Sliding expiry, written at most once a minute.
      let expiresAt = row.expires_at.getTime();
      if (now - row.last_seen_at.getTime() > 60_000) {
        expiresAt = now + ttlMs;
        await repo.touchSession(tokenHash, new Date(expiresAt));
      }
      const actor: Actor = {
        kind: 'user',
        id: row.id,
        name: row.name,
        role: row.role,
        scope: principalScope(row),
        csrfToken: row.csrf_token,
      };
      cache.keep(key, begun, { actor, owner: `u:${row.id}`, expiresAt });
      return actor;
    },

    /** The actor of an API key `fc_<prefix>_<secret>`, stored as a SHA-256 hash. */
    async actorFromApiKey(key: string): Promise<Actor> {
      const given = sha256(key);
      const kept = cache.get(`k:${given}`);
      if (kept) return kept.actor;
      const begun = cache.begin();
      const match = /^fc_([a-z0-9]{8})_([A-Za-z0-9_-]{20,})$/.exec(key);
      const row = match ? await repo.findApiKeyPrincipal(match[1]!) : null;
      if (
        !row ||
        !timingSafeEqual(Buffer.from(given), Buffer.from(row.key_hash)) ||
        row.revoked_at
      ) {
        throw new AppError('UNAUTHENTICATED', 'The API key is not valid or has been revoked');
      }
      await repo.touchApiKey(row.id);
      const actor: Actor = {
        kind: 'api_key',
        id: row.id,
        name: row.name,
        role: row.role,
        scope: principalScope(row),
        csrfToken: null,
      };
      cache.keep(`k:${given}`, begun, {
        actor,
        owner: `k:${row.id}`,
        expiresAt: Number.POSITIVE_INFINITY,
      });
      return actor;
    },

    /** Starts the actor cache's LISTEN (the cache serves nothing before). */
    startCache: () => cache.start(),

    /**
     * Resolves once every credential change committed before the call is in effect in this
     * process (accounts: a deactivation, a password reset, a revoked key answer after it).
     */
    settle: () => cache.settle(),

    closeCache: () => cache.close(),

    /** How many actors this process keeps (for tests). */
    get cachedActors() {
      return cache.size;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
