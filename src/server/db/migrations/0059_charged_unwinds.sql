-- An unwind of a sale already charged back (docs/incentives.md, "Unwinds and clawbacks").
--
-- A confirmed integrity flag takes back what the dealer's flagged deliveries earned
-- (insights/chargeback.ts), netting the unwinds of them stored by then. An unwind of such a
-- delivery stored after the confirmation (its feed id above the flag's `feed_position`, 0056)
-- must not take the money back a second time: the engine leaves it out (the statement's rows,
-- the network totals, the corrections and progress all read the feed through this list), so the
-- sale stays as the chargeback settled it, in every window: no clawback of its settled unit, and
-- no netting of its window's measure (the tier it lifted was taken back by the chargeback).
-- An unwind stored before the confirmation is not in the list: the chargeback netted it. An
-- unwind naming no sale (by VIN) is the charged delivery's only while no later delivery of the
-- VIN by the dealer stands between them (a re-delivery's unwind counts as usual).
-- Security definer: the flags are the OEM's, whoever computes a statement (only feed ids leave).
create or replace function forecourt_charged_unwinds() returns bigint[]
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  with charged as (
    select s.id, s.dealer_id, s.vin, s.source, s.external_id, f.feed_position
    from integrity_flags f
    join transactions s on s.dealer_id = f.dealer_id and s.vin = any(f.charged_vins)
                       and s.id < f.feed_position and s.kind <> 'unwind' and s.quantity > 0
    where f.status = 'confirmed' and f.feed_position is not null and f.charged_vins is not null
  )
  select coalesce(array_agg(distinct x.id), '{}'::bigint[])
  from (
    select u.id
    from charged c
    join transactions u on u.dealer_id = c.dealer_id and u.source = c.source
                       and u.original_external_id = c.external_id and u.id > c.feed_position
                       and (u.kind = 'unwind' or u.quantity < 0)
    union all
    select u.id
    from charged c
    join transactions u on u.dealer_id = c.dealer_id and u.vin = c.vin
                       and u.original_external_id is null and u.id > c.feed_position
                       and (u.kind = 'unwind' or u.quantity < 0)
    where not exists (select 1 from transactions r
                      where r.dealer_id = c.dealer_id and r.vin = c.vin and r.kind <> 'unwind'
                        and r.quantity > 0 and r.id > c.id and r.id < u.id)
  ) x
  $$;
