-- Issue 14: when the network's risks were last refreshed (the nightly run, insights
-- risk-refresh.ts). The value of interventions (performance.service.ts) is cached per scope until
-- the interventions or this time change, instead of being computed on every request.
create table insight_refreshes (
  id integer primary key default 1 check (id = 1),
  network_refreshed_at timestamptz not null
);
