/**
 * The schema is ready for a distributed engine (issue 18 §3, docs/scaling.md): a freshly migrated
 * database's catalog, checked against the classification of every table
 * (src/server/db/table-classes.ts) by src/server/db/distribution.ts. It fails on an unclassified
 * table, a tenant table without a NOT NULL dealer_id or row-level security, a primary or unique
 * key of a tenant table without dealer_id, a foreign key between tenant tables without dealer_id
 * on both sides, and a foreign key Citus cannot keep (to a distributed table from elsewhere, or to
 * a coordinator-local table from a distributed or reference one).
 *
 * The same check on the schema as it stood before migration 0032 finds the child tables without
 * dealer_id and the keys without it: the check can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  citusDdl,
  distributionProblems,
  readCatalog,
  type Catalog,
} from '../src/server/db/distribution';
import { openPglite } from '../src/server/db/pglite';
import { dbScopeOf, runInScope } from '../src/server/db/scope';
import { TABLE_CLASSES } from '../src/server/db/table-classes';
import { seedFixtures } from './helpers/fixtures';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

const MIGRATIONS = join(import.meta.dirname, '../src/server/db/migrations');

describe.each(engines())('schema ready for a distributed engine (%s)', (engine) => {
  let t: TestDb;
  let catalog: Catalog;
  beforeAll(async () => {
    t = await createTestDb(engine);
    catalog = await readCatalog(t.db);
  }, 300_000);
  afterAll(() => t?.drop());

  it('every table is classified and keeps the rules of its class', () => {
    expect(catalog.tables.length).toBeGreaterThan(50);
    expect(distributionProblems(catalog)).toEqual([]);
  });

  it('the children carry their dealer, keyed and referenced with it', () => {
    const fk = catalog.foreignKeys.find((f) => f.name === 'agreement_lines_agreement_id_fkey')!;
    expect(fk.references).toBe('agreements');
    expect(fk.columns.indexOf('dealer_id')).toBe(fk.referencedColumns.indexOf('dealer_id'));
    expect(fk.columns).toContain('agreement_id');
    const tx = catalog.keys.find((k) => k.name === 'transactions_dealer_source_external_id_key')!;
    expect(tx.columns).toEqual(['dealer_id', 'source', 'external_id']);
    for (const child of ['agreement_versions', 'incentive_statement_lines', 'statement_snapshots'])
      expect(catalog.tables.find((x) => x.name === child)?.dealerIdNullable).toBe(false);
  });

  it('finds a table nobody classified, a key or foreign key without the dealer', () => {
    const { users: _users, ...withoutUsers } = TABLE_CLASSES;
    expect(distributionProblems(catalog, withoutUsers)).toContain(
      'users: not classified (add one line to src/server/db/table-classes.ts: tenant, reference or coordinator)',
    );
    const broken: Catalog = {
      ...catalog,
      keys: catalog.keys.map((k) =>
        k.name === 'agreement_lines_pkey' ? { ...k, columns: ['agreement_id', 'line_no'] } : k,
      ),
      foreignKeys: catalog.foreignKeys.map((f) =>
        f.name === 'payout_items_statement_id_fkey'
          ? { ...f, columns: ['statement_id'], referencedColumns: ['id'] }
          : f,
      ),
    };
    expect(distributionProblems(broken)).toEqual([
      'agreement_lines: primary key agreement_lines_pkey (agreement_id, line_no) without dealer_id',
      'payout_items: foreign key payout_items_statement_id_fkey (statement_id) → incentive_statements (id): between tenant tables without dealer_id on both sides',
    ]);
    // a coordinator table may not be the target of a reference table's key
    expect(distributionProblems(catalog, { ...TABLE_CLASSES, users: 'coordinator' })).toContain(
      'programs: foreign key programs_created_by_fkey (created_by) → users (id): a reference table cannot reference a coordinator-local table',
    );
  });

  it('one claim per VIN and program across dealers, though the index is per dealer', async () => {
    await seedFixtures(t.db);
    await t.db.exec(`
      insert into programs (code, status, created_by_label) values ('PRG-VIN', 'published', 'test');
      insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, status, checks, submitted_by)
        select p.id, d.id, 'VIN-SHARED', 'AURA-LX-ICE', '2026-03-02', 'validated', '[]', 'test'
        from programs p, dealers d where p.code = 'PRG-VIN' and d.code = 'DLR-ALPHA';`);
    const { rows } = await t.db.query<{ id: number }>(
      `select id from dealers where code = 'DLR-BRAVO'`,
    );
    const bravo = dbScopeOf({
      kind: 'dealers',
      dealerIds: [rows[0]!.id],
      dealerCodes: [],
      label: 'test',
    });
    const ask = (vin: string) =>
      runInScope({ current: bravo }, async () => {
        const seen = await t.db.query<{ n: number }>(
          `select count(*)::int as n from incentive_claims where vin = $1`,
          [vin],
        );
        const claimed = await t.db.query<{ claimed: boolean }>(
          `select forecourt_vin_claimed((select id from programs where code = 'PRG-VIN'), $1) as claimed`,
          [vin],
        );
        return { seen: seen.rows[0]!.n, claimed: claimed.rows[0]!.claimed };
      });
    // Bravo cannot see Alpha's claim, yet the check knows the VIN is taken
    expect(await ask('VIN-SHARED')).toEqual({ seen: 0, claimed: true });
    expect(await ask('VIN-OTHER')).toEqual({ seen: 0, claimed: false });
  });

  it('prints the Citus layout: reference tables before the tables that use them', () => {
    const ddl = citusDdl(catalog);
    expect(ddl).toContain("select create_distributed_table('transactions', 'dealer_id');");
    expect(ddl).toContain(
      "select create_distributed_table('agreement_lines', 'dealer_id', colocate_with => 'transactions');",
    );
    expect(ddl).toContain("select create_reference_table('dealers');");
    expect(ddl.indexOf("reference_table('regions')")).toBeLessThan(
      ddl.indexOf("reference_table('dealers')"),
    );
    expect(ddl.indexOf("'agreements', 'dealer_id'")).toBeLessThan(
      ddl.indexOf("'agreement_lines', 'dealer_id'"),
    );
  });
});

describe('the schema before migration 0032 fails the check', () => {
  it('names the children without dealer_id and the keys without it; 0032 upgrades it with its rows', async () => {
    const db = await openPglite();
    try {
      // as the migrator does (migrate.ts)
      await db.exec(
        'create table schema_migrations (name text primary key, applied_at timestamptz)',
      );
      for (const file of readdirSync(MIGRATIONS)
        .filter((f) => f.endsWith('.sql'))
        .sort()) {
        if (file >= '0032') break;
        await db.exec(readFileSync(join(MIGRATIONS, file), 'utf8'));
      }
      const problems = distributionProblems(await readCatalog(db));
      expect(problems).toContain('agreement_lines: tenant table without dealer_id');
      expect(problems).toContain('statement_snapshots: tenant table without dealer_id');
      expect(problems).toContain('notifications: dealer_id may be null');
      expect(problems).toContain(
        'transactions: primary key transactions_pkey (id) without dealer_id',
      );
      expect(problems).toContain(
        'incentive_claims: unique index incentive_claims_one_vin (program_id, vin) without dealer_id',
      );
      expect(problems).toContain(
        'payout_items: foreign key payout_items_statement_id_fkey (statement_id) → incentive_statements (id): between tenant tables without dealer_id on both sides',
      );
      expect(problems.length).toBeGreaterThan(40);

      // upgrading a database with rows: the children take their parent's dealer
      await seedFixtures(db);
      await db.exec(`
        insert into agreements (code, dealer_id, start_month, months, frequency)
          select 'AG-OLD', id, '2026-01-01', 12, 'monthly' from dealers where code = 'DLR-BRAVO';
        insert into agreement_lines (agreement_id, line_no, target_kind, target_code, target_label, planned_quantities)
          select id, 1, 'model_line', 'ML-AURA', 'Aura', '{1,2}' from agreements;
        insert into agreement_events (agreement_id, action, actor) select id, 'created', 'test' from agreements;
        insert into notifications (audience, dealer_id, kind, message, link, entity_id)
          select 'dealer', null, 'k', 'm', '/', 'agreement:' || id from agreements;
        insert into programs (code, status, created_by_label) values ('PRG-OLD', 'published', 'test');
        insert into incentive_statements (program_id, version_no, dealer_id, period, window_label, status,
            earned, previously_settled, amount_due, currency, snapshot)
          select p.id, 1, d.id, '2026-03', 'March 2026', 'closed', 1, 0, 1, 'USD', '{}'
          from programs p, dealers d where d.code = 'DLR-BRAVO';
        insert into statement_snapshots (statement_id, seq, document, sha256, closed_by)
          select id, 1, '{}', 'abc', 'test' from incentive_statements;`);
      await db.exec(readFileSync(join(MIGRATIONS, '0032_dealer_keys.sql'), 'utf8'));
      const { rows } = await db.query<{ t: string; dealer: string }>(
        `select 'lines' as t, d.code as dealer from agreement_lines x join dealers d on d.id = x.dealer_id
         union all select 'events', d.code from agreement_events x join dealers d on d.id = x.dealer_id
         union all select 'notifications', d.code from notifications x join dealers d on d.id = x.dealer_id
         union all select 'snapshots', d.code from statement_snapshots x join dealers d on d.id = x.dealer_id
         order by 1`,
      );
      expect(rows).toEqual(
        ['events', 'lines', 'notifications', 'snapshots'].map((t) => ({ t, dealer: 'DLR-BRAVO' })),
      );
      // every migration after 0032 still applies on top, and the schema passes
      for (const file of readdirSync(MIGRATIONS)
        .filter((f) => f.endsWith('.sql'))
        .sort())
        if (file > '0032_dealer_keys.sql')
          await db.exec(readFileSync(join(MIGRATIONS, file), 'utf8'));
      expect(distributionProblems(await readCatalog(db))).toEqual([]);
    } finally {
      await db.close();
    }
  }, 300_000);
});
