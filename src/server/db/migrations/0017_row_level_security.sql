-- Row-level security: the second wall behind the services' scope filters (DESIGN.md, issue 12).
--
-- The application works as the role forecourt_app (db/scope.ts sets it with the request's scope on
-- the connection: `forecourt.scope` = 'all', 'dealers:1,2,3' or 'region:<id>'); the policies below
-- show that role only the rows of the dealers in scope, and nothing when the scope is unset. System
-- work (migrations, jobs, roll-ups, the ingest's write path, the demo seed, the CLI) runs as the
-- connecting role, which owns the tables and is not restricted. A new tenant table gets its policy
-- with `select forecourt_protect('t')` (a dealer_id column) or `select forecourt_protect_child(...)`
-- (rows that belong to a dealer through a parent) in its own migration; ARCHITECTURE.md.

-- Roles are cluster-wide: several databases on one server share it (tests create many, at once:
-- a concurrent create can fail on the catalog's unique index instead).
do $$
begin
  create role forecourt_app nologin;
exception when duplicate_object or unique_violation then null;
end $$;

-- A connecting role that is not a superuser must be a member to `set role` to it.
do $$
begin
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant forecourt_app to %I', current_user);
  end if;
end $$;

grant usage on schema public to forecourt_app;
grant select, insert, update, delete on all tables in schema public to forecourt_app;
grant usage, select, update on all sequences in schema public to forecourt_app;
-- tables and sequences that later migrations create (run by this same role) get the same grants
alter default privileges in schema public grant select, insert, update, delete on tables to forecourt_app;
alter default privileges in schema public grant usage, select, update on sequences to forecourt_app;

-- PGlite copies through its in-process virtual file /dev/blob, which PostgreSQL counts as a server
-- file. A PostgreSQL server copies through STDIN/STDOUT and never gets these grants.
do $$
begin
  if version() like '%PGlite%' then
    grant pg_read_server_files, pg_write_server_files to forecourt_app;
  end if;
end $$;

-- The scope, read from the connection. Unset or malformed: no dealer (fail closed).
create or replace function forecourt_scope_all() returns boolean
  language sql stable parallel safe
  as $$ select coalesce(current_setting('forecourt.scope', true), '') = 'all' $$;

-- The dealers of a scope value. Security definer: it reads dealers and regions past their
-- policies. A region's dealers are those whose region path starts with the region's path (no LIKE
-- patterns).
create or replace function forecourt_scope_dealers_of(s text) returns integer[]
  language plpgsql stable security definer
  set search_path = public, pg_temp
as $$
begin
  if s ~ '^dealers:[0-9]{1,10}(,[0-9]{1,10})*$' then
    return string_to_array(substr(s, 9), ',')::integer[];
  end if;
  if s ~ '^region:[0-9]{1,10}$' then
    return array(
      select d.id from dealers d join regions r on r.id = d.region_id
      where starts_with(r.path, (select top.path from regions top where top.id = substr(s, 8)::integer))
    );
  end if;
  return '{}';
end $$;

-- The dealers in the connection's scope.
create or replace function forecourt_scope_dealers() returns integer[]
  language sql stable
  as $$ select forecourt_scope_dealers_of(coalesce(current_setting('forecourt.scope', true), '')) $$;

-- Does scope value `s` hold every dealer of `ids`? (The feed's write path, which runs as the
-- system, asks it of the dealers it wrote to: the database's own reading of the actor's scope.)
create or replace function forecourt_scope_covers(s text, ids integer[]) returns boolean
  language sql stable
  as $$ select s = 'all' or ids <@ forecourt_scope_dealers_of(s) $$;

-- The policy of a table with a dealer column. Both functions run once per statement (the
-- sub-selects become init plans), and `all` short-circuits before the dealer list is built.
create or replace function forecourt_protect(tbl regclass, dealer_column text default 'dealer_id')
  returns void language plpgsql as $$
declare
  expr text := format(
    '(select forecourt_scope_all()) or %I = any ((select forecourt_scope_dealers())::integer[])',
    dealer_column);
begin
  execute format('alter table %s enable row level security', tbl);
  if exists (select 1 from pg_policy where polrelid = tbl and polname = 'forecourt_scope') then
    execute format('drop policy forecourt_scope on %s', tbl);
  end if;
  execute format('create policy forecourt_scope on %s to forecourt_app using (%s) with check (%s)',
                 tbl, expr, expr);
end $$;

-- The policy of a table whose rows belong to a dealer through a parent row (agreement lines,
-- statement lines, dispute messages): visible when the parent is. The parent's own policy applies
-- inside the sub-select too.
create or replace function forecourt_protect_child(
  tbl regclass, parent_column text, parent regclass,
  parent_key text default 'id', parent_dealer_column text default 'dealer_id'
) returns void language plpgsql as $$
declare
  expr text := format(
    '(select forecourt_scope_all()) or %I in (select p.%I from %s p where p.%I = any ((select forecourt_scope_dealers())::integer[]))',
    parent_column, parent_key, parent, parent_dealer_column);
begin
  execute format('alter table %s enable row level security', tbl);
  if exists (select 1 from pg_policy where polrelid = tbl and polname = 'forecourt_scope') then
    execute format('drop policy forecourt_scope on %s', tbl);
  end if;
  execute format('create policy forecourt_scope on %s to forecourt_app using (%s) with check (%s)',
                 tbl, expr, expr);
end $$;

-- Tables with a dealer column.
select forecourt_protect('dealers', 'id');
select forecourt_protect('transactions');
select forecourt_protect('monthly_actuals');
select forecourt_protect('agreements');
select forecourt_protect('notifications');
select forecourt_protect('incentive_statements');
select forecourt_protect('settled_unit_benefits');
select forecourt_protect('incentive_claims');
select forecourt_protect('incentive_disputes');
select forecourt_protect('incentive_adjustments');
select forecourt_protect('payout_items');
select forecourt_protect('forecast_cells');
select forecourt_protect('forecast_edits');
select forecourt_protect('api_keys');

-- Tables whose rows belong to a dealer through their parent.
select forecourt_protect_child('agreement_lines', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_line_skus', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_versions', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_revisions', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_events', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_line_actuals', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_period_actuals', 'agreement_id', 'agreements');
select forecourt_protect_child('agreement_expectations', 'agreement_id', 'agreements');
select forecourt_protect_child('incentive_statement_lines', 'statement_id', 'incentive_statements');
select forecourt_protect_child('incentive_dispute_messages', 'dispute_id', 'incentive_disputes');

-- Users: a dealer's or dealer group's users are visible within its scope only; OEM staff (no
-- dealer, no group) to everyone, as agreements and statements name who drafted or approved them.
alter table users enable row level security;
create policy forecourt_scope on users to forecourt_app
  using ((select forecourt_scope_all())
         or (dealer_id is null and dealer_group_id is null)
         or dealer_id = any ((select forecourt_scope_dealers())::integer[])
         or dealer_group_id in (select d.dealer_group_id from dealers d
                                where d.id = any ((select forecourt_scope_dealers())::integer[])))
  with check ((select forecourt_scope_all())
              or dealer_id = any ((select forecourt_scope_dealers())::integer[]));

-- A feed batch: visible when every dealer it holds rows for is in scope.
alter table ingest_batches enable row level security;
create policy forecourt_scope on ingest_batches to forecourt_app
  using ((select forecourt_scope_all())
         or (cardinality(dealer_ids) > 0 and dealer_ids <@ (select forecourt_scope_dealers())))
  with check ((select forecourt_scope_all())
              or (cardinality(dealer_ids) > 0 and dealer_ids <@ (select forecourt_scope_dealers())));

-- The one question about other dealers' rows the application asks on purpose: is a VIN in the feed
-- at all? (A claim for a VIN another dealer delivered is recorded as invalid, and the dealer may
-- dispute it.) It answers yes or no, nothing of the row.
create or replace function forecourt_feed_has_vin(v text) returns boolean
  language sql stable security definer
  set search_path = public, pg_temp
  as $$ select exists (select 1 from transactions where vin = v) $$;

-- The latest month of the network's actuals: where the dealer home's window ends (a date, nothing
-- of any dealer's rows), the same for every caller.
create or replace function forecourt_latest_actuals_month() returns date
  language sql stable security definer
  set search_path = public, pg_temp
  as $$ select max(month) from monthly_actuals $$;
