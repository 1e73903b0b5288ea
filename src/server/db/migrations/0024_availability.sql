-- Product availability and allocation (issue 16): the vehicle pipeline by VIN (an append-only
-- event feed and the current state per VIN), the dealer attributes allocation rules read,
-- allocation settings (weights), allocation runs and their per-dealer results.

-- What allocation eligibility reads of a dealer: EV certification and a tier (caps per tier).
create table dealer_allocation_profiles (
  dealer_id integer primary key references dealers(id),
  is_ev_certified boolean not null default false,
  tier text not null default 'standard' check (tier in ('standard', 'plus', 'premier')),
  updated_at timestamptz not null default now()
);
select forecourt_protect('dealer_allocation_profiles');

-- The weights and rules of the allocation formula (one row; every run copies them into its
-- published formula, so a later change never rewrites a published run).
create table allocation_settings (
  id boolean primary key default true check (id),
  weight_turn_and_earn numeric(6, 4) not null default 0.5 check (weight_turn_and_earn >= 0),
  weight_days_supply numeric(6, 4) not null default 0.3 check (weight_days_supply >= 0),
  weight_commitment numeric(6, 4) not null default 0.2 check (weight_commitment >= 0),
  turn_and_earn_days integer not null default 90 check (turn_and_earn_days between 7 and 366),
  target_days_supply integer not null default 60 check (target_days_supply between 1 and 365),
  -- the most units of one SKU a dealer of a tier gets in one run (null: no cap)
  cap_standard integer check (cap_standard >= 0),
  cap_plus integer check (cap_plus >= 0),
  cap_premier integer check (cap_premier >= 0),
  bev_requires_ev_certification boolean not null default true,
  accept_window_days integer not null default 5 check (accept_window_days between 1 and 60),
  updated_by text,
  updated_at timestamptz not null default now()
);
insert into allocation_settings default values;

-- The pipeline feed: one row per vehicle status event, append-only, idempotent on
-- (dealer_id, source, external_id) like the actuals feed. Like `transactions`, dealer_id and
-- sku_id carry no foreign keys on purpose: the only writers (the ingest and accepted allocations)
-- resolve them in the same transaction, and the per-row FK triggers would cost most of the ingest.
create table vehicle_events (
  id bigserial primary key,
  dealer_id integer not null,
  vin text collate "C" not null,
  event text not null check (event in ('ordered', 'planned', 'in_build', 'built', 'in_transit', 'at_dealer', 'delivered', 'cancelled')),
  occurred_on date not null,
  sku_id integer,
  order_type text check (order_type in ('dealer', 'stock')),
  options text[],
  plan_week text,
  plant text,
  eta date,
  delivery_external_id text,
  source text collate "C" not null,
  external_id text collate "C" not null,
  batch_row integer not null,
  received_at timestamptz not null default now(),
  unique (dealer_id, source, external_id)
);
create index vehicle_events_vin_idx on vehicle_events (dealer_id, vin, occurred_on, id);
select forecourt_protect('vehicle_events');

-- The current state of each VIN (its latest event by date, then arrival), with the dates of
-- each stage. A VIN belongs to the dealer of its order (the service refuses it for another).
create table vehicles (
  dealer_id integer not null references dealers(id),
  vin text collate "C" not null,
  sku_id integer not null references skus(id),
  order_type text not null check (order_type in ('dealer', 'stock')),
  options text[] not null default '{}',
  status text not null check (status in ('ordered', 'planned', 'in_build', 'built', 'in_transit', 'at_dealer', 'delivered', 'cancelled')),
  ordered_on date not null,
  plan_week text,
  plant text,
  eta date,
  built_on date,
  arrived_on date,
  delivered_on date,
  delivery_external_id text,
  allocation_run_id integer,
  status_on date not null,
  updated_at timestamptz not null default now(),
  primary key (dealer_id, vin)
);
create index vehicles_vin_idx on vehicles (vin);
create index vehicles_dealer_status_idx on vehicles (dealer_id, status, sku_id);
select forecourt_protect('vehicles');

-- A monthly allocation run per model line: the OEM's supply per SKU, the formula (weights and
-- rules copied from the settings), then the results per dealer and SKU.
create table allocation_runs (
  id serial primary key,
  code text not null unique,
  month date not null check (extract(day from month) = 1),
  model_line_id integer not null references model_lines(id),
  status text not null default 'draft' check (status in ('draft', 'published')),
  supply jsonb not null,
  formula jsonb not null,
  -- the latest published round (0: the first publication) and its acceptance window
  round integer not null default 0,
  accept_until date,
  created_by text not null,
  created_at timestamptz not null default now(),
  published_by text,
  published_at timestamptz
);
create index allocation_runs_line_idx on allocation_runs (model_line_id, month);

-- Each publication of a run: round 0 allocates the OEM's supply, each later round the units
-- declined (or left undecided past the window) in the rounds before, by the same formula.
create table allocation_rounds (
  run_id integer not null references allocation_runs(id),
  round integer not null,
  supply jsonb not null,
  accept_until date not null,
  published_by text not null,
  published_at timestamptz not null default now(),
  primary key (run_id, round)
);

-- One row per run × round × dealer × SKU (the formula's units, the override and its reason, the
-- inputs, a sentence saying why), and the dealer's decision.
create table allocation_results (
  run_id integer not null references allocation_runs(id),
  round integer not null,
  dealer_id integer not null references dealers(id),
  sku_id integer not null references skus(id),
  formula_units integer not null check (formula_units >= 0),
  units integer not null check (units >= 0),
  override_reason text,
  inputs jsonb not null,
  explanation text not null,
  decision text not null default 'pending' check (decision in ('pending', 'accepted', 'declined', 'expired')),
  accepted_units integer not null default 0 check (accepted_units >= 0),
  decided_by text,
  decided_at timestamptz,
  -- declined units of this row already put back into a later round
  returned boolean not null default false,
  primary key (run_id, round, dealer_id, sku_id)
);
create index allocation_results_dealer_idx on allocation_results (dealer_id, run_id);
select forecourt_protect('allocation_results');
