-- Insights (issue 14 §2): the outcome of each assessed dealer × program window once the window
-- has ended, from the incentive engine's statement of the ended period (its filters, unwinds and
-- eligibility): the tier reached (index ascending, -1 none) against the next tier the last risk
-- before the end talked about, and that tier's last probability. Written when a refresh finds a
-- risk whose window has ended (before the row is replaced by the next window's or pruned); it
-- settles the `incentive_tier` interventions of that window and gives the comparable dealers
-- without interventions (the value of insights, performance.ts).
create table program_tier_outcomes (
  program_id integer not null references programs(id) on delete cascade,
  dealer_id integer not null references dealers(id),
  period text not null,
  window_label text not null,
  window_end date not null,
  -- the next tier (index ascending) of the last risk before the end, -1 when the top was reached
  target_tier integer not null,
  target_probability double precision,
  tier_reached integer not null,
  settled_at timestamptz not null default now(),
  primary key (program_id, dealer_id, period)
);
create index program_tier_outcomes_window_idx on program_tier_outcomes (window_end);
select forecourt_protect('program_tier_outcomes');

-- The window an incentive_tier intervention aims at (the risk's when it was logged).
alter table insight_interventions add column program_period text;
