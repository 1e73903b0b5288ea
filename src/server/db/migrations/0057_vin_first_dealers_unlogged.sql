-- The VIN-once bookkeeping of 0055 made cheap for the feed. Its trigger wrote one WAL-logged row
-- and unique-key entry per VIN (three WAL records, ~210 bytes a VIN; a VIN seen again: a WAL-logged
-- row lock), and grouped the batch twice (a sort by VIN and a hash by VIN): ingest of new VINs
-- ~55 % slower (BENCHMARKS.md).
--
-- vin_first_dealers is only a means to the trigger's end (the unique key that makes two batches of
-- one VIN at the same instant wait for each other): it is derived from `transactions`, which stays
-- the record. So it is now
--   - UNLOGGED: no WAL. A crash empties it, and it is empty on a promoted standby (a standby cannot
--     read it at all; nothing there does: `forecourt_vin_blocked` reads vin_multi_dealers, which
--     stays logged). A sentinel row (vin '', not a VIN) is written with its content; without it,
--     the trigger rebuilds the table from `transactions` (forecourt_restore_vin_first_dealers,
--     under an advisory lock) before it records its batch, and so does every migrate (app boot);
--   - keyed by the VIN in collation "C" (byte order: cheaper comparisons, abbreviated sort keys);
--   - the first dealer kept is the lowest dealer id of a VIN's first batch, no longer the dealer of
--     its lowest row id: any one dealer of the VIN does, since a VIN of two dealers is listed in
--     vin_multi_dealers already, and which dealer is kept then decides nothing.
-- The trigger groups its batch once by VIN (lowest and highest dealer) and upserts in VIN order as
-- before (two batches sharing VINs take their waits in one order: no deadlock).
alter table vin_first_dealers set unlogged;
alter table vin_first_dealers alter column vin type text collate "C";

-- Fills vin_first_dealers from the feed when its sentinel is missing (after a crash, on a promoted
-- standby, after a truncate): each VIN with its lowest dealer, and every VIN of two dealers into
-- vin_multi_dealers (already there unless that table was emptied too), then the sentinel, in one
-- transaction. True when it rebuilt. Callers that find the sentinel missing wait on the lock for
-- the one rebuilding, then find it.
create or replace function forecourt_restore_vin_first_dealers() returns boolean
  language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  if exists (select 1 from vin_first_dealers where vin = '') then
    return false;
  end if;
  -- any constant: one rebuild at a time
  perform pg_advisory_xact_lock(7305577);
  if exists (select 1 from vin_first_dealers where vin = '') then
    return false;
  end if;
  with delivered as (
    select t.vin collate "C" as vin, min(t.dealer_id) as lo, max(t.dealer_id) as hi
    from transactions t
    where t.vin is not null and t.quantity > 0 and t.kind in ('retail_delivery', 'registration')
    group by 1
  ),
  multi as (
    insert into vin_multi_dealers (vin)
    select vin from delivered where lo <> hi
    on conflict (vin) do nothing
  )
  insert into vin_first_dealers (vin, dealer_id)
  select vin, lo from delivered order by vin
  on conflict (vin) do nothing;
  insert into vin_first_dealers (vin, dealer_id) values ('', 0) on conflict (vin) do nothing;
  return true;
end $$;
revoke all on function forecourt_restore_vin_first_dealers() from public;

create or replace function forecourt_track_vin_dealers() returns trigger
  language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  -- one key lookup a statement; a rebuild only after a crash (or a truncate)
  if not exists (select 1 from vin_first_dealers where vin = '') then
    perform forecourt_restore_vin_first_dealers();
  end if;
  -- The batch's VINs, each with its lowest and highest dealer (one grouping). Each VIN's first
  -- dealer inserted in VIN order; a VIN already held by another dealer is updated in place (to the
  -- same value) and returned as there before (xmax set): listed. A batch holding an uncommitted
  -- row of the VIN makes this wait, then see it. A VIN of two dealers in this batch: listed.
  with batch as (
    select n.vin collate "C" as vin, min(n.dealer_id) as lo, max(n.dealer_id) as hi
    from new_rows n
    where n.vin is not null and n.quantity > 0 and n.kind in ('retail_delivery', 'registration')
    group by 1
  ),
  firsts as (
    insert into vin_first_dealers as f (vin, dealer_id)
    select vin, lo from batch order by vin
    on conflict (vin) do update set dealer_id = f.dealer_id
      where f.dealer_id <> excluded.dealer_id
    returning f.vin, f.xmax <> 0 as was_there
  )
  insert into vin_multi_dealers (vin)
  select vin from firsts where was_there
  union
  select vin from batch where lo <> hi
  on conflict (vin) do nothing;
  return null;
end $$;

-- The table's rows are complete (0055 filled it, the trigger kept it): only the sentinel is new.
insert into vin_first_dealers (vin, dealer_id) values ('', 0) on conflict (vin) do nothing;
