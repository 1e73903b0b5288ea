-- A VIN freed after settlement (docs/incentives.md, "A VIN is paid once", "Freed after settlement").
--
-- 1. A confirmed integrity flag charges the dealer's sale back (insights/chargeback.ts). From then
--    on the dealer's deliveries of the flag's VINs, stored before the confirmation, no longer
--    stand in the VIN-once rule: another dealer's delivery of the VIN is no longer blocked by
--    them. The confirmation stores the VINs it charged (`charged_vins`) and its place in the feed
--    (`feed_position`: a value of the feed's id sequence taken under the ingest lock, shared, so a
--    period's close — exclusive — is wholly before or after it, and a closed period, counting the
--    feed as stored by its close, counts a confirmation the same way it counts an unwind).
alter table integrity_flags add column charged_vins text[];
alter table integrity_flags add column feed_position bigint;
create index integrity_flags_charged_idx on integrity_flags (dealer_id, feed_position)
  where status = 'confirmed' and feed_position is not null;

-- The feed's position at a close: the last row stored, or a later confirmation (both are ids of
-- the same sequence). Security definer: the flags are the OEM's, whoever closes.
create or replace function forecourt_feed_position() returns bigint
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  select greatest((select coalesce(max(id), 0) from transactions),
                  (select coalesce(max(feed_position), 0) from integrity_flags
                    where feed_position is not null))
  $$;

-- 2. 0055's check with the confirmations. A delivery no longer stands for the others when it was
--    unwound (0047) or charged back (a confirmed flag of its dealer naming its VIN, positioned
--    after it). A charged-back delivery is itself judged as things stood when its flag was
--    confirmed (the chargeback took back exactly what it earned then): the deliveries stored
--    before the confirmation, not unwound or charged back by then, and the payments approved by
--    then. So confirming a flag never makes its own dealer's delivery earn (a blocked duplicate
--    stays blocked) nor excludes it later (its money was taken back once, by the chargeback).
--    A delivery itself paid is never excluded, as before.
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
           -- approved (or paid) in this program, not clawed back: when
           (select coalesce(st.approved_at, '-infinity'::timestamptz)
              from settled_unit_benefits s join incentive_statements st on st.id = s.statement_id
             where p_program_id is not null and s.program_id = p_program_id
               and s.transaction_id = d.id and s.clawed_back_by is null
             limit 1) as paid_at,
           -- the first unwind of it stored (its feed id)
           least(
             (select min(u.id) from transactions u
               where u.vin = d.vin and u.dealer_id = d.dealer_id and u.id > d.id
                 and u.original_external_id is null
                 and (u.kind = 'unwind' or u.quantity < 0)
                 and u.occurred_on <= p_program_end
                 and (p_max_feed_id is null or u.id <= p_max_feed_id)),
             (select min(u.id) from transactions u
               where u.dealer_id = d.dealer_id and u.source = d.source
                 and u.original_external_id = d.external_id and u.id > d.id
                 and (u.kind = 'unwind' or u.quantity < 0)
                 and u.occurred_on <= p_program_end
                 and (p_max_feed_id is null or u.id <= p_max_feed_id))) as unwound_at,
           c.feed_position as charged_at,
           c.decided_at as charged_on
    from delivered d
    left join lateral (
      select f.feed_position, f.decided_at from integrity_flags f
      where f.dealer_id = d.dealer_id and f.status = 'confirmed'
        and f.feed_position > d.id and d.vin = any(f.charged_vins)
        and (p_max_feed_id is null or f.feed_position <= p_max_feed_id)
      order by f.feed_position
      limit 1) c on true
    where d.vin in (select vin from multi)
  ),
  pairs as (
    select m.id, m.dealer_id, m.occurred_on, s.id as s_id, s.dealer_id as s_dealer,
           s.occurred_on as s_on, s.paid_at, s.unwound_at,
           (s.id = m.id) as is_self,
           -- s stands for m: now (m not charged back), or as things stood at m's charge
           s.id <> m.id and (case when me.charged_at is null
                                  then s.unwound_at is null and s.charged_at is null
                                  else s.id < me.charged_at
                                       and (s.unwound_at is null or s.unwound_at > me.charged_at)
                                       and (s.charged_at is null or s.charged_at > me.charged_at)
                             end) as stands,
           s.paid_at is not null
             and (me.charged_on is null or s.paid_at <= me.charged_on) as paid_then
    from mine m
    join standing s on s.vin = m.vin
    left join standing me on me.id = m.id
    where m.vin in (select vin from multi)
  ),
  judged as (
    select p.id, p.dealer_id, p.occurred_on,
           bool_or(p.is_self and p.paid_at is not null and p.unwound_at is null) as self_paid,
           bool_or(p.stands and p.paid_then) as other_paid,
           bool_or(p.stands and p.paid_then and p.s_dealer <> p.dealer_id) as paid_other,
           bool_or(p.stands and p.s_dealer <> p.dealer_id
                   and (p.s_on < p.occurred_on
                        or (p.s_on = p.occurred_on and p.s_id < p.id))) as earlier_other
    from pairs p
    group by p.id, p.dealer_id, p.occurred_on
  )
  select j.id, j.dealer_id, j.occurred_on,
         case when j.paid_other then 'paid_to_other_dealer'
              else 'delivered_by_other_dealer' end
  from judged j
  where not j.self_paid
    and (j.paid_other or (not j.other_paid and j.earlier_other));
