/**
 * The database scope of the work in progress: row-level security's half of "a dealer sees only its
 * dealers" (migration 0017). Each request runs in an AsyncLocalStorage context holding its actor's
 * scope; the Db adapters put it on the connection before the statements run, so the policies
 * restrict rows to it whatever the service's own SQL asked for.
 *
 * - `app`: the role `forecourt_app` with `forecourt.scope` set to `all`, `dealers:1,2,3`,
 *   `region:<id>` or '' (nothing: a request before authentication, which sees no tenant rows).
 * - `system`: the connecting role (the owner of the tables), which row-level security does not
 *   restrict: migrations, jobs, roll-ups, the demo seed, the CLI, and work outside any request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../../shared/errors';
import type { Scope } from '../auth/actor';
import type { Db, Queryable } from './db';

export type DbScope = { role: 'system' } | { role: 'app'; setting: string };

/**
 * What a request's context holds; the auth hook fills it in once the actor is known.
 * `readsReplica`: heavy reads of this request may go to the read replica (db/read-replica.ts).
 * `statementTimeoutMs`: the longest one statement of this work may run (the request's
 * DATABASE_STATEMENT_TIMEOUT_MS; absent or 0: no limit). Work run as the system (`runAsSystem`:
 * jobs, roll-ups, the feed's write path) gets a holder of its own, without one.
 */
export type ScopeHolder = { current: DbScope; readsReplica?: boolean; statementTimeoutMs?: number };

export const SYSTEM_DB_SCOPE: DbScope = { role: 'system' };
/** An app connection with no scope: the policies show no tenant rows (fail closed). */
export const UNSET_DB_SCOPE: DbScope = { role: 'app', setting: '' };
export const APP_ROLE = 'forecourt_app';

const storage = new AsyncLocalStorage<ScopeHolder>();

/** The scope the current work runs in; outside any context, the system's. */
export function currentDbScope(): DbScope {
  return storage.getStore()?.current ?? SYSTEM_DB_SCOPE;
}

/** The current request's holder (undefined outside any request). */
export function currentScopeHolder(): ScopeHolder | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it starts) in `holder`'s scope; the holder may change later. */
export function runInScope<T>(holder: ScopeHolder, fn: () => T): T {
  return storage.run(holder, fn);
}

/** Runs `fn` as the system: jobs, roll-ups, LISTEN callbacks, the ingest's write path. */
export function runAsSystem<T>(fn: () => T): T {
  return storage.run({ current: SYSTEM_DB_SCOPE }, fn);
}

const settings = new WeakMap<Scope, DbScope>();

/** The database scope of an actor's scope (computed once per scope object). */
export function dbScopeOf(scope: Scope): DbScope {
  let found = settings.get(scope);
  if (!found) {
    found = { role: 'app', setting: scopeSetting(scope) };
    settings.set(scope, found);
  }
  return found;
}

function scopeSetting(scope: Scope): string {
  switch (scope.kind) {
    case 'network':
      return 'all';
    case 'region':
      return `region:${Math.trunc(scope.regionId)}`;
    case 'dealers':
      return `dealers:${scope.dealerIds.map((id) => Math.trunc(id)).join(',')}`;
  }
}

export type ConnectionSettings = { role: string; setting: string; timeout: string; key: string };

/**
 * The role, the `forecourt.scope` value and the `statement_timeout` (ms, '0': none) to set for
 * `scope` (a key: the same three, same key).
 */
export function connectionSettings(scope: DbScope, statementTimeoutMs = 0): ConnectionSettings {
  const role = scope.role === 'system' ? 'none' : APP_ROLE;
  const setting = scope.role === 'system' ? '' : scope.setting;
  const timeout = String(Math.max(0, Math.trunc(statementTimeoutMs)));
  return { role, setting, timeout, key: `${role}|${setting}|${timeout}` };
}

/**
 * The settings of the work in progress: its scope and its statement timeout. `withoutTimeout`: a
 * streamed COPY … TO STDOUT, whose pace is its reader's (an export to a slow client), runs unlimited.
 */
export function currentConnectionSettings({
  withoutTimeout = false,
}: { withoutTimeout?: boolean } = {}): ConnectionSettings {
  const holder = storage.getStore();
  return connectionSettings(
    holder?.current ?? SYSTEM_DB_SCOPE,
    withoutTimeout ? 0 : (holder?.statementTimeoutMs ?? 0),
  );
}

/**
 * One statement setting role, scope and statement timeout, session-wide (`isLocal` false) or for
 * the transaction: parameters role, scope, isLocal, timeout.
 */
export const SET_SCOPE_SQL = `select set_config('role', $1, $3), set_config('forecourt.scope', $2, $3), set_config('statement_timeout', $4, $3)`;

/**
 * `db` with every call run as the system: for the modules whose work is the system's whatever the
 * request (the auth service looks up sessions, keys and passwords before any scope exists).
 */
export function systemDb(db: Db): Db {
  return {
    engine: db.engine,
    connectionString: db.connectionString,
    query: (sql, params) => runAsSystem(() => db.query(sql, params)),
    exec: (sql) => runAsSystem(() => db.exec(sql)),
    copyFrom: (sql, chunks) => runAsSystem(() => db.copyFrom(sql, chunks)),
    async *copyTo(sql) {
      const parts = runAsSystem(() => db.copyTo(sql)[Symbol.asyncIterator]());
      for (;;) {
        const next = await runAsSystem(() => parts.next());
        if (next.done) return;
        yield next.value;
      }
    },
    transaction: (fn) => runAsSystem(() => db.transaction(fn)),
    listen: (channel, onMessage, onState) =>
      runAsSystem(() => db.listen(channel, onMessage, onState)),
    close: () => db.close(),
  };
}

/**
 * Work that runs as the system on an actor's behalf (the feed's write path) asks the database
 * whether the actor's scope holds every dealer it wrote to: the second wall's reading of the scope
 * (migration 0017, `forecourt_scope_covers`), not the service's. Throws FORBIDDEN when it does not.
 */
export async function assertScopeCovers(q: Queryable, scope: Scope, dealerIds: number[]) {
  const dbScope = dbScopeOf(scope);
  // the whole network holds every dealer: no need to ask
  if (dbScope.role === 'system' || dbScope.setting === 'all' || dealerIds.length === 0) return;
  const { rows } = await q.query<{ ok: boolean }>(
    'select forecourt_scope_covers($1, $2::int[]) as ok',
    [dbScope.setting, dealerIds],
  );
  if (rows[0]?.ok !== true) {
    throw new AppError(
      'FORBIDDEN',
      'The batch names dealers outside your scope; nothing was written',
    );
  }
}
