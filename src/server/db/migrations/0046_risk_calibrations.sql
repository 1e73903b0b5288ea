-- Issue 14: the network's own recalibration of commitment risks. The nightly job
-- `insights.risk-calibration` (insights/risk-calibration-job.ts) backtests the network's ended
-- terms (each dealer's total and best-selling model lines, the app's raw pipeline) and stores one
-- row per run: an isotonic map per elapsed share of the term (0, ¼, ½, ¾), fitted on every case of
-- those terms. The risk refresh uses the latest row when it has enough cases (`points` not null),
-- else the default shipped in code. OEM-level: fitted on all dealers together, no dealer's rows.
create table risk_calibrations (
  id integer generated always as identity primary key,
  fitted_at timestamptz not null default now(),
  -- the last complete month of the series: every term the map is fitted on ended by then
  through_month date not null,
  terms integer not null,
  series integer not null,
  -- cases per elapsed share (each series × term gives one at every share)
  cases integer not null,
  -- [{ share, cases, model: { kind: 'isotonic', thresholds, values } }]; null: too few cases
  points jsonb,
  -- walk-forward scores per elapsed month (each term recalibrated on the earlier ones only)
  scores jsonb not null
);

-- Which calibration each risk used: a risk_calibrations id, or null for the shipped default.
-- (No foreign key: commitment_risks is distributed by dealer, this table stays on the coordinator.)
alter table commitment_risks add column calibration_id integer;
