import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Db } from './db';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any constant: serialises migrations between processes sharing one PostgreSQL server. */
const MIGRATION_LOCK = 727_001;

export type MigrationResult = { applied: string[]; total: number };

/** Applies committed, forward-only SQL migrations in file-name order, each in its own transaction. */
export async function migrate(db: Db): Promise<MigrationResult> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  await db.query(`create table if not exists schema_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`);
  const applied: string[] = [];
  if (db.engine === 'postgres') await db.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    const done = new Set(
      (await db.query<{ name: string }>('select name from schema_migrations')).rows.map(
        (r) => r.name,
      ),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      await db.transaction(async (tx) => {
        await tx.exec(sql);
        await tx.query('insert into schema_migrations (name) values ($1)', [file]);
      });
      applied.push(file);
    }
  } finally {
    if (db.engine === 'postgres') await db.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
  return { applied, total: files.length };
}
