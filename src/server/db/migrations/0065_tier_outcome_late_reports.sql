-- Insights (issue 14 §2): late reports after a tier window ends now count toward its outcome.
--
-- A window's outcome (program_tier_outcomes, 0045) was settled once, by the first refresh after
-- the window's end, from the rows stored by then: a delivery dated in the window that arrived
-- later but within the program's grace days (it counts in the window's statement) was left out,
-- so the outcome, and the `incentive_tier` interventions it settled, could say "missed" where
-- the statement paid the tier.
--
-- Now an outcome settled before the window's grace days have passed is provisional
-- (`is_final` false): every refresh of its dealer (nightly, or after a batch of actuals)
-- settles it again from the rows stored by then, and the first refresh after `grace_until`
-- makes it final (later arrivals count in a later window, as in the statement). The tier first
-- settled is kept (`first_tier_reached`); when a later settling changes the tier, `corrected_at`
-- records it and the window's interventions are settled again. Outcomes from before this
-- migration are final, as they were.
alter table program_tier_outcomes
  add column grace_until date,
  add column is_final boolean not null default true,
  add column first_tier_reached integer,
  add column corrected_at timestamptz;
update program_tier_outcomes set first_tier_reached = tier_reached;
alter table program_tier_outcomes alter column first_tier_reached set not null;
create index program_tier_outcomes_provisional_idx on program_tier_outcomes (dealer_id)
  where not is_final;