end $$;

-- 3. The dealers whose deliveries of a settled period (dated from p_from to p_to, stored by
--    p_after) may be freed or blocked by what another dealer's rows stored in (p_after, p_up_to]
--    did to their VIN: a delivery, an unwind (by its VIN or its sale's), a confirmed flag. Their
--    statements of the period are recomputed for its correction (corrections.ts), as for a late
--    row of their own. Only the given dealers (null: any); never which other dealer it was.
create or replace function forecourt_vin_touched_dealers(
  p_dealer_ids integer[],
  p_after bigint,
  p_up_to bigint,
  p_from date,
  p_to date
) returns setof integer
  language plpgsql stable security definer
  set search_path = public, pg_temp
  as $$
begin
  -- no VIN delivered by two dealers and no confirmation in the interval: none (one empty read)
  if not exists (select 1 from vin_multi_dealers)
     and not exists (select 1 from integrity_flags f
                     where f.status = 'confirmed' and f.feed_position > p_after
                       and (p_up_to is null or f.feed_position <= p_up_to)) then
    return;
  end if;
  return query
  with events as (
    -- each from the (small) set of VINs two dealers delivered, through the VIN index
    select t.vin, t.dealer_id
    from vin_multi_dealers v
    join transactions t on t.vin = v.vin
    where t.id > p_after and (p_up_to is null or t.id <= p_up_to)
    union
    select s.vin, u.dealer_id
    from vin_multi_dealers v
    join transactions s on s.vin = v.vin and s.kind <> 'unwind'
    join transactions u on u.dealer_id = s.dealer_id and u.source = s.source
                       and u.original_external_id = s.external_id
    where u.id > p_after and (p_up_to is null or u.id <= p_up_to)
    union
    select unnest(f.charged_vins), f.dealer_id
    from integrity_flags f
    where f.status = 'confirmed' and f.feed_position > p_after
      and (p_up_to is null or f.feed_position <= p_up_to)
  )
  select distinct d.dealer_id
  from events e
  join transactions d on d.vin = e.vin and d.dealer_id <> e.dealer_id
  where (p_dealer_ids is null or d.dealer_id = any(p_dealer_ids))
    and d.id <= p_after and d.occurred_on between p_from and p_to
    and d.quantity > 0 and d.kind in ('retail_delivery', 'registration');
end $$;

-- 4. Claims: a VIN holds one valid claim in a program (0032, `not_claimed_before`). A claim whose
--    sale was unwound since (stored after it, naming it or, naming no sale, its VIN; dated by the
--    program's end, so it claws the claim back there) or charged back (a confirmed flag of its
--    dealer naming the VIN, positioned after the sale) no longer holds the VIN: another dealer's
--    sale of it may be claimed and paid. Before, the first claim held the VIN for ever.
create or replace function forecourt_vin_claimed(p_program_id integer, v text) returns boolean
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  with program_end as (
    select (pv.definition->>'endDate')::date as end_date
    from program_versions pv
    where pv.program_id = p_program_id and pv.status = 'published'
    order by pv.version_no desc
    limit 1
  )
  select exists (
    select 1
    from incentive_claims c
    left join transactions s on s.id = c.transaction_id
    where c.program_id = p_program_id and c.vin = v and c.status in ('validated', 'approved')
      and (s.id is null or (
        not exists (
          select 1 from transactions u
          where u.dealer_id = s.dealer_id and u.id > s.id
            and (u.kind = 'unwind' or u.quantity < 0)
            and u.occurred_on <= coalesce((select end_date from program_end), 'infinity'::date)
            and ((u.original_external_id is not null and u.source = s.source
                  and u.original_external_id = s.external_id)
                 or (u.original_external_id is null and u.vin = s.vin)))
        and not exists (
          select 1 from integrity_flags f
          where f.dealer_id = c.dealer_id and f.status = 'confirmed'
            and f.feed_position > s.id and s.vin = any(f.charged_vins)))))
  $$;
