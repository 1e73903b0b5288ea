-- A VIN is paid once across the network within a program (docs/incentives.md, "A VIN is paid
-- once"). Which retail deliveries of the given dealers, dated from p_from to p_to, may not earn
-- in the program, and why:
--   paid_to_other_dealer       another dealer's sale of the same VIN counted in its approved or
--                              paid statement of the program (settled_unit_benefits, not clawed
--                              back) and no unwind of that sale was stored since;
--   delivered_by_other_dealer  another dealer delivered the VIN earlier (occurred_on, then the
--                              order rows were stored in) inside the program and no unwind of
--                              that delivery was stored since.
-- A delivery that was itself paid (its own approved statement) is never listed. An unwind counts
-- when it was stored after the delivery, names it (original_external_id, same dealer and source,
-- or its VIN when it names no sale) and is dated by the program's end (so it claws back there).
-- p_program_id null: the second rule only (the network's check for conflicts before it sums
-- groups). p_max_feed_id: a closed period counts the feed as stored by its close.
-- Security definer: it reads the other dealers' rows past row-level security and answers only
-- with the caller's own transactions and a reason, never the other dealer. Candidates are the
-- VINs that more than one dealer delivered in the program (one grouped, indexed pass).
create or replace function forecourt_vin_blocked(
  p_program_id integer,
  p_dealer_ids integer[],
  p_from date,
  p_to date,
  p_program_start date,
  p_program_end date,
  p_max_feed_id bigint
) returns table (transaction_id bigint, dealer_id integer, occurred_on date, reason text)
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  with mine as (
    select t.id, t.dealer_id, t.vin, t.occurred_on
    from transactions t
    where (p_dealer_ids is null or t.dealer_id = any(p_dealer_ids))
      and t.occurred_on between p_from and p_to
      and t.vin is not null and t.quantity > 0 and t.kind in ('retail_delivery', 'registration')
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
    where o.vin in (select vin from multi)
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
  where m.vin in (select vin from multi)
    and not exists (select 1 from standing s where s.id = m.id and s.paid)
    and (exists (select 1 from standing s
                 where s.vin = m.vin and s.dealer_id <> m.dealer_id and s.paid)
         or (not exists (select 1 from standing s where s.vin = m.vin and s.paid)
             and exists (select 1 from standing s
                         where s.vin = m.vin and s.dealer_id <> m.dealer_id
                           and (s.occurred_on < m.occurred_on
                                or (s.occurred_on = m.occurred_on and s.id < m.id)))))
  $$;
