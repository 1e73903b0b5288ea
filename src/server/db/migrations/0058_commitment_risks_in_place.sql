-- Issue 14, Performance: commitment_risks is written in place, as program_tier_risks (0054): a
-- refresh updates a row only when one of its values changed, inserts the new ones and deletes only
-- the rows not computed again (insights.repository.ts), instead of deleting and re-inserting every
-- row of its agreements. Room left on each page lets those updates be HOT (no new index entries,
-- the old version pruned with the page). Applies to pages written from now on.
alter table commitment_risks set (fillfactor = 70);

-- When each agreement's risks were last read (the time before the read of their inputs), by any
-- refresh, whether or not a value changed. Side-by-side refreshes take turns writing, and a write
-- leaves an agreement whose risks were read later than its own read: an older read finishing last
-- does not undo a newer one. commitment_risks.computed_at kept that time while every row was
-- rewritten; it now says when the row's values last changed (the read time of the computation that
-- changed them), so an unchanged row is not rewritten to move its time. A narrow row per agreement,
-- updated by every refresh of it (HOT: read_at is in no index).
create table commitment_risk_reads (
  agreement_id integer not null,
  dealer_id integer not null references dealers(id),
  read_at timestamptz not null,
  primary key (agreement_id, dealer_id),
  foreign key (agreement_id, dealer_id) references agreements (id, dealer_id) on delete cascade
) with (fillfactor = 70);
insert into commitment_risk_reads (agreement_id, dealer_id, read_at)
  select agreement_id, dealer_id, max(computed_at) from commitment_risks group by agreement_id, dealer_id;
select forecourt_protect('commitment_risk_reads');
