/**
 * The schema read from the database's catalog, checked against the table classification
 * (table-classes.ts) for a distributed engine, and the Citus DDL it implies (issue 18 §3,
 * docs/scaling.md). Used by tests/schema-distribution.test.ts and scripts/citus-ddl.ts.
 */
import type { Queryable } from './db';
import { COLOCATION_ANCHOR, TABLE_CLASSES, type TableClass } from './table-classes';

export type CatalogTable = {
  name: string;
  /** null: no dealer_id column */
  dealerIdNullable: boolean | null;
  rowSecurity: boolean;
  policies: number;
};
export type CatalogKey = {
  table: string;
  name: string;
  kind: 'primary' | 'unique' | 'unique index';
  columns: string[];
};
export type CatalogForeignKey = {
  table: string;
  name: string;
  columns: string[];
  references: string;
  referencedColumns: string[];
  definition: string;
};
export type Catalog = {
  tables: CatalogTable[];
  keys: CatalogKey[];
  foreignKeys: CatalogForeignKey[];
};

const DEALER = 'dealer_id';

/** The public schema's tables (partitions are their parent's), keys and foreign keys. */
export async function readCatalog(db: Queryable): Promise<Catalog> {
  const tables = await db.query<CatalogTable>(
    `select c.relname as name,
            (select not a.attnotnull from pg_attribute a
              where a.attrelid = c.oid and a.attname = '${DEALER}' and not a.attisdropped) as "dealerIdNullable",
            c.relrowsecurity as "rowSecurity",
            (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
       from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
      order by 1`,
  );
  const cols = (rel: string, attnums: string) =>
    `array(select a.attname::text from unnest(${attnums}) with ordinality k(n, o)
            join pg_attribute a on a.attrelid = ${rel} and a.attnum = k.n order by k.o)`;
  const keys = await db.query<CatalogKey>(
    `select t.relname as table, con.conname as name,
            case con.contype when 'p' then 'primary' else 'unique' end as kind,
            ${cols('con.conrelid', 'con.conkey')} as columns
       from pg_constraint con join pg_class t on t.oid = con.conrelid
      where t.relnamespace = 'public'::regnamespace and not t.relispartition and con.contype in ('p', 'u')
     union all
     select t.relname, ic.relname, 'unique index', ${cols('i.indrelid', 'i.indkey::int2[]')}
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
      where t.relnamespace = 'public'::regnamespace and not t.relispartition and i.indisunique
        and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid)
      order by 1, 2`,
  );
  const foreignKeys = await db.query<CatalogForeignKey>(
    `select t.relname as table, con.conname as name, ${cols('con.conrelid', 'con.conkey')} as columns,
            r.relname as references, ${cols('con.confrelid', 'con.confkey')} as "referencedColumns",
            pg_get_constraintdef(con.oid) as definition
       from pg_constraint con join pg_class t on t.oid = con.conrelid join pg_class r on r.oid = con.confrelid
      where t.relnamespace = 'public'::regnamespace and not t.relispartition and con.contype = 'f'
      order by 1, 2`,
  );
  return { tables: tables.rows, keys: keys.rows, foreignKeys: foreignKeys.rows };
}

/** Every way the schema breaks the rules of its classification; empty when it is ready. */
export function distributionProblems(
  catalog: Catalog,
  classes: Readonly<Record<string, TableClass>> = TABLE_CLASSES,
): string[] {
  const problems: string[] = [];
  const present = new Set(catalog.tables.map((t) => t.name));
  for (const t of catalog.tables) {
    const cls = classes[t.name];
    if (!cls) {
      problems.push(
        `${t.name}: not classified (add one line to src/server/db/table-classes.ts: tenant, reference or coordinator)`,
      );
      continue;
    }
    if (cls !== 'tenant') continue;
    if (t.dealerIdNullable === null) problems.push(`${t.name}: tenant table without dealer_id`);
    else if (t.dealerIdNullable) problems.push(`${t.name}: dealer_id may be null`);
    if (!t.rowSecurity || t.policies === 0)
      problems.push(`${t.name}: no row-level security (select forecourt_protect('${t.name}'))`);
    if (!catalog.keys.some((k) => k.table === t.name && k.kind === 'primary'))
      problems.push(`${t.name}: tenant table without a primary key`);
  }
  for (const name of Object.keys(classes))
    if (!present.has(name)) problems.push(`${name}: classified but not in the schema`);

  for (const k of catalog.keys) {
    if (classes[k.table] !== 'tenant' || k.columns.includes(DEALER)) continue;
    const kind = k.kind === 'unique index' ? k.kind : `${k.kind} key`;
    problems.push(`${k.table}: ${kind} ${k.name} (${k.columns.join(', ')}) without dealer_id`);
  }

  for (const fk of catalog.foreignKeys) {
    const from = classes[fk.table];
    const to = classes[fk.references];
    if (!from || !to) continue; // reported above
    const what = `${fk.table}: foreign key ${fk.name} (${fk.columns.join(', ')}) → ${fk.references} (${fk.referencedColumns.join(', ')})`;
    if (from === 'tenant' && to === 'tenant') {
      const at = fk.columns.indexOf(DEALER);
      if (at < 0 || fk.referencedColumns[at] !== DEALER)
        problems.push(`${what}: between tenant tables without dealer_id on both sides`);
    } else if (to === 'tenant') {
      problems.push(`${what}: a ${from} table cannot reference a distributed (tenant) table`);
    } else if (from !== 'coordinator' && to === 'coordinator') {
      problems.push(`${what}: a ${from} table cannot reference a coordinator-local table`);
    }
  }
  return problems;
}

