-- Issue 13 (settlement in bulk): a payout batch says what happened to it in words, built →
-- exported → paid. `status` stays 'exported' | 'paid' (a batch is exportable once built); the
-- first download of its CSV for accounts payable is recorded here.
alter table payout_batches add column exported_at timestamptz;
alter table payout_batches add column exported_by text;
