import pg from 'pg';
import { from as copyFromStream, to as copyToStream } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db, QueryResult, Queryable } from './db';
import { currentConnectionSettings, runAsSystem, SET_SCOPE_SQL } from './scope';
import { AppError } from '../../shared/errors';
import { ConnectionLostError } from './errors';
import { floatArrayParser, integerArrayParser } from './array-text';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// Numeric arrays read fast, to the same values as the driver's parsers (array-text.ts):
// int2[], int4[], oid[]; float4[], float8[], numeric[].
for (const oid of [1005, 1007, 1028])
  pg.types.setTypeParser(oid, integerArrayParser(pg.types.getTypeParser(oid)));
for (const oid of [1021, 1022, 1231])
  pg.types.setTypeParser(oid, floatArrayParser(pg.types.getTypeParser(oid)));

/**
 * The role and scope each pooled connection has set session-wide (scope.ts): work outside a
 * transaction sets them first only when the work's scope differs from the connection's. A
 * connection that fails a statement is dropped, so a reused one never carries a stale scope.
 */
const sessionKeys = new WeakMap<pg.PoolClient, string>();

/**
 * Sets the work's scope and statement timeout on `client` when they differ; `await` it before
 * using the connection. `withoutTimeout`: for a streamed COPY TO (scope.ts).
 */
function setSessionScope(
  client: pg.PoolClient,
  { withoutTimeout = false }: { withoutTimeout?: boolean } = {},
): Promise<unknown> | null {
  const { role, setting, timeout, key } = currentConnectionSettings({ withoutTimeout });
  if (sessionKeys.get(client) === key) return null;
  sessionKeys.delete(client);
  return client.query(SET_SCOPE_SQL, [role, setting, false, timeout]).then(() => {
    sessionKeys.set(client, key);
  });
}

/** BEGIN, with the work's role, scope and timeout set for the transaction in the same round trip. */
function beginSql(client: pg.PoolClient): string {
  const { role, setting, timeout, key } = currentConnectionSettings();
  if (sessionKeys.get(client) === key) return 'begin';
  return `begin; select set_config('role', ${pg.escapeLiteral(role)}, true), set_config('forecourt.scope', ${pg.escapeLiteral(setting)}, true), set_config('statement_timeout', ${pg.escapeLiteral(timeout)}, true)`;
}

/**
 * A connection taken from the pool for a while (a transaction, a COPY). The pool listens for its
 * errors only while it is idle; a checked-out connection that the server ends (a terminated
 * backend, a failover) emits 'error', which would crash the process with no listener. Here the
 * error is kept: the work in progress fails through its own query, and the release drops the
 * connection instead of returning it to the pool, which opens a new one when needed.
 */
async function checkOut(pool: pg.Pool) {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    client,
    get isLost() {
      return lost !== undefined;
    },
    release(isBroken = false) {
      client.off('error', onError);
      client.release(lost ?? (isBroken ? new Error('connection left unusable') : undefined));
    },
  };
}

/** The error of work whose connection was lost: an AppError stays the answer, others say so. */
function lostUnder(error: unknown): unknown {
  return error instanceof AppError || error instanceof ConnectionLostError
    ? error
    : new ConnectionLostError(error);
}

/**
 * Runs `work` on a pooled connection with the work's scope, releasing it after (dropped on error,
 * as pool.query does). On the statements' pool the connections pipeline: the scope's set goes out
 * right before the statement, without waiting for its answer, so a change of scope adds no round
 * trip. (Should the set fail, the connection is dropped and the statement's answer discarded.)
 */
async function onPooled<T>(
  pool: pg.Pool,
  work: (c: pg.PoolClient) => Promise<T>,
  { isPipelined }: { isPipelined: boolean },
): Promise<T> {
  const held = await checkOut(pool);
  const c = held.client;
  let isBroken = false;
  try {
    const set = setSessionScope(c);
    if (set && !isPipelined) await set;
    const result = work(c);
    if (set && isPipelined) {
      result.catch(() => undefined);
      await set;
    }
    return await result;
  } catch (error) {
    isBroken = true;
    throw held.isLost ? lostUnder(error) : error;
  } finally {
    held.release(isBroken);
  }
}

/** The two pools: pipelined connections for single statements, plain ones for COPY. */
type Pools = { statements: pg.Pool; copies: pg.Pool };

