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
    listen(channel, onMessage) {
      return pg.listen(channel, onMessage);
    },
    async close() {
      await pg.close();
    },
  };
}
