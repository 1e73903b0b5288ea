-- Events and webhooks, the rest of issue 15 (docs/integration.md, "Events and webhooks"):
-- allocation and integrity-flag events written by triggers as 0022 does, the previous secret of a
-- subscription while its rotation's grace window runs, and the audit kinds of subscription
-- changes.

-- Secret rotation: the new secret signs at once; the previous one signs beside it (a second
-- `v1,` signature in webhook-signature) until `previous_secret_until`.
alter table webhook_subscriptions add column previous_secret text;
alter table webhook_subscriptions add column previous_secret_until timestamptz;
alter table webhook_subscriptions add constraint webhook_subscriptions_previous_secret_check
  check ((previous_secret is null) = (previous_secret_until is null));

-- Retention (the `webhooks.purge` job): delivered deliveries by their delivery time, dead letters
-- by their last attempt, outbox rows once no delivery refers to them.
create index webhook_deliveries_delivered_idx on webhook_deliveries (delivered_at)
  where state = 'delivered';
create index outbox_created_idx on outbox (created_at, id);

-- Subscription changes in the audit log (the secret never is).
alter table audit_log drop constraint audit_log_kind_check;
alter table audit_log add constraint audit_log_kind_check check (kind in (
  'sign_in.succeeded', 'sign_in.failed', 'sign_in.limited',
  'user.created', 'user.updated', 'user.disabled', 'user.enabled', 'user.password_reset',
  'api_key.created', 'api_key.revoked', 'bank_account.changed',
  'webhook_subscription.created', 'webhook_subscription.updated',
  'webhook_subscription.enabled', 'webhook_subscription.disabled',
  'webhook_subscription.secret_rotated', 'webhook_subscription.deleted'));

-- Outbox rows of one statement, fanned out (forecourt_fan_out, 0022) — for the per-statement
-- triggers below. `p_rows`: (event_type, dealer_id, entity_type, entity_id, payload) as jsonb.
create or replace function forecourt_emit_events(p_rows jsonb) returns void
  language plpgsql security definer set search_path = public as $$
declare
  v_ids bigint[];
begin
  with ins as (
    insert into outbox (event_type, dealer_id, entity_type, entity_id, payload)
    select e.v->>'event_type', (e.v->>'dealer_id')::integer, e.v->>'entity_type',
           e.v->>'entity_id', e.v->'payload'
      from jsonb_array_elements(p_rows) with ordinality as e(v, n)
     order by e.n
    returning id)
  select array_agg(id order by id) into v_ids from ins;
  perform forecourt_fan_out(v_ids);
end $$;

-- Allocation: a round published (round 0 at the run's publication, each re-allocation a later
-- round) is one `allocation_run.published` per dealer with units in it, about the dealer's units:
-- dealer-scoped, so a dealer group's DMS hears of its own dealers' allocations only. The entity is
-- the run and dealer, so a dealer's decisions follow its publication in order.
create or replace function forecourt_allocation_round_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_rows jsonb;
begin
  select jsonb_agg(jsonb_build_object(
           'event_type', 'allocation_run.published', 'dealer_id', x.dealer_id,
           'entity_type', 'allocation', 'entity_id', r.run_id || ':' || x.dealer_id,
           'payload', jsonb_build_object(
             'version', 1, 'runId', r.run_id, 'runCode', run.code,
             'month', to_char(run.month, 'YYYY-MM'), 'modelLineCode', ml.code, 'round', r.round,
             'acceptUntil', to_char(r.accept_until, 'YYYY-MM-DD'), 'dealerCode', d.code,
             'units', x.units, 'skus', x.skus,
             'links', jsonb_build_object(
               'run', '/api/v1/allocation/runs/' || run.code,
               'decisions', '/api/v1/allocation/runs/' || run.code || '/decisions')))
         order by r.run_id, r.round, x.dealer_id)
    into v_rows
    from new_rows r
    join allocation_runs run on run.id = r.run_id
    join model_lines ml on ml.id = run.model_line_id
    cross join lateral (
      select a.dealer_id, sum(a.units)::int as units,
             jsonb_agg(jsonb_build_object('sku', s.code, 'units', a.units) order by s.code) as skus
        from allocation_results a join skus s on s.id = a.sku_id
       where a.run_id = r.run_id and a.round = r.round and a.units > 0
       group by a.dealer_id) x
    join dealers d on d.id = x.dealer_id;
  if v_rows is not null then perform forecourt_emit_events(v_rows); end if;
  return null;
