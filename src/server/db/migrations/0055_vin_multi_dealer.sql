-- The VIN-once check (0047) made cheap: which VINs more than one dealer ever delivered, kept by
-- the feed itself, so that `forecourt_vin_blocked` starts from that (normally tiny) set instead of
-- grouping every delivery of the window by VIN (a pass over millions of rows per program: the
-- network recalculation went 3.95 → 25.6 s and one dealer's progress 14 → 1,198 ms).
--
-- vin_first_dealers   the first dealer that delivered each VIN (one row a VIN; the unique key
--                     makes two inserts of one VIN by two dealers at once wait for each other, so
--                     the second always sees the first: no race between concurrent batches);
-- vin_multi_dealers   the VINs delivered by more than one dealer, ever (a superset of what any
--                     program window needs: the function applies its exact rules to them).
-- Both are kept by a statement trigger on transactions (every insert path: the feed's staging
-- merge, its streamed COPY, corrections, the demo seed). Transactions are never updated in dealer
-- or VIN, nor deleted outside benches, so the set only grows; a deleted row leaves a superset.
-- Neither table is visible to the application role: they name other dealers' VINs.
create table vin_first_dealers (
  vin text primary key,
  dealer_id integer not null
);
create table vin_multi_dealers (
  vin text primary key
);
revoke all on vin_first_dealers, vin_multi_dealers from forecourt_app;
-- and row-level security with no policy: the application's role would see no row even if granted
-- (a table with a dealer column is protected, tests/row-level-security.test.ts); the trigger and
-- the check are security definer, run as the owner, and read it whole.
alter table vin_first_dealers enable row level security;

create or replace function forecourt_track_vin_dealers() returns trigger
  language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  -- Each VIN's first dealer, in VIN order (two batches sharing VINs take their unique-key waits
  -- in one order: no deadlock). A VIN already held by another dealer is updated in place (to the
  -- same value) and returned as there before (xmax set): listed. A batch holding an uncommitted
  -- row of the VIN makes this wait, then see it. One index pass; rows of two dealers in this
  -- statement are listed by the second part.
  with firsts as (
    insert into vin_first_dealers as f (vin, dealer_id)
    select distinct on (n.vin) n.vin, n.dealer_id
    from new_rows n
    where n.vin is not null and n.quantity > 0 and n.kind in ('retail_delivery', 'registration')
    order by n.vin, n.id
    on conflict (vin) do update set dealer_id = f.dealer_id
      where f.dealer_id <> excluded.dealer_id
    returning f.vin, f.xmax <> 0 as was_there
  )
  insert into vin_multi_dealers (vin)
  select vin from firsts where was_there
  union
  select n.vin
  from new_rows n
  where n.vin is not null and n.quantity > 0 and n.kind in ('retail_delivery', 'registration')
  group by n.vin
  having min(n.dealer_id) <> max(n.dealer_id)
  on conflict (vin) do nothing;
  return null;
end $$;

create trigger transactions_track_vin_dealers
  after insert on transactions
  referencing new table as new_rows
  for each statement execute function forecourt_track_vin_dealers();

insert into vin_first_dealers (vin, dealer_id)
select distinct on (vin) vin, dealer_id
from transactions
where vin is not null and quantity > 0 and kind in ('retail_delivery', 'registration')
order by vin, id;
insert into vin_multi_dealers (vin)
select vin
from transactions
where vin is not null and quantity > 0 and kind in ('retail_delivery', 'registration')
group by vin
having count(distinct dealer_id) > 1;
analyze vin_first_dealers;
analyze vin_multi_dealers;

-- An unwind that names its sale (original_external_id) is found by that name (few rows: unwinds).
create index transactions_unwind_original_idx on transactions (dealer_id, source, original_external_id)
  where original_external_id is not null;

