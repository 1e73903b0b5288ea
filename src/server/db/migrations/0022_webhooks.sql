-- Events and webhooks (issue 15, part 1): the outbox, subscriptions and their deliveries.
--
-- The outbox is written by triggers on the tables whose status changes are the events, so an
-- event row exists if and only if the change's transaction committed (no service has to remember
-- to write it). The same trigger fans the event out to the subscriptions that want it (a
-- delivery row each) and NOTIFYs `forecourt_webhooks`, which PostgreSQL delivers at commit: the
-- senders wake as soon as the change is visible. docs/integration.md, "Events and webhooks".

create table outbox (
  id bigserial primary key,
  event_type text not null,
  -- the dealer the event is about; null for network events (a payout batch, a forecast cycle)
  dealer_id integer references dealers(id),
  entity_type text not null,
  entity_id text not null,
  -- { "version": 1, ids, codes, "links": { ... } }: never the whole document
  payload jsonb not null,
  created_at timestamptz not null default now()
);
create index outbox_entity_idx on outbox (entity_type, entity_id, id);
select forecourt_protect('outbox');

create table webhook_subscriptions (
  id serial primary key,
  url text not null,
  description text not null default '',
  event_types text[] not null,
  -- null: every event (network events included); else only events of this group's dealers
  dealer_group_id integer references dealer_groups(id),
  -- Standard Webhooks secret (`whsec_` + base64); shown once at creation, needed to sign
  secret text not null,
  is_enabled boolean not null default true,
  disabled_reason text,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One event for one subscription. `state`: pending (to send, or being sent while `lease_until`
-- is in the future), delivered, dead (the last attempt failed, or the receiver answered 410).
create table webhook_deliveries (
  id bigserial primary key,
  subscription_id integer not null references webhook_subscriptions(id) on delete cascade,
  outbox_id bigint not null references outbox(id),
  -- `entity_type:entity_id`: deliveries of one entity to one subscription go out in outbox order
  entity_key text not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_until timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  unique (subscription_id, outbox_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at, id)
  where state = 'pending';
create index webhook_deliveries_entity_idx on webhook_deliveries (subscription_id, entity_key, outbox_id)
  where state = 'pending';
create index webhook_deliveries_outbox_idx on webhook_deliveries (outbox_id);
create index webhook_deliveries_dead_idx on webhook_deliveries (id) where state = 'dead';

-- Every attempt: the answer's status (null when no answer came), how long it took, the start of
-- its body (at most 4 KB are kept), or why it failed.
create table webhook_attempts (
  id bigserial primary key,
  delivery_id bigint not null references webhook_deliveries(id) on delete cascade,
  attempt integer not null,
  status_code integer,
  duration_ms integer not null,
  response_body text,
  error text,
  created_at timestamptz not null default now()
);
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id, id);
-- Deliveries and attempts belong to a dealer through their event (administrators, whose scope is
-- the network, read them; the senders run as the system).
select forecourt_protect_child('webhook_deliveries', 'outbox_id', 'outbox');
-- (a grandchild: visible when its delivery is, whose own policy applies inside the sub-select)
alter table webhook_attempts enable row level security;
create policy forecourt_scope on webhook_attempts to forecourt_app
  using ((select forecourt_scope_all()) or delivery_id in (select id from webhook_deliveries))
  with check ((select forecourt_scope_all()) or delivery_id in (select id from webhook_deliveries));

-- Records an event and fans it out. Security definer: the change's own role (a dealer's scope
-- under row-level security) may not see the subscriptions nor write a network event.
create or replace function forecourt_emit_event(
  p_type text, p_dealer_id integer, p_entity_type text, p_entity_id text, p_payload jsonb
) returns void language plpgsql security definer set search_path = public as $$
declare
  v_id bigint;
  v_count integer;
