-- The agreements table carries its own summary for the network table (issue 3): how many lines it
-- has and the actual quantity per period (dense, index = period index), maintained with
-- agreement_period_actuals so listing 4,000 agreements needs no per-agreement aggregation.

alter table agreements add column line_count integer not null default 0;
alter table agreements add column actual_by_period integer[] not null default '{}';

update agreements a set line_count = (select count(*) from agreement_lines l where l.agreement_id = a.id);

update agreements a set actual_by_period = array(
  select coalesce(p.quantity, 0)
  from generate_series(0, coalesce(array_length(a.planned_by_period, 1), 0) - 1) g(i)
  left join agreement_period_actuals p on p.agreement_id = a.id and p.period_index = g.i
  order by g.i
);

-- The same per line (the roll-up by model line sums these arrays by period).
alter table agreement_lines add column actual_quantities integer[] not null default '{}';

update agreement_lines l set actual_quantities = array(
  select coalesce(la.quantity, 0)
  from generate_series(0, cardinality(l.planned_quantities) - 1) g(i)
  left join agreement_line_actuals la
    on la.agreement_id = l.agreement_id and la.line_no = l.line_no and la.period_index = g.i
  order by g.i
);
