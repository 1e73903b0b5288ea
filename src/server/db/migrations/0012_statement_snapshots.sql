-- Settlement integrity (issue 11, defects 1 and 4).

-- The month from which an approved agreement version is in force: the first version from the
-- agreement's start, an amendment from the month it was approved (never before the start). A
-- settlement window uses the version in force at its start (docs/incentives.md).
alter table agreement_versions add column effective_month date;
update agreement_versions v
   set effective_month = case when v.version_no = 1 then a.start_month
                              else greatest(a.start_month, date_trunc('month', v.created_at)::date) end
  from agreements a where a.id = v.agreement_id;
alter table agreement_versions alter column effective_month set not null;

-- What finance reviewed: each close (and re-close) of a period freezes every statement's lines
-- and totals as a canonical document; approval approves the statement's current snapshot only.
create table statement_snapshots (
  id bigserial primary key,
  statement_id bigint not null references incentive_statements(id),
  seq integer not null,
  document jsonb not null,
  sha256 text not null,
  closed_by text not null,
  closed_at timestamptz not null default now(),
  unique (statement_id, seq)
);

alter table incentive_statements add column snapshot_id bigint references statement_snapshots(id);
