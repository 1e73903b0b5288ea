import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './db';

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
      const flush = async () => {
        if (size === 0) return;
        await conn.query(target, [], { blob: new Blob(parts) });
        parts = [];
        size = 0;
      };
      for await (const chunk of chunks) {
        parts.push(chunk);
        size += chunk.length;
        if (size >= COPY_BLOB_CHARS) await flush();
      }
      await flush();
    },
  };
}

/** Opens the embedded engine. `dataDir` undefined means in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create({ dataDir, parsers });
  const base = queryable(pg);
  return {
    engine: 'pglite',
    ...base,
    async transaction(fn) {
      return pg.transaction(async (tx) => fn(queryable(tx)));
    },
    async close() {
      await pg.close();
    },
  };
}