end $$;
create trigger allocation_rounds_event after insert on allocation_rounds
  referencing new table as new_rows
  for each statement execute function forecourt_allocation_round_event();

-- A dealer's decision on its units of a SKU: accepted (some or all) or declined; units left
-- undecided past the window: expired. A re-allocation expires many rows in one statement.
create or replace function forecourt_allocation_decision_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_rows jsonb;
begin
  select jsonb_agg(jsonb_build_object(
           'event_type', 'allocation.' || n.decision, 'dealer_id', n.dealer_id,
           'entity_type', 'allocation', 'entity_id', n.run_id || ':' || n.dealer_id,
           'payload', jsonb_build_object(
             'version', 1, 'runId', n.run_id, 'runCode', run.code, 'round', n.round,
             'dealerCode', d.code, 'sku', s.code, 'units', n.units,
             'acceptedUnits', n.accepted_units, 'decision', n.decision,
             'links', jsonb_build_object('run', '/api/v1/allocation/runs/' || run.code)))
         order by n.run_id, n.round, n.dealer_id, s.code)
    into v_rows
    from new_rows n
    join old_rows o on o.run_id = n.run_id and o.round = n.round and o.dealer_id = n.dealer_id
                   and o.sku_id = n.sku_id
    join allocation_runs run on run.id = n.run_id
    join dealers d on d.id = n.dealer_id
    join skus s on s.id = n.sku_id
   where o.decision = 'pending' and n.decision in ('accepted', 'declined', 'expired');
  if v_rows is not null then perform forecourt_emit_events(v_rows); end if;
  return null;
end $$;
create trigger allocation_results_event after update on allocation_results
  referencing old table as old_rows new table as new_rows
  for each statement execute function forecourt_allocation_decision_event();

-- Integrity flags: opened (a scan finds a new pattern; a re-scan refreshing an open flag is no
-- event), confirmed or dismissed.
create or replace function forecourt_integrity_payload(f integrity_flags) returns jsonb
  language sql stable security definer set search_path = public as $$
  select jsonb_build_object(
    'version', 1, 'flagId', f.id, 'kind', f.kind, 'dealerCode', forecourt_dealer_code(f.dealer_id),
    'onDate', to_char(f.on_date, 'YYYY-MM-DD'), 'status', f.status,
    'amountAtStake', f.amount_at_stake::text,
    'links', jsonb_build_object('flags', '/api/v1/insights/integrity?dealer=' || forecourt_dealer_code(f.dealer_id)))
$$;

create or replace function forecourt_integrity_open_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_rows jsonb;
begin
  select jsonb_agg(jsonb_build_object(
           'event_type', 'integrity_flag.opened', 'dealer_id', n.dealer_id,
           'entity_type', 'integrity_flag', 'entity_id', n.id::text,
           'payload', forecourt_integrity_payload(n)) order by n.id)
    into v_rows
    from new_rows n
   where n.status = 'open';
  if v_rows is not null then perform forecourt_emit_events(v_rows); end if;
  return null;
end $$;
create trigger integrity_flags_event_ins after insert on integrity_flags
  referencing new table as new_rows
  for each statement execute function forecourt_integrity_open_event();

create or replace function forecourt_integrity_decision_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_rows jsonb;
begin
  select jsonb_agg(jsonb_build_object(
           'event_type', 'integrity_flag.' || n.status, 'dealer_id', n.dealer_id,
           'entity_type', 'integrity_flag', 'entity_id', n.id::text,
           'payload', forecourt_integrity_payload(n) || jsonb_build_object('reason', n.reason))
         order by n.id)
    into v_rows
    from new_rows n
    join old_rows o on o.id = n.id
   where o.status is distinct from n.status and n.status in ('confirmed', 'dismissed');
  if v_rows is not null then perform forecourt_emit_events(v_rows); end if;
  return null;
end $$;
create trigger integrity_flags_event_upd after update on integrity_flags
  referencing old table as old_rows new table as new_rows
  for each statement execute function forecourt_integrity_decision_event();