begin
  insert into outbox (event_type, dealer_id, entity_type, entity_id, payload)
  values (p_type, p_dealer_id, p_entity_type, p_entity_id, p_payload)
  returning id into v_id;
  insert into webhook_deliveries (subscription_id, outbox_id, entity_key)
  select s.id, v_id, p_entity_type || ':' || p_entity_id
    from webhook_subscriptions s
   where s.is_enabled
     and p_type = any (s.event_types)
     and (s.dealer_group_id is null
          or exists (select 1 from dealers d
                      where d.id = p_dealer_id and d.dealer_group_id = s.dealer_group_id));
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pg_notify('forecourt_webhooks', '');
  end if;
end $$;

create or replace function forecourt_dealer_code(p_dealer_id integer) returns text
  language sql stable security definer set search_path = public as $$
  select code from dealers where id = p_dealer_id
$$;

-- Agreements: proposed, accepted, approved, activated, rejected, cancelled, expired.
create or replace function forecourt_agreement_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_type text := case new.status
    when 'proposed' then 'agreement.proposed'
    when 'accepted' then 'agreement.accepted'
    when 'approved' then 'agreement.approved'
    when 'active' then 'agreement.activated'
    when 'rejected' then 'agreement.rejected'
    when 'cancelled' then 'agreement.cancelled'
    when 'expired' then 'agreement.expired'
  end;
begin
  if v_type is null then return null; end if;
  perform forecourt_emit_event(v_type, new.dealer_id, 'agreement', new.id::text, jsonb_build_object(
    'version', 1, 'agreementId', new.id, 'agreementCode', new.code,
    'dealerCode', forecourt_dealer_code(new.dealer_id), 'status', new.status,
    'approvedVersion', new.approved_version,
    'links', jsonb_build_object('agreement', '/api/v1/agreements/' || new.id)));
  return null;
end $$;
create trigger agreements_event_ins after insert on agreements
  for each row when (new.status <> 'draft') execute function forecourt_agreement_event();
create trigger agreements_event_upd after update of status on agreements
  for each row when (old.status is distinct from new.status) execute function forecourt_agreement_event();

-- Amendments: proposed (a revision is created), amended (its approval makes a new version).
create or replace function forecourt_revision_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_type text := case
    when tg_op = 'INSERT' and new.status = 'proposed' then 'agreement.amendment_proposed'
    when tg_op = 'UPDATE' and new.status = 'approved' then 'agreement.amended'
  end;
  v_agreement agreements%rowtype;
begin
  if v_type is null then return null; end if;
  select * into v_agreement from agreements where id = new.agreement_id;
  perform forecourt_emit_event(v_type, v_agreement.dealer_id, 'agreement', new.agreement_id::text,
    jsonb_build_object(
      'version', 1, 'agreementId', new.agreement_id, 'agreementCode', v_agreement.code,
      'dealerCode', forecourt_dealer_code(v_agreement.dealer_id), 'revisionId', new.id,
      'status', new.status,
      'links', jsonb_build_object(
        'agreement', '/api/v1/agreements/' || new.agreement_id,
        'versions', '/api/v1/agreements/' || new.agreement_id || '/versions')));
  return null;
end $$;
create trigger agreement_revisions_event_ins after insert on agreement_revisions
  for each row execute function forecourt_revision_event();
create trigger agreement_revisions_event_upd after update of status on agreement_revisions
  for each row when (old.status is distinct from new.status) execute function forecourt_revision_event();

-- Fans outbox rows out to the subscriptions that want them (as forecourt_emit_event does for one),
-- for the statement-level triggers below.
create or replace function forecourt_fan_out(p_ids bigint[]) returns void
  language plpgsql security definer set search_path = public as $$
declare
  v_count integer;
begin
  if p_ids is null or cardinality(p_ids) = 0 then return; end if;
  insert into webhook_deliveries (subscription_id, outbox_id, entity_key)
  select s.id, o.id, o.entity_type || ':' || o.entity_id
    from outbox o
    join webhook_subscriptions s on s.is_enabled and o.event_type = any (s.event_types)
   where o.id = any (p_ids)
     and (s.dealer_group_id is null
          or exists (select 1 from dealers d
                      where d.id = o.dealer_id and d.dealer_group_id = s.dealer_group_id))
   order by o.id, s.id;
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pg_notify('forecourt_webhooks', '');
  end if;
