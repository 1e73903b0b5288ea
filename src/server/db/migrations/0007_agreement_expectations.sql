-- What the dealer now expects to deliver against its commitment, per agreement line and period
-- (issue 5: adjusted from the forecast screen). Kept next to the plan, never replacing it.
create table agreement_expectations (
  agreement_id integer not null references agreements(id) on delete cascade,
  line_no integer not null,
  period_index integer not null,
  expected_quantity integer not null check (expected_quantity >= 0),
  comment text,
  updated_by text not null,
  updated_at timestamptz not null default now(),
  primary key (agreement_id, line_no, period_index)
);
