-- The baseline job writes ~2.9 million forecast cells on the reference network with COPY; the
-- per-row foreign-key triggers on dealer, model line and region were most of that time
-- (bench/results/forecast-job.md). The job is the only writer of these columns and takes the ids
-- from the dealers, model lines and regions it has just read in the same run, as the feed table
-- does (0001); the cycle's foreign key stays.
alter table forecast_cells drop constraint if exists forecast_cells_dealer_id_fkey;
alter table forecast_cells drop constraint if exists forecast_cells_model_line_id_fkey;
alter table forecast_cells drop constraint if exists forecast_cells_region_id_fkey;
