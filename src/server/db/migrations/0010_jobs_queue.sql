-- Jobs run through pg-boss on a PostgreSQL server (jobs.service.ts): the process that takes a job
-- may not be the one that started it, so the job keeps the actor it was started by (role and
-- scope: a recalculation started by a regional manager covers the region).
alter table jobs add column actor jsonb;
