-- Issue 14 §1: a model line's planned end of sale (the OEM's product plan): the last day the
-- line is sold. Null: no plan. Commitment risk expects no units of the line after it
-- (docs/insights.md, "Planned end of sale").
alter table model_lines add column sales_end_on date;
