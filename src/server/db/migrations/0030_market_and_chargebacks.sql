-- Issue 14 §3 and §4: the all-brand market (registrations by area × segment × month), dealers'
-- areas of responsibility, the integrity patterns read from the retail delivery report, and the
-- chargeback a confirmed flag posts through the incentive engine.

-- An area of the market: a postcode or a county (reference data, the same for every reader).
create table market_areas (
  code text primary key,
  name text not null,
  kind text not null check (kind in ('postcode', 'county')),
  updated_at timestamptz not null default now()
);

-- All-brand registrations of an area, segment (model_lines.segment) and month. Reference data:
-- the feed replaces a key's units (idempotent); a dealer reads only its own areas (service).
create table market_registrations (
  area_code text not null references market_areas(code),
  segment text not null,
  month date not null check (extract(day from month) = 1),
  units integer not null check (units >= 0),
  source text not null,
  updated_at timestamptz not null default now(),
  primary key (area_code, segment, month)
);
create index market_registrations_month_idx on market_registrations (month, segment);

-- A dealer's areas of responsibility (a dealer's data: row-level security by dealer).
create table dealer_areas (
  dealer_id integer not null references dealers(id),
  area_code text not null references market_areas(code),
  primary key (dealer_id, area_code)
);
create index dealer_areas_area_idx on dealer_areas (area_code);
select forecourt_protect('dealer_areas');

-- Integrity: deliveries to the dealer itself or its employees, demonstrators and loaners booked
-- as retail (from rdr_sales).
alter table integrity_flags drop constraint integrity_flags_kind_check;
alter table integrity_flags add constraint integrity_flags_kind_check check (kind in (
  'month_end_spike_unwound', 'unwind_rate', 'duplicate_vin', 'claim_not_delivered',
  'self_delivery', 'demo_loaner_as_retail'));

-- A confirmed flag's chargeback: negative adjustment lines naming the flag (one per program and
-- period they are posted to). The key between the two tenant tables includes dealer_id.
alter table integrity_flags add constraint integrity_flags_dealer_id_id_key unique (dealer_id, id);
alter table incentive_adjustments add column integrity_flag_id integer;
alter table incentive_adjustments add constraint incentive_adjustments_integrity_flag_fk
  foreign key (dealer_id, integrity_flag_id) references integrity_flags (dealer_id, id);
create unique index incentive_adjustments_flag_once
  on incentive_adjustments (integrity_flag_id, program_id, period) where integrity_flag_id is not null;
