-- The API takes allocation weights from 0 to 100 (allocationSettingsSchema), but numeric(6, 4)
-- holds at most 99.9999: a weight of 100 was refused by the database (22003) instead of stored.
-- One row; the widening rewrites nothing else.
alter table allocation_settings
  alter column weight_turn_and_earn type numeric(7, 4),
  alter column weight_days_supply type numeric(7, 4),
  alter column weight_commitment type numeric(7, 4);
