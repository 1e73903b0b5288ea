import { resolve } from 'node:path';
import type { Db } from './db/db';
import { migrate } from './db/migrate';
import { openPglite } from './db/pglite';
import { openPostgres } from './db/postgres';
import type { Env } from './env';

/** Opens the configured database: the PostgreSQL server when DATABASE_URL is set, else PGlite. */
export async function openDatabase(env: Env): Promise<Db> {
  if (env.DATABASE_URL) return openPostgres(env.DATABASE_URL);
  return openPglite(resolve(env.DATA_DIR, 'pglite'));
}

export async function openAndMigrate(env: Env): Promise<Db> {
  const db = await openDatabase(env);
  await migrate(db);
  return db;
}
