-- The pipeline feed's write path (issue 16: ingesting 1M pipeline events at the actuals feed's
-- rate). Like the actuals feed's roll-up (0009), a pipeline batch of 100,000 new events or more
-- commits its events first and the current state of its VINs (`vehicles`) is refreshed right after,
-- in a transaction of its own. The batch's events have ids in (id_floor, id_ceiling]: the refresh
-- recomputes every VIN with an event in that range from all of its events (other writers' events
-- in the range only get recomputed too, which changes nothing). `refreshed_at` stays null until the
-- refresh has committed; a server that stops in between refreshes the batch when it starts again
-- (and every minute). Smaller batches refresh in their own transaction, as before.
create table pipeline_refreshes (
  id bigserial primary key,
  id_floor bigint not null,
  id_ceiling bigint not null,
  events integer not null,
  dealer_ids integer[] not null,
  created_at timestamptz not null default now(),
  refreshed_at timestamptz
);
create index pipeline_refreshes_pending_idx on pipeline_refreshes (id) where refreshed_at is null;

-- Visible when every dealer it holds events for is in scope (as ingest_batches).
alter table pipeline_refreshes enable row level security;
create policy forecourt_scope on pipeline_refreshes to forecourt_app
  using ((select forecourt_scope_all())
         or (cardinality(dealer_ids) > 0 and dealer_ids <@ (select forecourt_scope_dealers())))
  with check ((select forecourt_scope_all())
              or (cardinality(dealer_ids) > 0 and dealer_ids <@ (select forecourt_scope_dealers())));
