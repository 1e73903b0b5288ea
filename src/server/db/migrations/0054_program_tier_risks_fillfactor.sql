-- Issue 14, Performance: program_tier_risks is rewritten for the affected dealers by every batch
-- refresh. Its rows are now updated in place when their values change (program-risk.repository.ts
-- `save`); room left on each page lets those updates be HOT (no new index entries, the old
-- version pruned with the page), so many batch refreshes no longer bloat its indexes until
-- autovacuum. Applies to pages written from now on.
alter table program_tier_risks set (fillfactor = 70);
