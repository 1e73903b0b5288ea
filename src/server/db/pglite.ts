import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './db';
import {
  currentConnectionSettings,
  runAsSystem,
  SET_SCOPE_SQL,
  type ConnectionSettings,
} from './scope';

const parsers = {
  [types.DATE]: (v: string) => v,
  [types.INT8]: (v: string) => Number(v),
};

/** Collects CSV chunks into blobs of at most this many characters per COPY statement. */
const COPY_BLOB_CHARS = 16 * 1024 * 1024;

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

function queryable(conn: PgliteLike): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const result = await conn.query<T>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql) {
      await conn.exec(sql);
    },
    async copyFrom(sql, chunks) {
      const target = sql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'");
      let parts: string[] = [];
      let size = 0;
      const send = async (blobParts: string[]) => {
        if (blobParts.length) await conn.query(target, [], { blob: new Blob(blobParts) });
      };
      // Each blob is its own COPY statement, so it must end on a line boundary (chunks may not).
      for await (const chunk of chunks) {
        const text = typeof chunk === 'string' ? chunk : String(chunk);
        parts.push(text);
        size += text.length;
        if (size < COPY_BLOB_CHARS) continue;
        const cut = text.lastIndexOf('\n');
        if (cut < 0) continue;
        parts[parts.length - 1] = text.slice(0, cut + 1);
        await send(parts);
        const rest = text.slice(cut + 1);
        parts = rest ? [rest] : [];
        size = rest.length;
      }
      await send(parts);
    },
    async *copyTo(sql) {
      const target = sql.replace(/TO\s+STDOUT/i, "TO '/dev/blob'");
      const result = await conn.query(target);
      if (result.blob) yield new Uint8Array(await result.blob.arrayBuffer());
    },
  };
}

/**
 * Sets the work's role and scope (scope.ts) before each statement outside a transaction, session-wide
 * and only when they differ from the last ones set. PGlite has one connection: the check, the set
 * and the statement run in turn with every other statement outside a transaction, so no other
 * scope's set can come between them.
 */
function scoped(pg: PGlite): {
  base: Queryable;
  /** the role and scope to set inside a transaction: null when the session has them already */
  transactionSettings: () => ConnectionSettings | null;
} {
  const base = queryable(pg);
  let sessionKey = '';
  let tail: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
    // (PGlite runs in this thread: statement_timeout is set but cannot interrupt a statement)
    const { role, setting, timeout, key } = currentConnectionSettings();
    const result = tail.then(async () => {
      if (key !== sessionKey) {
        sessionKey = '';
        await pg.query(SET_SCOPE_SQL, [role, setting, false, timeout]);
        sessionKey = key;
      }
      return run();
    });
    tail = result.catch(() => undefined);
    return result;
  };
  const scopedBase: Queryable = {
    query: <T>(sql: string, params?: unknown[]) => inTurn(() => base.query<T>(sql, params)),
    exec: (sql) => inTurn(() => base.exec(sql)),
    copyFrom: (sql, chunks) => inTurn(() => base.copyFrom(sql, chunks)),
    async *copyTo(sql) {
      const blobs = await inTurn(async () => {
        const parts: Uint8Array[] = [];
        for await (const part of base.copyTo(sql)) parts.push(part);
        return parts;
      });
      yield* blobs;
    },
  };
  return {
    base: scopedBase,
    transactionSettings: () => {
      const settings = currentConnectionSettings();
      return settings.key === sessionKey ? null : settings;
    },
  };
}

/** Opens the embedded engine. `dataDir` undefined means in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, parsers });
  const { base, transactionSettings } = scoped(pg);
  return {
    engine: 'pglite',
    ...base,
    async transaction(fn) {
      return pg.transaction(async (tx) => {
        // the role and scope for this transaction only (they revert at its end)
        const settings = transactionSettings();
        if (settings)
          await tx.query(SET_SCOPE_SQL, [settings.role, settings.setting, true, settings.timeout]);
        return fn(queryable(tx));
      });
    },
    listen(channel, onMessage) {
      // as the system, not in the scope of whatever request started listening
      return pg.listen(channel, (payload) => runAsSystem(() => onMessage(payload)));
    },
    async close() {
      await pg.close();
    },
  };
}
