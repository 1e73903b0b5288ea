-- Issue 16: an allocation run's inputs stored once per dealer, not as a JSON document per
-- dealer × SKU (640,000 of them at 4,000 × 160 were most of the run's write).
--
-- A result row keeps its per-SKU numbers: the share, the quota, which of the round's eligibility
-- bases it was allocated under and how it was rounded ('w' whole, 'd' rounded down, 'u' rounded
-- up by largest remainder, 'c' capped, 'i' ineligible, 'x' declined earlier). Its inputs and its
-- sentence are derived on read from those, the dealer's inputs of the round
-- (allocation_dealer_inputs), the run's formula and the round's bases and supply
-- (allocation_runs.round_bases). Rows written before keep their stored `inputs` and `explanation`
-- (now nullable), which are read as they are. Nothing here rewrites existing rows.
alter table allocation_results
  alter column inputs drop not null,
  alter column explanation drop not null,
  add column share double precision,
  add column quota double precision,
  add column basis smallint,
  add column rounding text check (rounding in ('w', 'd', 'u', 'c', 'i', 'x'));

create table allocation_dealer_inputs (
  run_id integer not null,
  round integer not null,
  dealer_id integer not null,
  inputs jsonb not null,
  primary key (run_id, round, dealer_id)
);
select forecourt_protect('allocation_dealer_inputs');

-- { "<round>": { "supply": { "<sku>": units }, "bases": [ { wT, wD, wC, wSum, sumSales, sumNeed,
-- sumCommit, parts } ] } }: the network totals and renormalised weights the sentences quote.
alter table allocation_runs add column round_bases jsonb not null default '{}';
