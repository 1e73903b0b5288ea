-- Issue 17: the telematics feed's cost is its insert into the indexed signals table.
-- The four-column index (vin, purpose, signal, observed_at desc) served only the revocation's
-- delete by (vin, purpose): the latest-signal reads go by dealer (telematics_signals_dealer_idx)
-- and sort one dealer's rows. A two-column index serves the delete with narrower entries (the
-- signal name alone is up to 50 bytes), so each reading writes less.
drop index if exists telematics_signals_vin_idx;
create index telematics_signals_vin_purpose_idx on telematics_signals (vin, purpose);

-- A frozen (approved) statement line keeps its structured CO2 figures, as the live line shows
-- them: {gPerKm, thresholdGPerKm, belowGPerKm} of a per_g_co2_below line, else null. A nullable
-- column without a default: no rewrite of the table.
alter table incentive_statement_lines add column co2 jsonb;
