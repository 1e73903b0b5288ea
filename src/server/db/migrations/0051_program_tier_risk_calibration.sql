-- Issue 14: program tier risks are recalibrated like the agreements' (the network's own isotonic
-- maps of the nightly `insights.risk-calibration` job when fitted, else the shipped default), and
-- each row says which: a risk_calibrations id, or null for the shipped default. (No foreign key,
-- as commitment_risks.calibration_id in 0046: program_tier_risks is distributed by dealer,
-- risk_calibrations stays on the coordinator.)
alter table program_tier_risks add column calibration_id integer;
