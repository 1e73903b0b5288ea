/**
 * Signed-in actors kept in the process for a few seconds (issue 18: at 100 dealers at once every
 * request read its session, joined to the user and its scope, before doing anything else).
 *
 * Revocation stays immediate. Migration 0042's triggers announce on `forecourt_auth`, when their
 * transaction commits, every change that ends a credential or alters its actor (logout, expiry
 * clean-up, deactivation, password or role change, key revocation, a change of what a scope is
 * made of), however it is made; every process LISTENs and drops what it kept. The cache serves
 * only while that LISTEN is up: a lost connection (NOTIFYs sent meanwhile are missed) empties it
 * and every request reads the database until the LISTEN is back. A lookup that was under way when
 * any announcement arrived is not kept (it may have read the state before the change). Entries
 * live `ttlMs` at most, so the sliding expiry's write (at most once a minute) and a session's own
 * expiry are still seen by the database path.
 *
 * `settle()` waits until everything committed before it has been heard by this process (its own
 * NOTIFY comes back after every earlier one): a logout or an account change answers only once this
 * process has dropped the credential, and since PostgreSQL signals every listening process at the
 * commit, the other processes have been sent the same announcement by then; each drops it when the
 * announcement arrives (delivery is asynchronous: milliseconds on one machine, so a request that
 * reaches another process in that instant can still be served; tests wait with that process's
 * `settle()`).
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';

export const AUTH_CHANNEL = 'forecourt_auth';

type Kept = {
  actor: Actor;
  /** what an announcement names: `u:<user id>` for a session, `k:<key id>` for an API key */
  owner: string;
  /** the credential's own expiry (ms since the epoch) */
  expiresAt: number;
  /** when this entry stops being served */
  keptUntil: number;
};

export type CredentialCache = ReturnType<typeof createCredentialCache>;

export function createCredentialCache(deps: {
  db: Db;
  /** how long an actor is kept; 0 turns the cache off */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? 20_000;
  /** 's:<token hash>' or 'k:<key hash>' → the kept actor */
  const entries = new Map<string, Kept>();
  let isListening = false;
  /** bumped by every announcement: a lookup that saw it change is not kept */
  let generation = 0;
  let stop: Promise<(() => Promise<void>) | null> | null = null;
  const waiting = new Map<string, () => void>();

  function dropOwner(owner: string) {
    for (const [key, kept] of entries) if (kept.owner === owner) entries.delete(key);
  }

  function onMessage(payload: string) {
    generation++;
    const settled = waiting.get(payload);
    if (settled) {
      waiting.delete(payload);
      settled();
      return;
    }
    // another process's settle()
    if (payload.startsWith('settle:')) return;
    if (payload.startsWith('s:')) entries.delete(payload);
    else if (payload.startsWith('u:') || payload.startsWith('k:')) dropOwner(payload);
    else entries.clear();
  }

  function onState(isUp: boolean) {
    generation++;
    entries.clear();
    isListening = isUp;
  }

  return {
    /** Starts listening (once); the cache serves from when the LISTEN is in place. */
    start(): Promise<void> {
      if (deps.ttlMs <= 0) return Promise.resolve();
      stop ??= deps.db
        .listen(AUTH_CHANNEL, onMessage, onState)
        .then((stopListening) => {
          isListening = true;
          return stopListening;
        })
        .catch((error: Error) => {
          process.emitWarning(`credential cache off: LISTEN failed: ${error.message}`);
          return null;
        });
      return stop.then(() => undefined);
    },

    /** The kept actor of `key`, if it may be served. */
    get(key: string): Kept | undefined {
      if (!isListening) return undefined;
      const kept = entries.get(key);
      if (!kept) return undefined;
      const t = now();
      if (kept.keptUntil <= t || kept.expiresAt <= t) {
        entries.delete(key);
        return undefined;
      }
      return kept;
    },

    /** Marks the start of a database lookup; pass it to keep(). */
    begin(): number {
      return generation;
    },

    /** Keeps a looked-up actor, unless an announcement arrived since `begin()`. */
    keep(key: string, begun: number, value: Omit<Kept, 'keptUntil'>) {
      if (!isListening || begun !== generation) return;
      entries.delete(key);
      entries.set(key, { ...value, keptUntil: now() + deps.ttlMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },

    /** Drops `key` in this process at once (the announcement does the same everywhere). */
    drop(key: string) {
      generation++;
      entries.delete(key);
    },

    /**
     * Resolves once every announcement committed before the call has reached this process (or
     * after `timeoutMs`, when the LISTEN is not up: nothing is served from the cache then).
     */
    async settle(timeoutMs = 2000): Promise<void> {
      if (!isListening) return;
      const token = `settle:${randomBytes(9).toString('base64url')}`;
      const heard = new Promise<void>((resolve) => waiting.set(token, resolve));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          // not heard in time: serve nothing kept before now
          waiting.delete(token);
          generation++;
          entries.clear();
          resolve();
        }, timeoutMs);
      });
      await deps.db.query('select pg_notify($1, $2)', [AUTH_CHANNEL, token]);
      await Promise.race([heard, late]);
      clearTimeout(timer);
    },

    /** How many actors are kept (for tests). */
    get size() {
      return entries.size;
    },

    async close(): Promise<void> {
      isListening = false;
      entries.clear();
      const stopping = await stop;
      stop = null;
      await stopping?.();
    },
  };
}
