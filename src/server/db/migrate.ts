import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Db } from './db';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any constant: serialises migrations between processes sharing one PostgreSQL server. */
const MIGRATION_LOCK = 727_001;

/**
 * Run after the migrations on every migrate (app boot): unlogged tables that a crash empties (and
 * that are empty on a promoted standby) are rebuilt here from the tables they are derived from,
 * when their sentinel row is missing. Each call checks and returns at once when there is nothing
 * to do.
 */
const AFTER_MIGRATE = [
  // each VIN's first dealer (0057), derived from transactions; the feed's trigger rebuilds it too
  'select forecourt_restore_vin_first_dealers()',
];

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
    for (const sql of AFTER_MIGRATE) await db.query(sql);
  } finally {
    if (db.engine === 'postgres') await db.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
  return { applied, total: files.length };
}
