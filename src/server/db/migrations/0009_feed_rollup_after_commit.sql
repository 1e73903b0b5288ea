-- The feed's write path, part two (BENCHMARKS.md, ingest).
--
-- The feed's key compares byte by byte. Under the database's default collation (a locale, or
-- C.UTF-8, which PostgreSQL 15 still compares through strcoll) every comparison in the unique
-- (source, external_id) index went through the locale: that index cost about 5 of the 14 s of a
-- bare 1,000,000-row COPY, and 3 s with byte order. Sources and external ids are identifiers, not
-- words, so byte order is their natural order. Changing only the collation keeps the table as it
-- is and rebuilds the index.
alter table transactions
  alter column source type text collate "C",
  alter column external_id type text collate "C";

-- A batch of 100,000 new rows or more commits its feed rows first and is rolled up into
-- monthly_actuals (and the live agreements) right after, in a transaction of its own: `id_floor`
-- bounds the read-back, and `rolled_up_at` stays null until the roll-up has committed. A server
-- that stops in between rolls the batch up when it starts again. Smaller batches commit with their
-- roll-up, as before. Every batch stored so far was rolled up with its rows.
alter table ingest_batches
  add column id_floor bigint,
  add column rolled_up_at timestamptz;

-- The dealers a batch holds rows for: live pages hear of a batch (a small NOTIFY, see events.ts)
-- and look up which of its dealers they may show.
alter table ingest_batches add column dealer_ids integer[];
update ingest_batches set rolled_up_at = received_at;
create index ingest_batches_pending_idx on ingest_batches (id) where rolled_up_at is null;
