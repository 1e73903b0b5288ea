-- The unwind of a blocked delivery is left out in every window, not only in the delivery's own
-- (docs/incentives.md, "A VIN is paid once").
--
-- A blocked delivery never counts in its dealer's measure, and the engine left its unwind out with
-- it only when both were in the same statement's rows. Unwound in a later window (delivered in
-- March and blocked, taken back in May), the unwind counted -1 in May's measure: alone it floored
-- at 0.00, but beside another sale the dealer lost that sale's benefit (or a tier) for a car that
-- never earned anything.
--
-- Now the function also answers with the caller's unwinds that a statement of [p_from, p_to]
-- reads (dated in it, or dated before it and arrived in it: the statement's own rule,
-- statements.repository.ts) when the delivery each names is blocked, whatever window that
-- delivery is in: the delivery is judged exactly as it is in its own window (0066: as things stood
-- at the first of its unwind and its charge, for good), and the unwind gets the delivery's reason.
-- The delivery an unwind names: by its original_external_id (same dealer and source), else the
-- dealer's latest delivery of its VIN stored before it. Such an unwind is answered with its date
-- and, when it arrived later, once more with its arrival date (the network totals read the dates
-- to know which periods need their rows: a late unwind counts on its arrival). The engine leaves it out unless it claws back a settled
-- unit (a paid delivery is never blocked afterwards, 0066).
--
-- At a charge, a payment clawed back after the confirmation stood there (0066 did so at an
-- unwind): before, any clawback by the bound (in a live period: every clawback) hid it, so a
-- charged-back delivery blocked by that payment was freed by the other dealer's later unwind.
--
-- In a claims program only the deliveries behind a claim that holds the VIN (validated or
-- approved, `forecourt_vin_claimed`) compete: before, another dealer's earlier delivery that was
-- never claimed excluded the claimed one (`delivered_by_other_dealer`), while that dealer could not
-- claim its own any more (the VIN was held by the claim): nobody was paid for the car.
-- Only the function changes: nothing is stored, approved statements are frozen.
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
  v_uw bigint[];
  v_tg bigint[];
  v_ts date[];
  v_claims boolean;