/** The order in which tables can be distributed: each after the tables it references. */
function referencedFirst(names: string[], fks: CatalogForeignKey[]): string[] {
  const wanted = new Set(names);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return; // a cycle: Citus takes the keys added afterwards
    path.add(name);
    for (const fk of fks)
      if (fk.table === name && wanted.has(fk.references) && fk.references !== name)
        visit(fk.references, path);
    path.delete(name);
    done.add(name);
    out.push(name);
  };
  for (const n of [...names].sort()) visit(n, new Set());
  return out;
}

/** The Citus statements that lay out the migrated schema (run on the coordinator). */
export function citusDdl(
  catalog: Catalog,
  classes: Readonly<Record<string, TableClass>> = TABLE_CLASSES,
): string {
  const of = (cls: TableClass) =>
    catalog.tables.map((t) => t.name).filter((n) => classes[n] === cls);
  const lines = [
    '-- Forecourt on Citus: generated from src/server/db/table-classes.ts (scripts/citus-ddl.ts)',
    // Tenant tables carry triggers: the outbox's (0022) and the statement-level ones with
    // transition tables of 0052 (settled_unit_benefits, incentive_statements → programs'
    // settlement_version) and 0055 (transactions → vin_first_dealers, vin_multi_dealers). Citus
    // refuses to distribute a table with triggers, and to create one on a distributed table,
    // unless citus.enable_unsafe_triggers is on; the triggers then fire on the shards
    // (docs/scaling.md, "Triggers").
    '-- Tenant tables have triggers (0022, 0052, 0055): allowed on distributed tables only with',
    '-- citus.enable_unsafe_triggers (also `alter database … set` it for later migrations).',
    'set citus.enable_unsafe_triggers = on;',
    '-- Reference tables: a copy on every node (referenced tables first).',
  ];
  for (const t of referencedFirst(of('reference'), catalog.foreignKeys))
    lines.push(`select create_reference_table('${t}');`);
  const tenants = referencedFirst(of('tenant'), catalog.foreignKeys);
  const at = new Map(
    [COLOCATION_ANCHOR, ...tenants.filter((n) => n !== COLOCATION_ANCHOR)].map((n, i) => [n, i]),
  );
  // a cycle of foreign keys (statements ↔ their snapshots): the key back is added afterwards
  const later = catalog.foreignKeys.filter(
    (fk) => at.has(fk.table) && at.has(fk.references) && at.get(fk.references)! > at.get(fk.table)!,
  );
  lines.push(`-- Tenant tables: sharded by dealer_id, colocated with ${COLOCATION_ANCHOR}.`);
  for (const fk of later) lines.push(`alter table ${fk.table} drop constraint ${fk.name};`);
  lines.push(`select create_distributed_table('${COLOCATION_ANCHOR}', '${DEALER}');`);
  for (const t of at.keys())
    if (t !== COLOCATION_ANCHOR)
      lines.push(
        `select create_distributed_table('${t}', '${DEALER}', colocate_with => '${COLOCATION_ANCHOR}');`,
      );
  for (const fk of later)
    lines.push(`alter table ${fk.table} add constraint ${fk.name} ${fk.definition};`);
  // local tables joined by foreign keys to a reference table, directly or through another local
  // table, go into Citus's metadata together
  const linked = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const fk of catalog.foreignKeys) {
      const ends = [fk.table, fk.references];
      if (!ends.every((n) => classes[n] === 'coordinator' || classes[n] === 'reference')) continue;
      if (!ends.some((n) => classes[n] === 'reference' || linked.has(n))) continue;
      for (const n of ends)
        if (classes[n] === 'coordinator' && !linked.has(n)) {
          linked.add(n);
          grew = true;
        }
    }
  }
  lines.push(
    '-- Coordinator tables stay local; those tied by keys to reference tables join the metadata:',
  );
  for (const t of of('coordinator'))
    lines.push(
      linked.has(t) ? `select citus_add_local_table_to_metadata('${t}');` : `-- ${t}: local`,
    );
  return lines.join('\n') + '\n';
}
