-- Settlement by feed positions, and correction lines that say why (docs/incentives.md, "A VIN is
-- paid once", "Late rows after settlement").
--
-- 1. A correction line taking back (or paying) a delivery because another dealer's delivery or
--    approval of the same VIN earns it names the delivery and the reason: the line keeps its
--    reason code (`correction_reason`) and the delivery it is about (`corrects_transaction_id`,
--    the dealer's own row; the line's own `transaction_id` stays null for a take-back, so what an
--    approval records as settled and what the reconciliation reads are unchanged). Lines
--    approved before have neither.
alter table incentive_statement_lines add column correction_reason text;
alter table incentive_statement_lines add column corrects_transaction_id bigint;

-- 2. 0062's check, with a charged-back delivery judged by feed positions only: the payments that
--    stood at its charge are those approved at a position before the confirmation's
--    (`approved_position` < `feed_position`, both values of the feed's id sequence), as the
--    deliveries, unwinds and other charges already were. Before, the approval's and the
--    confirmation's times were compared (`approved_at <= decided_at`): two clocks, equal within
--    a transaction's `now()` or skewed between servers, could put an approval on the wrong side
--    of a charge that the feed orders unambiguously. An approval from before 0062 has no
--    position: it is judged by its time, as before (so nothing decided earlier moves).
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
           pay.raw_pos as paid_raw_pos,
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
             coalesce(st.approved_position, 0) as pos,
             st.approved_position as raw_pos
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
           -- paid by the charge: the approval positioned before the confirmation (an approval
           -- from before 0062 has no position: its time, as before)
           s.paid_at is not null
             and (me.charged_at is null
                  or (case when s.paid_raw_pos is null then s.paid_at <= me.charged_on
                           else s.paid_raw_pos < me.charged_at end)) as paid_then
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
