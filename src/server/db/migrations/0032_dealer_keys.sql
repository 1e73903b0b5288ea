-- Every tenant table keyed by dealer (issue 18 §3, docs/scaling.md): the schema a distributed
-- PostgreSQL (Citus) can shard by dealer_id without a rewrite.
--
-- 1. The child tables that reached their dealer only through a parent (agreement lines, months,
--    versions, statement lines, dispute messages, snapshots, …) get `dealer_id`, copied from the
--    parent, NOT NULL.
-- 2. Every primary and unique key of a tenant table gets `dealer_id` (appended: each existing lookup
--    by its leading columns keeps its index; the dealer adds no selectivity where an id already
--    decides it, and a distributed engine prunes shards by the WHERE clause, not the index order).
-- 3. Every foreign key between tenant tables gets `dealer_id` on both sides, so a row and its parent
--    are always the same dealer's (and, under Citus, on the same shard): (dealer_id, agreement_id)
--    → agreements (id, dealer_id).
-- 4. Row-level security: the children are protected by their own `dealer_id` (forecourt_protect)
--    instead of the parent's sub-select (forecourt_protect_child).
--
-- The tenant tables are listed here; the classification of every table (tenant, reference,
-- coordinator) is src/server/db/table-classes.ts, and tests/schema-distribution.test.ts checks the
-- migrated catalog against it. A tenant table added later is created with these keys (COMMON rules).

-- 1. dealer_id on the children, from the parent --------------------------------------------------
do $$
declare
  r record;
begin
  for r in
    select * from (values
      ('agreement_lines', 'agreement_id', 'agreements'),
      ('agreement_line_skus', 'agreement_id', 'agreements'),
      ('agreement_versions', 'agreement_id', 'agreements'),
      ('agreement_revisions', 'agreement_id', 'agreements'),
      ('agreement_events', 'agreement_id', 'agreements'),
      ('agreement_line_actuals', 'agreement_id', 'agreements'),
      ('agreement_period_actuals', 'agreement_id', 'agreements'),
      ('agreement_expectations', 'agreement_id', 'agreements'),
      ('incentive_statement_lines', 'statement_id', 'incentive_statements'),
      ('statement_snapshots', 'statement_id', 'incentive_statements'),
      ('incentive_dispute_messages', 'dispute_id', 'incentive_disputes')
    ) v (child, parent_column, parent)
  loop
    execute format('alter table %I add column dealer_id integer', r.child);
    execute format('update %I c set dealer_id = p.dealer_id from %I p where p.id = c.%I',
                   r.child, r.parent, r.parent_column);
    execute format('alter table %I alter column dealer_id set not null', r.child);
  end loop;
end $$;

-- A notification is always about one dealer's agreement (agreement-context.ts `notify`): the
-- column was nullable but never null. Rows without one (none written by the application) take the
-- agreement's dealer, or go.
update notifications n set dealer_id = a.dealer_id
  from agreements a
 where n.dealer_id is null and n.entity_id = 'agreement:' || a.id;
delete from notifications where dealer_id is null;
alter table notifications alter column dealer_id set not null;

-- 2–3. Keys and foreign keys ---------------------------------------------------------------------
do $$
declare
  tenant constant text[] := array[
    'transactions', 'monthly_actuals', 'rdr_sales',
    'agreements', 'agreement_lines', 'agreement_line_skus', 'agreement_versions',
    'agreement_revisions', 'agreement_events', 'agreement_line_actuals',
    'agreement_period_actuals', 'agreement_expectations', 'notifications',
    'incentive_statements', 'incentive_statement_lines', 'statement_snapshots',
    'settled_unit_benefits', 'incentive_claims', 'incentive_disputes',
    'incentive_dispute_messages', 'incentive_adjustments', 'payout_items',
    'dealer_bank_accounts', 'forecast_cells', 'forecast_edits',
    'vehicles', 'vehicle_events', 'dealer_allocation_profiles', 'allocation_results',
    'connected_consents', 'telematics_signals',
    'commitment_risks', 'commitment_risk_history', 'insight_interventions', 'integrity_flags'];
  tenant_oids oid[];
  r record;
  cols text;
  def text;
