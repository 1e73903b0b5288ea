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

create or replace function forecourt_track_vin_dealers() returns trigger
  language plpgsql security definer
  set search_path = public, pg_temp
  as $$
begin
  -- in VIN order: two batches sharing VINs take their unique-key waits in one order (no deadlock)
  insert into vin_first_dealers (vin, dealer_id)
  select distinct on (n.vin) n.vin, n.dealer_id
  from new_rows n
  where n.vin is not null and n.quantity > 0 and n.kind in ('retail_delivery', 'registration')
  order by n.vin, n.id
  on conflict (vin) do nothing;
  -- a new statement: it sees the first dealer of a VIN another batch committed meanwhile
  insert into vin_multi_dealers (vin)
  select distinct n.vin
  from new_rows n
  join vin_first_dealers f on f.vin = n.vin
  where n.vin is not null and n.quantity > 0 and n.kind in ('retail_delivery', 'registration')
    and f.dealer_id <> n.dealer_id
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

-- 0047's rules, unchanged, asked only of the deliveries whose VIN another dealer also delivered:
-- `mine` starts from vin_multi_dealers (an indexed probe per VIN), so the answer for a network or
-- a dealer with no such VIN costs one empty read. plpgsql: planned with the call's own values (a
-- null dealer list or feed bound no longer forces a plan that scans every row).
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
  as $$
#variable_conflict use_column
begin
  if not exists (select 1 from vin_multi_dealers) then
    return;
  end if;
  return query
  with mine as (
    select t.id, t.dealer_id, t.vin, t.occurred_on
    from vin_multi_dealers v
    join transactions t on t.vin = v.vin
    where (p_dealer_ids is null or t.dealer_id = any(p_dealer_ids))
      and t.occurred_on between p_from and p_to
      and t.quantity > 0 and t.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or t.id <= p_max_feed_id)
  ),
  multi as (
    select o.vin
    from transactions o
    where o.vin in (select m.vin from mine m)
      and o.occurred_on between p_program_start and p_to
      and o.quantity > 0 and o.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or o.id <= p_max_feed_id)
    group by o.vin
    having count(distinct o.dealer_id) > 1
  ),
  standing as (
    select o.id, o.dealer_id, o.vin, o.occurred_on,
           (p_program_id is not null and exists (
              select 1 from settled_unit_benefits s
              where s.program_id = p_program_id and s.transaction_id = o.id
                and s.clawed_back_by is null)) as paid
    from transactions o
    where o.vin in (select m2.vin from multi m2)
      and o.occurred_on between p_program_start and p_to
      and o.quantity > 0 and o.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or o.id <= p_max_feed_id)
      and not exists (
        select 1 from transactions u
        where u.dealer_id = o.dealer_id and u.id > o.id
          and (u.kind = 'unwind' or u.quantity < 0)
          and u.occurred_on <= p_program_end
          and (p_max_feed_id is null or u.id <= p_max_feed_id)
          and ((u.original_external_id is not null and u.original_external_id = o.external_id
                and u.source = o.source)
               or (u.original_external_id is null and u.vin = o.vin)))
  )
  select m.id, m.dealer_id, m.occurred_on,
         case when exists (select 1 from standing s
                           where s.vin = m.vin and s.dealer_id <> m.dealer_id and s.paid)
              then 'paid_to_other_dealer'
              else 'delivered_by_other_dealer' end
  from mine m
  where m.vin in (select m3.vin from multi m3)
    and not exists (select 1 from standing s where s.id = m.id and s.paid)
    and (exists (select 1 from standing s
                 where s.vin = m.vin and s.dealer_id <> m.dealer_id and s.paid)
         or (not exists (select 1 from standing s where s.vin = m.vin and s.paid)
             and exists (select 1 from standing s
                         where s.vin = m.vin and s.dealer_id <> m.dealer_id
                           and (s.occurred_on < m.occurred_on
                                or (s.occurred_on = m.occurred_on and s.id < m.id)))));
end $$;
