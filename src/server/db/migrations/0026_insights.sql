-- Insights (issue 14): calibrated commitment risk per agreement (totals: line_no 0, and each
-- line), its history over the term, and the interventions people log against it.

create table commitment_risks (
  agreement_id integer not null references agreements(id) on delete cascade,
  -- 0 for the agreement's totals, else agreement_lines.line_no
  line_no integer not null,
  dealer_id integer not null references dealers(id),
  label text not null,
  as_of date not null,
  elapsed_months integer not null,
  term_months integer not null,
  commitment integer not null,
  to_date integer not null,
  probability double precision not null check (probability between 0 and 1),
  raw_probability double precision not null,
  expected double precision not null,
  lower80 double precision not null,
  upper80 double precision not null,
  shortfall_units double precision not null,
  unit_value numeric(16, 2) not null,
  shortfall_money numeric(18, 2) not null,
  -- [{ "kind": "pace" | "seasonality" | "plan_vs_run_rate" | "last_year", "units": n, "text": … }]
  drivers jsonb not null,
  -- [{ "kind": "more_units" | "amendment" | "field_visit", "units"?: n, "probability"?: p, "text": … }]
  interventions jsonb not null,
  computed_at timestamptz not null default now(),
  primary key (agreement_id, line_no)
);
create index commitment_risks_dealer_idx on commitment_risks (dealer_id);
create index commitment_risks_shortfall_idx on commitment_risks (shortfall_money desc) where line_no = 0;
select forecourt_protect('commitment_risks');

-- One point per agreement, line and day (the latest computation of the day wins).
create table commitment_risk_history (
  agreement_id integer not null references agreements(id) on delete cascade,
  line_no integer not null,
  dealer_id integer not null references dealers(id),
  day date not null,
  probability double precision not null,
  expected double precision not null,
  primary key (agreement_id, line_no, day)
);
select forecourt_protect('commitment_risk_history');

create table insight_interventions (
  id serial primary key,
  dealer_id integer not null references dealers(id),
  agreement_id integer references agreements(id) on delete set null,
  kind text not null check (kind in ('more_units', 'allocation', 'amendment', 'field_visit', 'other')),
  note text not null default '',
  -- the probability when the intervention was logged, and at the end of the term (outcome)
  probability_before double precision,
  outcome text check (outcome in ('reached', 'missed')),
  outcome_probability double precision,
  created_by integer references users(id),
  created_by_name text not null,
  created_at timestamptz not null default now(),
  outcome_at timestamptz
);
create index insight_interventions_dealer_idx on insight_interventions (dealer_id, created_at desc);
select forecourt_protect('insight_interventions');

-- Integrity flags: a detected pattern with its evidence; open → dismissed (with a reason) or
-- confirmed. `key` identifies the finding, so a re-scan refreshes an open flag and never reopens
-- a decided one.
create table integrity_flags (
  id serial primary key,
  dealer_id integer not null references dealers(id),
  kind text not null check (kind in ('month_end_spike_unwound', 'unwind_rate', 'duplicate_vin', 'claim_not_delivered')),
  key text not null unique,
  on_date date not null,
  summary text not null,
  evidence jsonb not null,
  amount_at_stake numeric(18, 2) not null,
  status text not null default 'open' check (status in ('open', 'dismissed', 'confirmed')),
  reason text,
  decided_by text,
  decided_at timestamptz,
  detected_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index integrity_flags_status_idx on integrity_flags (status, on_date desc);
select forecourt_protect('integrity_flags');

-- How far back audits look (months); flags and scans respect it.
alter table settings add column audit_lookback_months integer not null default 12
  check (audit_lookback_months between 1 and 120);
