-- Insights (issue 14 §1): risk per eligible dealer × running incentive program, for the current
-- measurement window of the program: the outcome of its measure (on a linear axis: units,
-- revenue or BEV units), each tier's probability, expected shortfall in units and money (`tiers`,
-- ascending), and the "N more units reach tier k" interventions. Refreshed with the agreements'
-- risks (nightly job, batch refresh). `shortfall_money`: the next tier's expected missed money,
-- what the board sorts by.
create table program_tier_risks (
  program_id integer not null references programs(id) on delete cascade,
  dealer_id integer not null references dealers(id),
  program_name text not null,
  period text not null,
  window_label text not null,
  window_start date not null,
  window_end date not null,
  as_of date not null,
  elapsed_months integer not null,
  term_months integer not null,
  measure text not null,
  axis text not null check (axis in ('units', 'revenue', 'bev_units')),
  measure_value text,
  to_date double precision not null,
  expected double precision not null,
  lower80 double precision not null,
  upper80 double precision not null,
  -- index of the reached tier in ascending order, -1 for none
  tier_reached integer not null,
  currency text not null,
  earned numeric(18, 2) not null,
  shortfall_money numeric(18, 2) not null,
  tiers jsonb not null,
  interventions jsonb not null,
  computed_at timestamptz not null default now(),
  primary key (program_id, dealer_id)
);
create index program_tier_risks_dealer_idx on program_tier_risks (dealer_id);
create index program_tier_risks_shortfall_idx on program_tier_risks (shortfall_money desc);
select forecourt_protect('program_tier_risks');