function queryable(target: Pools | pg.PoolClient): Queryable {
  const isPooled = 'statements' in target;
  const statement = <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> =>
    isPooled
      ? onPooled((target as Pools).statements, work, { isPipelined: true })
      : work(target as pg.PoolClient);
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const result = await statement((c) => (params.length ? c.query(sql, params) : c.query(sql)));
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await statement((c) => c.query(sql));
    },
    async copyFrom(sql, chunks) {
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyFromStream(sql));
        await pipeline(Readable.from(chunks, { objectMode: false }), stream);
      };
      if (isPooled) await onPooled((target as Pools).copies, run, { isPipelined: false });
      else await run(target as pg.PoolClient);
    },
    async *copyTo(sql) {
      if (!isPooled) {
        yield* (target as pg.PoolClient).query(copyToStream(sql)) as AsyncIterable<Buffer>;
        return;
      }
      const held = await checkOut((target as Pools).copies);
      let isRead = false;
      try {
        // a streamed export goes at its reader's pace: no statement timeout (scope.ts)
        await setSessionScope(held.client, { withoutTimeout: true });
        for await (const chunk of held.client.query(copyToStream(sql)) as AsyncIterable<Buffer>)
          yield chunk;
        isRead = true;
      } catch (error) {
        throw held.isLost ? lostUnder(error) : error;
      } finally {
        // A COPY left half read leaves the connection unusable: the pool drops it.
        held.release(!isRead);
      }
    },
  };
}

/**
 * A transaction's statements one at a time, in the order they were asked for, as PGlite runs them:
 * callers may ask for several at once (`Promise.all`), which one node-postgres client would
 * otherwise queue itself (deprecated; pg 9 refuses it). A COPY TO holds the turn until it is read.
 */
function inTurn(q: Queryable): Queryable {
  let tail: Promise<unknown> = Promise.resolve();
  const next = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    query: <T>(sql: string, params?: unknown[]) => next(() => q.query<T>(sql, params)),
    exec: (sql) => next(() => q.exec(sql)),
    copyFrom: (sql, chunks) => next(() => q.copyFrom(sql, chunks)),
    async *copyTo(sql) {
      let release = () => undefined as void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const previous = tail;
      tail = turn;
      await previous;
      try {
        yield* q.copyTo(sql);
      } finally {
        release();
      }
    },
  };
}

/** Wait before a lost LISTEN connection is opened again. */
const RELISTEN_MS = 1000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries). A lost
 * connection (server restart, failover) is opened again after a second; NOTIFYs sent meanwhile
 * are missed, as NOTIFY keeps nothing for absent listeners.
 */
async function listenOn(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onState?: (isListening: boolean) => void,
) {
  let client: pg.Client | null = null;
  let hasListened = false;
  let isClosed = false;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    retry = setTimeout(() => {
      connect().catch((error: Error) => {
        process.emitWarning(`PostgreSQL LISTEN reconnect failed: ${error.message}`);
        if (!isClosed) reconnect();
      });
    }, RELISTEN_MS);
    retry.unref();
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => {
      // as the system, not in the scope of whatever request opened the connection
      if (n.channel === channel) runAsSystem(() => onMessage(n.payload ?? ''));
    });
    c.on('error', (error) => {
      if (isClosed || client !== c) return;
      process.emitWarning(`PostgreSQL LISTEN connection lost: ${error.message}`);
      client = null;
      onState?.(false);
      void c.end().catch(() => undefined);
      reconnect();
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (isClosed) await c.end();
    else {
      const isReconnect = client === null && hasListened;
      client = c;
      hasListened = true;
      if (isReconnect) onState?.(true);
    }
  };
  await connect();
  return async () => {
    isClosed = true;
    clearTimeout(retry);
    await client?.end();
    client = null;
  };
}

export async function openPostgres(url: string, max = 10): Promise<Db> {
  // Transactions and COPY take connections from `pool`; statements outside a transaction from
  // `statements`, whose connections pipeline (see onPooled). Each is at most `max` connections.
  const pool = new pg.Pool({ connectionString: url, max });
  const statements = new pg.Pool({ connectionString: url, max, pipeline: true });
  // An idle connection that the server ends (restart, failover) must not crash the process; the
  // pool replaces it on the next query.
  for (const p of [pool, statements])
    p.on('error', (error) => {
      process.emitWarning(`PostgreSQL idle connection error: ${error.message}`);
    });
  // Fail early with a clear message when the server is not reachable.
  await pool.query('select 1');
  const listeners = new Set<() => Promise<void>>();
  return {
    engine: 'postgres',
    connectionString: url,
    ...queryable({ statements, copies: pool }),
    async transaction(fn) {
      const held = await checkOut(pool);
      const { client } = held;
      let isBroken = false;
      try {
        await client.query(beginSql(client));
        const result = await fn(inTurn(queryable(client)));
        await client.query('commit');
        return result;
      } catch (error) {
        // a connection that cannot even roll back is dropped, not handed to the next caller
        await client.query('rollback').catch(() => (isBroken = true));
        throw isBroken || held.isLost ? lostUnder(error) : error;
      } finally {
        held.release(isBroken);
      }
    },
    async listen(channel, onMessage, onState) {
      const stop = await listenOn(url, channel, onMessage, onState);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      listeners.clear();
      await Promise.all([pool.end(), statements.end()]);
    },
  };
}
