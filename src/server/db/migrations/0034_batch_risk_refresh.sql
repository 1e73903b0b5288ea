-- The commitment risks of each ingested batch's dealers are refreshed once per batch, whichever
-- API process hears of it (issue 18 §2, WEB_CONCURRENCY > 1): a process claims the batch by
-- setting `risk_refresh_claimed_at` (one UPDATE, so one claimant wins), refreshes, and records the
-- outcome. A refresh that failed keeps its message in `risk_refresh_error` (readable, not only a
-- log line) and is tried again by the sweep, up to three attempts; a claim older than five minutes
-- (its process stopped) is taken over. Batches stored before this migration need no refresh.
alter table ingest_batches
  add column risk_refresh_claimed_at timestamptz,
  add column risk_refreshed_at timestamptz,
  add column risk_refresh_attempts integer not null default 0,
  add column risk_refresh_error text;
update ingest_batches set risk_refreshed_at = coalesce(rolled_up_at, received_at);
create index ingest_batches_risk_pending_idx on ingest_batches (id)
  where risk_refreshed_at is null;
