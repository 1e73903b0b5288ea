/**
 * Prints the Citus layout of the schema (docs/scaling.md): reference tables, tenant tables
 * distributed by dealer_id and colocated, coordinator-local tables, from
 * src/server/db/table-classes.ts and the migrated catalog.
 *
 *   npx tsx scripts/citus-ddl.ts                 a fresh in-memory database, migrated
 *   npx tsx scripts/citus-ddl.ts postgres://…    an existing, migrated database (read only)
 *
 * It refuses (exit 1, the problems on stderr) while a table breaks the rules of its class.
 */
import { citusDdl, distributionProblems, readCatalog } from '../src/server/db/distribution';
import { migrate } from '../src/server/db/migrate';
import { openPglite } from '../src/server/db/pglite';
import { openPostgres } from '../src/server/db/postgres';

const url = process.argv[2];
const db = url ? await openPostgres(url, 1) : await openPglite();
try {
  if (!url) await migrate(db);
  const catalog = await readCatalog(db);
  const problems = distributionProblems(catalog);
  if (problems.length > 0) {
    process.stderr.write(
      `The schema is not ready for a distributed engine:\n${problems.join('\n')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(citusDdl(catalog));
  }
} finally {
  await db.close();
}
