-- Approvals have a place in the feed (docs/incentives.md, "A VIN is paid once", "Approvals have a
-- place in the feed").
--
-- Before, a closed statement was recomputed at its approval with every approval recorded since
-- its close: dealer A's approval of a statement paying a VIN that dealer B's closed statement also
-- counted (B's delivery, dated earlier, was stored after A's period closed: B's correction paid it,
-- A's correction took A's payment back) excluded B's delivery (`paid_to_other_dealer`) in the
-- recomputation, so B's approval answered 409 STATEMENT_CHANGED_SINCE_CLOSE until its period was
-- re-closed (and so did A's own statement carrying the take-back).
--
-- Now an approval takes a position in the feed (`incentive_statements.approved_position`, a value
-- of the feed's id sequence taken under the ingest lock, shared, as a confirmation's: a close,
-- exclusive, is wholly before or after it), and a closed period counts approvals as it counts the
-- rows and the confirmations: only those positioned by its close (`forecourt_feed_position()`
-- counts them). So every computation at a feed bound (a closed statement, its approval, each side
-- of a correction) judges the VIN with the payments approved by then, and gives the same answer
-- whenever it is repeated: the approval approves what was closed.
--
-- Paid once: at one bound only one delivery of a VIN earns, so a dealer paid by a statement
-- decided before another dealer's payment existed is paid back by the same close's correction of
-- the other dealer (the take-back above). When two payments of one VIN still both stand (each
-- decided before the other was approved), the first approval (lowest position) keeps the VIN and
-- the other delivery is excluded (`paid_to_other_dealer`) from then on: an approval is an event
-- of the feed for `forecourt_vin_touched_dealers`, so the other dealer's next statement carries
-- the difference as a correction line, never a change of what was approved. Approvals made before
-- this migration have no position: they count at every bound, as before.
alter table incentive_statements add column approved_position bigint;
create index incentive_statements_approved_position_idx on incentive_statements (approved_position)
  where approved_position is not null;
-- the units an approval settled (forecourt_vin_touched_dealers reads them per approval)
create index settled_unit_benefits_statement_idx on settled_unit_benefits (statement_id, dealer_id);

-- The feed's position at a close: the last row stored, a later confirmation or a later approval
-- (all ids of the same sequence). Security definer: the flags and statements of every dealer.
create or replace function forecourt_feed_position() returns bigint
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  select greatest((select coalesce(max(id), 0) from transactions),
                  (select coalesce(max(feed_position), 0) from integrity_flags
                    where feed_position is not null),
                  (select coalesce(max(approved_position), 0) from incentive_statements
                    where approved_position is not null))
  $$;

-- 0056's check, with the payments counted at the bound (p_max_feed_id) and the first approval
-- keeping a VIN two approvals paid.
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
           -- approved (or paid) in this program, not clawed back, by the bound: when, and where
           pay.approved_at as paid_at,
           pay.pos as paid_pos,
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
      select coalesce(st.approved_at, '-infinity'::timestamptz) as approved_at,
             coalesce(st.approved_position, 0) as pos
        from settled_unit_benefits s join incentive_statements st on st.id = s.statement_id
       where p_program_id is not null and s.program_id = p_program_id
         and s.transaction_id = d.id and s.clawed_back_by is null
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
           s.occurred_on as s_on, s.paid_at, s.unwound_at, s.paid_pos as s_paid_pos,
           me.paid_pos as my_paid_pos,
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
           -- both paid (each approval decided before the other's): the first approval keeps it
           bool_or(p.stands and p.paid_then and p.s_dealer <> p.dealer_id
                   and p.my_paid_pos is not null and p.s_paid_pos < p.my_paid_pos) as paid_first_other,
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
  where (not j.self_paid
         and (j.paid_other or (not j.other_paid and j.earlier_other)))
     or (j.self_paid and j.paid_first_other);
end $$;

-- 0056's dealers to recompute for a correction, with the approvals positioned in the interval.
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
    union
    -- an approval paying a VIN two dealers delivered: every dealer of it (0 is no dealer), the
    -- approving one included (its own payment now stands for its delivery)
    select s.vin, 0
    from incentive_statements st
    join settled_unit_benefits s on s.statement_id = st.id and s.dealer_id = st.dealer_id
    where st.approved_position > p_after and (p_up_to is null or st.approved_position <= p_up_to)
      and s.vin in (select v.vin from vin_multi_dealers v)
  )
  select distinct d.dealer_id
  from events e
  join transactions d on d.vin = e.vin and d.dealer_id <> e.dealer_id
  where (p_dealer_ids is null or d.dealer_id = any(p_dealer_ids))
    and d.id <= p_after and d.occurred_on between p_from and p_to
    and d.quantity > 0 and d.kind in ('retail_delivery', 'registration');
end $$;

-- The unwinds 0059 leaves out of the engine's reads (`forecourt_charged_unwinds()`), of the given
-- dealers (null: any), each with the confirmed flag that charged its sale back (the first): the
-- statement lists them as excluded (`charged_back_unwind`, "unwind of a sale already charged back
-- (integrity flag #N)") so the dealer sees why its unwind took nothing; totals are unchanged.
-- The same rule as 0059's function. Security definer: the flags are the OEM's; only the caller's
-- own unwinds and its own flags' ids leave.
create or replace function forecourt_charged_unwind_flags(p_dealer_ids integer[])
  returns table (transaction_id bigint, flag_id integer)
  language sql stable security definer
  set search_path = public, pg_temp
  as $$
  with charged as (
    select s.id, s.dealer_id, s.vin, s.source, s.external_id, f.feed_position, f.id as flag_id
    from integrity_flags f
    join transactions s on s.dealer_id = f.dealer_id and s.vin = any(f.charged_vins)
                       and s.id < f.feed_position and s.kind <> 'unwind' and s.quantity > 0
    where f.status = 'confirmed' and f.feed_position is not null and f.charged_vins is not null
      and (p_dealer_ids is null or f.dealer_id = any(p_dealer_ids))
  )
  select x.id, min(x.flag_id)
  from (
    select u.id, c.flag_id
    from charged c
    join transactions u on u.dealer_id = c.dealer_id and u.source = c.source
                       and u.original_external_id = c.external_id and u.id > c.feed_position
                       and (u.kind = 'unwind' or u.quantity < 0)
    union all
    select u.id, c.flag_id
    from charged c
    join transactions u on u.dealer_id = c.dealer_id and u.vin = c.vin
                       and u.original_external_id is null and u.id > c.feed_position
                       and (u.kind = 'unwind' or u.quantity < 0)
    where not exists (select 1 from transactions r
                      where r.dealer_id = c.dealer_id and r.vin = c.vin and r.kind <> 'unwind'
                        and r.quantity > 0 and r.id > c.id and r.id < u.id)
  ) x
  group by x.id
  $$;
