import pg from 'pg';
import { from as copyFromStream, to as copyToStream } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db, QueryResult, Queryable } from './db';
import { AppError } from '../../shared/errors';
import { ConnectionLostError } from './errors';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

type Client = pg.Pool | pg.PoolClient;

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

async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>) {
  const held = await checkOut(pool);
  let isBroken = false;
  try {
    return await work(held.client);
  } catch (error) {
    isBroken = true;
    throw held.isLost ? lostUnder(error) : error;
  } finally {
    held.release(isBroken);
  }
}

/** The error of work whose connection was lost: an AppError stays the answer, others say so. */
function lostUnder(error: unknown): unknown {
  return error instanceof AppError || error instanceof ConnectionLostError
    ? error
    : new ConnectionLostError(error);
}

function queryable(client: Client): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const result = params.length ? await client.query(sql, params) : await client.query(sql);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await client.query(sql);
    },
    async copyFrom(sql, chunks) {
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyFromStream(sql));
        await pipeline(Readable.from(chunks, { objectMode: false }), stream);
      };
      if (client instanceof pg.Pool) await withClient(client, run);
      else await run(client);
    },
    async *copyTo(sql) {
      if (!(client instanceof pg.Pool)) {
        yield* client.query(copyToStream(sql)) as AsyncIterable<Buffer>;
        return;
      }
      const held = await checkOut(client);
      let isRead = false;
      try {
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
      if (n.channel === channel) onMessage(n.payload ?? '');
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
      const held = await checkOut(pool);
      const { client } = held;
      let isBroken = false;
      try {
        await client.query('begin');
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