end $$;

-- Statements: closed (every close and re-close freezes a snapshot), approved, paid. A period's
-- close and a batch's payment change thousands of statements in one statement: these triggers are
-- per statement (transition tables), one set-based insert each.
-- (plain SQL, not security definer: inlined into the triggers' queries)
create or replace function forecourt_statement_payload(p_statement_id bigint, p_extra jsonb)
  returns table (dealer_id integer, payload jsonb)
  language sql stable as $$
  select s.dealer_id, jsonb_build_object(
      'version', 1, 'statementId', s.id, 'programCode', p.code, 'dealerCode', d.code,
      'period', s.period, 'status', s.status, 'amountDue', s.amount_due::text, 'currency', s.currency,
      'links', jsonb_build_object(
        'statement', '/api/v1/programs/' || p.code || '/statements/' || d.code || '?period=' || s.period,
        'pdf', '/api/v1/programs/' || p.code || '/statements/' || d.code || '/pdf?period=' || s.period))
    || p_extra
    from incentive_statements s
    join programs p on p.id = s.program_id
    join dealers d on d.id = s.dealer_id
   where s.id = p_statement_id
$$;

create or replace function forecourt_snapshot_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_ids bigint[];
begin
  with ins as (
    insert into outbox (event_type, dealer_id, entity_type, entity_id, payload)
    select 'statement.closed', sp.dealer_id, 'statement', n.statement_id::text, sp.payload
      from new_rows n
      cross join lateral forecourt_statement_payload(n.statement_id,
        jsonb_build_object('snapshotId', n.id, 'snapshotSeq', n.seq, 'sha256', n.sha256)) sp
     order by n.id
    returning id)
  select array_agg(id) into v_ids from ins;
  perform forecourt_fan_out(v_ids);
  return null;
end $$;
create trigger statement_snapshots_event after insert on statement_snapshots
  referencing new table as new_rows
  for each statement execute function forecourt_snapshot_event();

create or replace function forecourt_statement_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_ids bigint[];
begin
  with ins as (
    insert into outbox (event_type, dealer_id, entity_type, entity_id, payload)
    select case n.status when 'approved' then 'statement.approved' else 'statement.paid' end,
           sp.dealer_id, 'statement', n.id::text, sp.payload
      from new_rows n
      join old_rows o on o.id = n.id
      cross join lateral forecourt_statement_payload(n.id, '{}'::jsonb) sp
     where o.status is distinct from n.status and n.status in ('approved', 'paid')
     order by n.id
    returning id)
  select array_agg(id) into v_ids from ins;
  perform forecourt_fan_out(v_ids);
  return null;
end $$;
-- (a trigger with transition tables takes no column list: it runs once per UPDATE statement)
create trigger incentive_statements_event after update on incentive_statements
  referencing old table as old_rows new table as new_rows
  for each statement execute function forecourt_statement_event();

-- Payout batches (network events): built, exported (first download for accounts payable), paid.
create or replace function forecourt_payout_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_type text := case
    when tg_op = 'INSERT' then 'payout_batch.built'
    when new.status = 'paid' and old.status is distinct from 'paid' then 'payout_batch.paid'
    when new.exported_at is not null and old.exported_at is null then 'payout_batch.exported'
  end;
begin
  if v_type is null then return null; end if;
  perform forecourt_emit_event(v_type, null, 'payout_batch', new.id::text, jsonb_build_object(
    'version', 1, 'payoutBatchId', new.id, 'payoutBatchCode', new.code, 'status', new.status,
    'glAccount', new.gl_account,
    'links', jsonb_build_object(
      'payoutBatch', '/api/v1/payouts/' || new.code,
      'export', '/api/v1/payouts/' || new.code || '/export')));
  return null;
end $$;
create trigger payout_batches_event_ins after insert on payout_batches
  for each row execute function forecourt_payout_event();
create trigger payout_batches_event_upd after update of status, exported_at on payout_batches
  for each row execute function forecourt_payout_event();

-- Disputes: opened, resolved (adjusted or rejected).
create or replace function forecourt_dispute_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_type text := case
    when tg_op = 'INSERT' then 'dispute.opened'
    when old.status = 'open' and new.status <> 'open' then 'dispute.resolved'
  end;
begin
  if v_type is null then return null; end if;
  perform forecourt_emit_event(v_type, new.dealer_id, 'dispute', new.id::text, jsonb_build_object(
    'version', 1, 'disputeId', new.id,
    'programCode', (select code from programs where id = new.program_id),
    'dealerCode', forecourt_dealer_code(new.dealer_id), 'period', new.period, 'status', new.status,
    'links', jsonb_build_object('dispute', '/api/v1/disputes/' || new.id)));
  return null;
end $$;
create trigger incentive_disputes_event_ins after insert on incentive_disputes
  for each row execute function forecourt_dispute_event();
create trigger incentive_disputes_event_upd after update of status on incentive_disputes
  for each row when (old.status is distinct from new.status) execute function forecourt_dispute_event();

-- Claims: decided (approved or rejected by a reviewer).
create or replace function forecourt_claim_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_program text := (select code from programs where id = new.program_id);
begin
  perform forecourt_emit_event('claim.decided', new.dealer_id, 'claim', new.id::text, jsonb_build_object(
    'version', 1, 'claimId', new.id, 'programCode', v_program,
    'dealerCode', forecourt_dealer_code(new.dealer_id), 'vin', new.vin, 'status', new.status,
    'links', jsonb_build_object('claims', '/api/v1/programs/' || v_program || '/claims')));
  return null;
end $$;
create trigger incentive_claims_event after update of status on incentive_claims
  for each row when (old.status is distinct from new.status and new.status in ('approved', 'rejected'))
  execute function forecourt_claim_event();

-- Forecast cycles (network events): locked, and the demand plan published.
create or replace function forecourt_cycle_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_type text := case new.status
    when 'locked' then 'forecast_cycle.locked' when 'published' then 'demand_plan.published' end;
begin
  if v_type is null then return null; end if;
  perform forecourt_emit_event(v_type, null, 'forecast_cycle', new.id::text, jsonb_build_object(
    'version', 1, 'cycleId', new.id, 'cycleMonth', to_char(new.cycle_month, 'YYYY-MM'),
    'horizon', new.horizon, 'status', new.status,
    'links', jsonb_build_object(
      'cycle', '/api/v1/forecasts/cycles/' || new.id,
      'demandPlan', '/api/v1/forecasts/cycles/' || new.id || '/demand-plan')));
  return null;
end $$;
create trigger forecast_cycles_event after update of status on forecast_cycles
  for each row when (old.status is distinct from new.status) execute function forecourt_cycle_event();

-- Actuals: a feed batch is in the monthly roll-up. One event per dealer of the batch.
create or replace function forecourt_rollup_event() returns trigger
  language plpgsql security definer set search_path = public as $$
declare
  v_dealer integer;
begin
  foreach v_dealer in array coalesce(new.dealer_ids, '{}'::integer[]) loop
    perform forecourt_emit_event('actuals.rolled_up', v_dealer, 'ingest_batch', new.id::text, jsonb_build_object(
      'version', 1, 'batchId', new.id, 'dealerCode', forecourt_dealer_code(v_dealer),
      'inserted', new.inserted,
      'links', jsonb_build_object(
        'monthlyActuals', '/api/v1/dealers/' || forecourt_dealer_code(v_dealer) || '/actuals/monthly')));
  end loop;
  return null;
end $$;
create trigger ingest_batches_event_ins after insert on ingest_batches
  for each row when (new.rolled_up_at is not null) execute function forecourt_rollup_event();
create trigger ingest_batches_event_upd after update of rolled_up_at on ingest_batches
  for each row when (old.rolled_up_at is null and new.rolled_up_at is not null)
  execute function forecourt_rollup_event();
