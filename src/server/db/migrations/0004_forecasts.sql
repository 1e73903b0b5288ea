-- The forecast cycle (issue 5): a monthly cycle of statistical baselines per dealer × model line ×
-- target month, dealer adjustments, regional review, a locked consensus snapshot, and accuracy.

create table forecast_cycles (
  id serial primary key,
  -- The first target month (horizon 1). History ends the month before.
  cycle_month date not null unique check (extract(day from cycle_month) = 1),
  status text not null default 'open' check (status in ('open', 'adjusting', 'review', 'locked', 'published')),
  horizon smallint not null check (horizon between 1 and 18),
  history_months smallint not null check (history_months between 12 and 120),
  -- Dealers may adjust while status = 'adjusting' and today <= adjust_until.
  adjust_until date not null,
  baseline_job_id bigint,
  baseline_error text,
  -- Network-wide interval calibration tables of the baseline run (for single-dealer re-forecasts).
  calibration jsonb,
  -- Regional demand signals used by the baseline (EV adoption per region).
  signals jsonb not null default '[]',
  baseline_stats jsonb,
  row_version integer not null default 1,
  created_by text,
  created_at timestamptz not null default now(),
  baseline_at timestamptz,
  locked_by text,
  locked_at timestamptz,
  published_by text,
  published_at timestamptz
);

-- One row per dealer × model line × target month. region_id is the dealer's region when the
-- baseline was made, so the snapshot does not move if a dealer later changes region.
create table forecast_cells (
  cycle_id integer not null references forecast_cycles(id),
  dealer_id integer not null references dealers(id),
  model_line_id integer not null references model_lines(id),
  target_month date not null,
  region_id integer not null references regions(id),
  horizon smallint not null check (horizon between 1 and 18),
  baseline numeric(14, 3) not null check (baseline >= 0),
  lower80 numeric(14, 3) not null,
  upper80 numeric(14, 3) not null,
  lower95 numeric(14, 3) not null,
  upper95 numeric(14, 3) not null,
  method text not null,
  -- Units of the baseline moved by the EV adoption signal (0 when the signal did not apply).
  ev_effect numeric(14, 3) not null default 0,
  -- The spreadsheet reference (same month last year × year-to-date growth) for accuracy.
  spreadsheet numeric(14, 3) not null,
  -- In-sample seasonal naive MAE of the dealer × model line history (the MASE scale).
  mase_scale numeric(14, 4) not null,
  adjusted integer check (adjusted >= 0),
  adjust_reason text check (adjust_reason in ('local_demand', 'fleet_deal', 'ev_adoption', 'competitor', 'supply', 'other')),
  adjust_comment text,
  adjusted_by text,
  adjusted_at timestamptz,
  override integer check (override >= 0),
  override_reason text,
  overridden_by text,
  overridden_at timestamptz,
  review_status text not null default 'pending' check (review_status in ('pending', 'accepted', 'overridden')),
  -- Written when the cycle locks; never changed after.
  consensus numeric(14, 3),
  primary key (cycle_id, dealer_id, model_line_id, target_month)
);
create index forecast_cells_region_idx on forecast_cells (cycle_id, region_id, model_line_id, target_month);
create index forecast_cells_dealer_month_idx on forecast_cells (dealer_id, target_month);

-- The pooled region × model line forecasts the dealer cells are reconciled to (with their
-- calibrated intervals, used by the demand plan).
create table forecast_region_lines (
  cycle_id integer not null references forecast_cycles(id),
  region_id integer not null references regions(id),
  model_line_id integer not null references model_lines(id),
  target_month date not null,
  baseline numeric(14, 3) not null,
  lower80 numeric(14, 3) not null,
  upper80 numeric(14, 3) not null,
  lower95 numeric(14, 3) not null,
  upper95 numeric(14, 3) not null,
  method text not null,
  ev_effect numeric(14, 3) not null default 0,
  primary key (cycle_id, region_id, model_line_id, target_month)
);

-- The SKU mix per region and model line (recent SKU shares) frozen with the baseline.
create table forecast_sku_mix (
  cycle_id integer not null references forecast_cycles(id),
  region_id integer not null references regions(id),
  sku_id integer not null references skus(id),
  share numeric(9, 6) not null check (share >= 0 and share <= 1),
  primary key (cycle_id, region_id, sku_id)
);

-- Every edit of a cell: who, from, to, why, when.
create table forecast_edits (
  id bigserial primary key,
  cycle_id integer not null references forecast_cycles(id),
  dealer_id integer not null references dealers(id),
  model_line_id integer not null references model_lines(id),
  target_month date not null,
  kind text not null check (kind in ('adjust', 'override', 'accept')),
  from_value numeric(14, 3),
  to_value numeric(14, 3),
  reason text,
  comment text,
  actor text not null,
  created_at timestamptz not null default now()
);
create index forecast_edits_cell_idx on forecast_edits (cycle_id, dealer_id, model_line_id, target_month);
