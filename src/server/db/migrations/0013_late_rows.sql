-- Late rows and the feed's timestamps (issue 11, "What the feed must carry" and defect 2).
--
-- received_at is when the sender's system received a row (the feed's `receivedAt`, default the
-- POST); ingested_at is when Forecourt stored it. Rows stored before this migration keep
-- ingested_at null and read as their received_at (which was the POST time unless backfilled);
-- adding the column without a default first keeps the table as it is (no rewrite).
alter table transactions add column ingested_at timestamptz;
alter table transactions alter column ingested_at set default now();

-- An unwind may name the sale it reverses (same dealer and source): its incentive clawback is
-- exactly what that sale was paid.
alter table transactions add column original_external_id text collate "C";

-- A late row after settlement becomes a correction line in the next open statement, naming the
-- period it belongs to and the line of that period's statement it corrects (docs/incentives.md,
-- "Late rows after settlement").
alter table incentive_statement_lines drop constraint incentive_statement_lines_kind_check;
alter table incentive_statement_lines add constraint incentive_statement_lines_kind_check
  check (kind in ('benefit', 'clawback', 'adjustment', 'cap', 'correction'));
alter table incentive_statement_lines
  add column corrects_period text,
  add column corrects_line_no integer;

-- The feed as a period was closed: the largest transaction id then (closing takes the ingest lock
-- exclusively, so every row with a larger id was stored after the close). The period's statement
-- counts the rows up to it; later rows are corrections. Periods closed before this migration
-- take the rows stored (ingested, else received) by their close.
alter table program_periods add column last_feed_id bigint;
update program_periods p set last_feed_id = (
  select coalesce(max(t.id), 0) from transactions t
  where coalesce(t.ingested_at, t.received_at) <= p.closed_at);