begin
  select array_agg(c.oid) into tenant_oids
    from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relname = any (tenant);
  if cardinality(tenant_oids) <> cardinality(tenant) then
    raise exception 'a tenant table of migration 0032 is missing';
  end if;

  -- the foreign keys between tenant tables without the dealer: kept, dropped, re-made below
  create temporary table dealer_keys_fks on commit drop as
    select con.conrelid::regclass as tbl, con.conname, pg_get_constraintdef(con.oid) as def
      from pg_constraint con
     where con.contype = 'f'
       and con.conrelid = any (tenant_oids) and con.confrelid = any (tenant_oids)
       and not exists (select 1 from pg_attribute a
                        where a.attrelid = con.conrelid and a.attname = 'dealer_id'
                          and a.attnum = any (con.conkey));
  for r in select * from dealer_keys_fks loop
    execute format('alter table %s drop constraint %I', r.tbl, r.conname);
  end loop;

  -- primary keys and unique constraints: (…) → (…, dealer_id), same name
  for r in
    select con.conrelid::regclass as tbl, con.conname, pg_get_constraintdef(con.oid) as def
      from pg_constraint con
     where con.contype in ('p', 'u') and con.conrelid = any (tenant_oids)
       and not exists (select 1 from pg_attribute a
                        where a.attrelid = con.conrelid and a.attname = 'dealer_id'
                          and a.attnum = any (con.conkey))
     order by con.contype desc  -- unique constraints before the primary key they may lean on
  loop
    def := regexp_replace(r.def, '^(PRIMARY KEY|UNIQUE) \(([^)]*)\)', '\1 (\2, dealer_id)');
    execute format('alter table %s drop constraint %I, add constraint %I %s',
                   r.tbl, r.conname, r.conname, def);
  end loop;

  -- unique indexes that back no constraint (partial ones: one open amendment, one claim per VIN)
  for r in
    select i.indexrelid::regclass as idx, pg_get_indexdef(i.indexrelid) as def
      from pg_index i
     where i.indisunique and i.indrelid = any (tenant_oids)
       and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid)
       and not exists (select 1 from pg_attribute a
                        where a.attrelid = i.indrelid and a.attname = 'dealer_id'
                          and a.attnum = any (i.indkey::int2[]))
  loop
    def := regexp_replace(r.def, 'USING btree \(([^)]*)\)', 'USING btree (\1, dealer_id)');
    execute format('drop index %s', r.idx);
    execute def;
  end loop;

  -- the foreign keys again, with the dealer on both sides
  for r in select * from dealer_keys_fks loop
    cols := substring(r.def from '^FOREIGN KEY \(([^)]*)\)');
    def := regexp_replace(r.def, '^FOREIGN KEY \(([^)]*)\) REFERENCES ([^(]+)\(([^)]*)\)',
                          'FOREIGN KEY (\1, dealer_id) REFERENCES \2(\3, dealer_id)');
    -- SET NULL clears the parent's id only: the row stays its dealer's
    def := regexp_replace(def, 'ON DELETE SET NULL$', format('ON DELETE SET NULL (%s)', cols));
    execute format('alter table %s add constraint %I %s', r.tbl, r.conname, def);
  end loop;
end $$;

-- The feed's after-ingest hook finds the agreement lines of each (dealer, SKU) in the batch's
-- delta (agreement-actuals.repository.ts applyIngestDelta): the SKU index gets the dealer, so
-- that join is one index probe per delta row (EXPLAIN in docs/scaling.md).
drop index agreement_line_skus_sku_idx;
create index agreement_line_skus_sku_idx on agreement_line_skus (sku_id, dealer_id);

-- 4. Row-level security by the children's own dealer ----------------------------------------------
select forecourt_protect('agreement_lines');
select forecourt_protect('agreement_line_skus');
select forecourt_protect('agreement_versions');
select forecourt_protect('agreement_revisions');
select forecourt_protect('agreement_events');
select forecourt_protect('agreement_line_actuals');
select forecourt_protect('agreement_period_actuals');
select forecourt_protect('agreement_expectations');
select forecourt_protect('incentive_statement_lines');
select forecourt_protect('statement_snapshots');
select forecourt_protect('incentive_dispute_messages');

-- One validated claim per VIN and program across the network: the unique index now holds it per
-- dealer (a distributed engine enforces uniqueness within a shard only); across dealers the claim's
-- `not_claimed_before` check asks this, past the caller's row-level security. It answers yes or no,
-- nothing of the other dealer's claim.
create or replace function forecourt_vin_claimed(p_program_id integer, v text) returns boolean
  language sql stable security definer
  set search_path = public, pg_temp
  as $$ select exists (select 1 from incentive_claims
                        where program_id = p_program_id and vin = v and status in ('validated', 'approved')) $$;