begin
  if not exists (select 1 from vin_multi_dealers) then
    return;
  end if;
  -- a claims program: only the deliveries behind a claim that holds the VIN compete (0067)
  select coalesce((pv.definition->>'requiresClaim')::boolean, false) into v_claims
  from program_versions pv
  where pv.program_id = p_program_id and pv.status = 'published'
  order by pv.version_no desc
  limit 1;
  v_claims := coalesce(v_claims, false);
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
  -- the caller's unwinds a statement of the window reads, each with the delivery it names (a
  -- delivery of the program whose VIN another dealer also delivered)
  with u as (
    select u.id, u.dealer_id, u.vin, u.source, u.original_external_id, u.occurred_on,
           u.received_at, (u.received_at at time zone 'UTC')::date as arrived_on
    from transactions u
    where p_dealer_ids is not null and cardinality(p_dealer_ids) <= 50
      and u.dealer_id = any(p_dealer_ids)
      and (u.occurred_on between p_from and p_to
           or (u.occurred_on between p_program_start and p_from - 1
               and u.received_at >= p_from and u.received_at < p_to + 1))
      and (u.kind = 'unwind' or u.quantity < 0)
      and (u.vin is null or exists (select 1 from vin_multi_dealers v where v.vin = u.vin))
      and (p_max_feed_id is null or u.id <= p_max_feed_id)
    union
    -- every dealer: the unwinds of such VINs, and those naming a delivery of one
    select u.id, u.dealer_id, u.vin, u.source, u.original_external_id, u.occurred_on,
           u.received_at, (u.received_at at time zone 'UTC')::date
    from vin_multi_dealers v
    join transactions u on u.vin = v.vin
    where (p_dealer_ids is null or cardinality(p_dealer_ids) > 50)
      and (p_dealer_ids is null or u.dealer_id = any(p_dealer_ids))
      and (u.kind = 'unwind' or u.quantity < 0)
      and (p_max_feed_id is null or u.id <= p_max_feed_id)
    union
    select u.id, u.dealer_id, u.vin, u.source, u.original_external_id, u.occurred_on,
           u.received_at, (u.received_at at time zone 'UTC')::date
    from vin_multi_dealers v
    join transactions d on d.vin = v.vin
    join transactions u on u.dealer_id = d.dealer_id and u.source = d.source
                       and u.original_external_id = d.external_id
    where (p_dealer_ids is null or cardinality(p_dealer_ids) > 50)
      and (p_dealer_ids is null or d.dealer_id = any(p_dealer_ids))
      and d.quantity > 0 and d.kind in ('retail_delivery', 'registration')
      and (u.kind = 'unwind' or u.quantity < 0)
      and (p_max_feed_id is null or u.id <= p_max_feed_id)
  )
  select array_agg(u.id), array_agg(tg.id),
         array_agg(greatest(u.occurred_on, u.arrived_on))
    into v_uw, v_tg, v_ts
  from u
  cross join lateral (
    select d.id, d.vin from transactions d
     where d.dealer_id = u.dealer_id and d.id < u.id
       and d.quantity > 0 and d.kind in ('retail_delivery', 'registration')
       and d.occurred_on between p_program_start and p_to
       and (case when u.original_external_id is not null
                 then d.source = u.source and d.external_id = u.original_external_id
                 else d.vin = u.vin end)
     order by d.id desc
     limit 1) tg
  where (u.occurred_on between p_from and p_to
         or (u.occurred_on between p_program_start and p_from - 1
             and u.received_at >= p_from and u.received_at < p_to + 1))
    and exists (select 1 from vin_multi_dealers v where v.vin = tg.vin);
  if v_ids is null and v_uw is null then
    return;
  end if;
  return query
  with mine as materialized (
    select t.id, t.dealer_id, t.vin, t.occurred_on
    from transactions t
    where t.id = any(v_ids) or t.id = any(v_tg)
  ),
  delivered as materialized (
    select o.id, o.dealer_id, o.vin, o.occurred_on, o.source, o.external_id
    from transactions o
    where o.vin in (select m.vin from mine m)
      and o.occurred_on between p_program_start and p_to
      and o.quantity > 0 and o.kind in ('retail_delivery', 'registration')
      and (p_max_feed_id is null or o.id <= p_max_feed_id)
      and (not v_claims
           or exists (select 1 from incentive_claims c
                       where c.program_id = p_program_id and c.vin = o.vin
                         and c.transaction_id = o.id and c.status in ('validated', 'approved')))
  ),
  multi as (
    select d.vin from delivered d group by d.vin having count(distinct d.dealer_id) > 1
  ),
  standing as materialized (
    select d.id, d.dealer_id, d.vin, d.occurred_on,
           -- approved (or paid) in this program, not clawed back, by the bound: when, and where
           case when not pay.clawed then pay.approved_at end as paid_at,
           case when not pay.clawed then pay.pos end as paid_pos,
           case when not pay.clawed then pay.raw_pos end as paid_raw_pos,
           -- its approval, clawed back since or not: when it stood (judging at an unwind or a
           -- charge)
           pay.approved_at is not null as unit_paid,
           pay.approved_at as unit_at,
           pay.raw_pos as unit_pos,
           case when pay.clawed then pay.clawed_pos end as unit_clawed_pos,
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
      -- its settled unit (one per program and delivery), clawed back or not
      select coalesce(st.approved_at, '-infinity'::timestamptz) as approved_at,
             coalesce(st.approved_position, 0) as pos,
             st.approved_position as raw_pos,
             -- clawed back by the bound (a clawback approved before 0062 has no position: at
             -- every bound, as before)
             s.clawed_back_by is not null
               and (p_max_feed_id is null or cb.approved_position is null
                    or cb.approved_position <= p_max_feed_id) as clawed,
             coalesce(cb.approved_position, 0) as clawed_pos
        from settled_unit_benefits s join incentive_statements st on st.id = s.statement_id
        left join incentive_statements cb on cb.id = s.clawed_back_by
       where p_program_id is not null and s.program_id = p_program_id
         and s.transaction_id = d.id
         and (p_max_feed_id is null or st.approved_position is null
              or st.approved_position <= p_max_feed_id)
       limit 1) pay on true
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
           e.by_unwind,
           -- the approval positions of the two payments (judging at an unwind: those that stood)
           case when e.ended_at is not null then coalesce(s.unit_pos, 0) else s.paid_pos end
             as s_paid_pos,
           case when not e.by_unwind then me.paid_pos
                when me.unit_paid
                     and (me.unit_pos is null or me.unit_pos < e.ended_at)
                     and (me.unit_clawed_pos is null or me.unit_clawed_pos > e.ended_at)
                  then coalesce(me.unit_pos, 0) end as my_paid_pos,
           (s.id = m.id) as is_self,
           -- s stands for m: now (m neither unwound nor charged back), or as things stood at
           -- the end of m's life in the feed (the first of its unwind and its charge)
           s.id <> m.id and (case when e.ended_at is null
                                  then s.unwound_at is null and s.charged_at is null
                                  else s.id < e.ended_at
                                       and (s.unwound_at is null or s.unwound_at > e.ended_at)
                                       and (s.charged_at is null or s.charged_at > e.ended_at)
                             end) as stands,
           -- paid then: at a charge, the approval positioned before the confirmation (an
           -- approval from before 0062 has no position: its time, as before) and not clawed back
           -- by a statement approved before the confirmation (0067: a clawback approved after it
           -- hid the payment); at an unwind, the approval positioned before it (none: it stands)
           -- and not clawed back by a statement approved before it
           case when e.ended_at is null then s.paid_at is not null
                when e.by_charge
                  then coalesce(s.unit_paid
                                and (case when s.unit_pos is null then s.unit_at <= me.charged_on
                                          else s.unit_pos < me.charged_at end)
                                and (s.unit_clawed_pos is null
                                     or s.unit_clawed_pos > me.charged_at), false)
                else coalesce(s.unit_paid
                              and (s.unit_pos is null or s.unit_pos < e.ended_at)
                              and (s.unit_clawed_pos is null or s.unit_clawed_pos > e.ended_at),
                              false)
           end as paid_then
    from mine m
    join standing s on s.vin = m.vin
    left join standing me on me.id = m.id
    cross join lateral (
      select least(me.charged_at, me.unwound_at) as ended_at,
             me.charged_at is not null
               and (me.unwound_at is null or me.charged_at < me.unwound_at) as by_charge,
             coalesce(me.unwound_at is not null
                      and (me.charged_at is null or me.unwound_at < me.charged_at), false)
               as by_unwind) e
    where m.vin in (select vin from multi)
  ),
  judged as (
    select p.id, p.dealer_id, p.occurred_on,
           -- its own payment stands (now; at an unwind, as it stood then)
           bool_or(p.is_self and (case when p.by_unwind then p.paid_then
                                       else p.paid_at is not null and p.unwound_at is null
                                  end)) as self_paid,
           bool_or(p.stands and p.paid_then) as other_paid,
           bool_or(p.stands and p.paid_then and p.s_dealer <> p.dealer_id) as paid_other,
           -- both paid (each approval decided before the other's): the first approval keeps it
           bool_or(p.stands and p.paid_then and p.s_dealer <> p.dealer_id
                   and p.my_paid_pos is not null and p.s_paid_pos < p.my_paid_pos) as paid_first_other,
           bool_or(p.stands and p.s_dealer <> p.dealer_id
                   and (p.s_on < p.occurred_on
                        or (p.s_on = p.occurred_on and p.s_id < p.id))) as earlier_other
    from pairs p
    group by p.id, p.dealer_id, p.occurred_on
  ),
  blocked as (
    select j.id, j.dealer_id, j.occurred_on,
           case when j.paid_other then 'paid_to_other_dealer'
                else 'delivered_by_other_dealer' end as reason
    from judged j
    where (not j.self_paid
           and (j.paid_other or (not j.other_paid and j.earlier_other)))
       or (j.self_paid and j.paid_first_other)
  ),
  unwinds as (
    select x.uw, x.tg, x.ts from unnest(v_uw, v_tg, v_ts) as x(uw, tg, ts)
  )
  -- the blocked deliveries of the window
  select b.id, b.dealer_id, b.occurred_on, b.reason
  from blocked b
  where b.id = any(v_ids)
  union all
  -- the unwinds of blocked deliveries (of any window) that the window reads: at their date, and
  -- at their arrival when later
  select distinct x.uw, b.dealer_id, d.day, b.reason
  from unwinds x
  join blocked b on b.id = x.tg
  join transactions u on u.id = x.uw
  cross join lateral (values (u.occurred_on), (x.ts)) d(day);
end $$;