-- 0047's rules, unchanged, asked only of the deliveries whose VIN another dealer also delivered.
-- plpgsql in three steps, each with a plan of its own shape:
--   1. the caller's candidate deliveries: from its dealers' window rows (a short dealer list: a
--      statement, progress) or from vin_multi_dealers (the network, long lists); none: done;
--   2. every standing delivery of those VINs in the program (VIN index; an unwind found by the
--      VIN or by the sale it names, each through an index);
--   3. the rules, as one grouped join per candidate (no per-row scans of step 2's rows).
create or replace function forecourt_vin_blocked(
  p_program_id integer,
  p_dealer_ids integer[],
  p_from date,
  p_to date,
  p_program_start date,
  p_program_end date,
  p_max_feed_id bigint
) returns table (transaction_id bigint, dealer_id integer, occurred_on date, reason text)
  language plpgsql stable security definer
  set search_path = public, pg_temp
  -- a generic plan of step 3 (after five calls in a session) took 7× as long as a custom one
  set plan_cache_mode = force_custom_plan
  as $$
#variable_conflict use_column
declare
  v_ids bigint[];
begin
  if not exists (select 1 from vin_multi_dealers) then
    return;
  end if;
  if p_dealer_ids is not null and cardinality(p_dealer_ids) <= 50 then
    select array_agg(t.id) into v_ids
    from transactions t
    where t.dealer_id = any(p_dealer_ids)
      and t.occurred_on between p_from and p_to
      and t.vin is not null and t.quantity > 0 and t.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or t.id <= p_max_feed_id)
      and exists (select 1 from vin_multi_dealers v where v.vin = t.vin);
  else
    select array_agg(t.id) into v_ids
    from vin_multi_dealers v
    join transactions t on t.vin = v.vin
    where (p_dealer_ids is null or t.dealer_id = any(p_dealer_ids))
      and t.occurred_on between p_from and p_to
      and t.quantity > 0 and t.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or t.id <= p_max_feed_id);
  end if;
  if v_ids is null then
    return;
  end if;
  return query
  with mine as materialized (
    select t.id, t.dealer_id, t.vin, t.occurred_on
    from transactions t
    where t.id = any(v_ids)
  ),
  delivered as materialized (
    select o.id, o.dealer_id, o.vin, o.occurred_on, o.source, o.external_id
    from transactions o
    where o.vin in (select m.vin from mine m)
      and o.occurred_on between p_program_start and p_to
      and o.quantity > 0 and o.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or o.id <= p_max_feed_id)
  ),
  multi as (
    select d.vin from delivered d group by d.vin having count(distinct d.dealer_id) > 1
  ),
  standing as materialized (
    select d.id, d.dealer_id, d.vin, d.occurred_on,
           (p_program_id is not null and exists (
              select 1 from settled_unit_benefits s
              where s.program_id = p_program_id and s.transaction_id = d.id
                and s.clawed_back_by is null)) as paid
    from delivered d
    where d.vin in (select vin from multi)
      and not exists (
        select 1 from transactions u
        where u.vin = d.vin and u.dealer_id = d.dealer_id and u.id > d.id
          and u.original_external_id is null
          and (u.kind = 'unwind' or u.quantity < 0)
          and u.occurred_on <= p_program_end
          and (p_max_feed_id is null or u.id <= p_max_feed_id))
      and not exists (
        select 1 from transactions u
        where u.dealer_id = d.dealer_id and u.source = d.source
          and u.original_external_id = d.external_id and u.id > d.id
          and (u.kind = 'unwind' or u.quantity < 0)
          and u.occurred_on <= p_program_end
          and (p_max_feed_id is null or u.id <= p_max_feed_id))
  ),
  judged as (
    select m.id, m.dealer_id, m.occurred_on,
           bool_or(s.id = m.id and s.paid) as self_paid,
           bool_or(s.paid) as any_paid,
           bool_or(s.paid and s.dealer_id <> m.dealer_id) as paid_other,
           bool_or(s.dealer_id <> m.dealer_id
                   and (s.occurred_on < m.occurred_on
                        or (s.occurred_on = m.occurred_on and s.id < m.id))) as earlier_other
    from mine m
    join standing s on s.vin = m.vin
    where m.vin in (select vin from multi)
    group by m.id, m.dealer_id, m.occurred_on
  )
  select j.id, j.dealer_id, j.occurred_on,
         case when j.paid_other then 'paid_to_other_dealer'
              else 'delivered_by_other_dealer' end
  from judged j
  where not j.self_paid and (j.paid_other or (not j.any_paid and j.earlier_other));
end $$;
