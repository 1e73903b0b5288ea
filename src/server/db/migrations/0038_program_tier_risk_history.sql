-- Insights (issue 14 §1): the history of each program tier probability over the program's
-- window, one point per program × dealer × day (the latest computation of the day wins), like
-- commitment_risk_history for the agreements: each tier's probability (ascending, as
-- program_tier_risks.tiers) and the expected outcome on the axis. Written by every refresh of
-- program_tier_risks (nightly run, batch refresh); read with the risks (the chart).
create table program_tier_risk_history (
  program_id integer not null references programs(id) on delete cascade,
  dealer_id integer not null references dealers(id),
  window_label text not null,
  day date not null,
  probabilities double precision[] not null,
  expected double precision not null,
  primary key (program_id, dealer_id, day)
);
select forecourt_protect('program_tier_risk_history');

-- Issue 14 §2: an `incentive_tier` intervention ("N more units reach tier k of program P") can be
-- logged, on a program (and the tier it aims at) instead of an agreement; its probability before
-- is the tier's.
alter table insight_interventions drop constraint insight_interventions_kind_check;
alter table insight_interventions add constraint insight_interventions_kind_check
  check (kind in ('more_units', 'allocation', 'amendment', 'field_visit', 'other', 'incentive_tier'));
alter table insight_interventions add column program_id integer references programs(id) on delete set null;
alter table insight_interventions add column program_tier integer;
