-- The feed's write path (BENCHMARKS.md, ingest).
--
-- The ingest's roll-up upserts about 0.7 row of monthly_actuals per new transaction, and the
-- per-row foreign-key triggers on dealer and SKU were 70 % of that statement (9 of 13 s for a
-- 1,000,000-row batch). The ingest resolves both ids from the catalog inside the same
-- transaction, and dealers and SKUs are deactivated, never deleted, as for the feed table itself
-- (0001) and the forecast cells (0006).
alter table monthly_actuals drop constraint if exists monthly_actuals_dealer_id_fkey;
alter table monthly_actuals drop constraint if exists monthly_actuals_sku_id_fkey;

-- Date-range reads across all dealers (the network recalculation, exports by date) use a BRIN
-- index: the feed arrives roughly in date order, so each block range covers a narrow span of
-- dates, and keeping it costs next to nothing per row where the B-tree cost an insert per row.
-- Reads of one dealer keep the (dealer_id, occurred_on) B-tree.
drop index if exists transactions_date_idx;
create index if not exists transactions_date_brin on transactions using brin (occurred_on);

-- VINs are random, so every new row's B-tree insert lands on a cold page: about 4 of the 14 s
-- of a bare 1,000,000-row COPY. VINs are only ever looked up by equality (an unwind naming its
-- sale, a claim's delivery), which a hash index serves at a fraction of the write cost.
drop index if exists transactions_vin_idx;
create index if not exists transactions_vin_hash on transactions using hash (vin) where vin is not null;
