import pg from 'pg';
import { from as copyFromStream, to as copyToStream } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db, QueryResult, Queryable } from './db';
import { connectionSettings, currentDbScope, runAsSystem, SET_SCOPE_SQL } from './scope';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * The role and scope each pooled connection has set session-wide (scope.ts): a statement outside a
 * transaction sets them first only when the work's scope differs, so one actor's requests add no
 * round trip, and a connection handed from one actor to the next is always set before it runs.
 */
const sessionKeys = new WeakMap<pg.PoolClient, string>();

async function applySessionScope(client: pg.PoolClient): Promise<void> {
  const { role, setting, key } = connectionSettings(currentDbScope());
  if (sessionKeys.get(client) === key) return;
  sessionKeys.delete(client);
  await client.query(SET_SCOPE_SQL, [role, setting, false]);
  sessionKeys.set(client, key);
}

/** BEGIN, with the work's role and scope set for the transaction in the same round trip. */
function beginSql(client: pg.PoolClient): string {
  const { role, setting, key } = connectionSettings(currentDbScope());
  if (sessionKeys.get(client) === key) return 'begin';
  return `begin; select set_config('role', ${pg.escapeLiteral(role)}, true), set_config('forecourt.scope', ${pg.escapeLiteral(setting)}, true)`;
}

/** A pooled connection with the work's scope applied, released after `work` (dropped on error). */
async function withClient<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await applySessionScope(c);
    const result = await work(c);
    c.release();
    return result;
  } catch (error) {
    // as pool.query does: a connection that failed a statement is not handed out again
    c.release(error as Error);
    throw error;
  }
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  const run = <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> =>
    client instanceof pg.Pool ? withClient(client, work) : work(client);
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const result = await run((c) => (params.length ? c.query(sql, params) : c.query(sql)));
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await run((c) => c.query(sql));
    },
    async copyFrom(sql, chunks) {
      await run(async (c) => {
        const stream = c.query(copyFromStream(sql));
        await pipeline(Readable.from(chunks, { objectMode: false }), stream);
      });
    },
    async *copyTo(sql) {
      const isPool = client instanceof pg.Pool;
      const c = isPool ? await client.connect() : client;
      let isRead = false;
      try {
        if (isPool) await applySessionScope(c);
        for await (const chunk of c.query(copyToStream(sql)) as AsyncIterable<Buffer>) yield chunk;
        isRead = true;
      } finally {
        // A COPY left half read leaves the connection unusable: the pool drops it.
        if (isPool) c.release(isRead ? undefined : true);
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
async function listenOn(url: string, channel: string, onMessage: (payload: string) => void) {
  let client: pg.Client | null = null;
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
      void c.end().catch(() => undefined);
      reconnect();
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (isClosed) await c.end();
    else client = c;
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
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection that the server ends (restart, failover) must not crash the process; the
  // pool replaces it on the next query.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL idle connection error: ${error.message}`);
  });
  // Fail early with a clear message when the server is not reachable.
  await pool.query('select 1');
  const listeners = new Set<() => Promise<void>>();
  return {
    engine: 'postgres',
    connectionString: url,
    ...queryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query(beginSql(client));
        const result = await fn(inTurn(queryable(client)));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onMessage) {
      const stop = await listenOn(url, channel, onMessage);
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      listeners.clear();
      await pool.end();
    },
  };
}
