-- Foundation: network, catalog, fiscal calendar, accounts, the actuals feed.

create table settings (
  id boolean primary key default true check (id),
  fiscal_year_start_month smallint not null default 1 check (fiscal_year_start_month between 1 and 12),
  currency char(3) not null default 'USD',
  updated_at timestamptz not null default now()
);
insert into settings default values;

create table regions (
  id serial primary key,
  code text not null unique,
  name text not null,
  parent_id integer references regions(id),
  -- Materialised path of codes, '/US/US-W/': a region's subtree is path LIKE '/US/US-W/%'.
  path text not null unique,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table dealer_groups (
  id serial primary key,
  code text not null unique,
  name text not null,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table dealers (
  id serial primary key,
  code text not null unique,
  name text not null,
  region_id integer not null references regions(id),
  dealer_group_id integer references dealer_groups(id),
  state_province text not null,
  city text,
  country char(2) not null,
  erp_vendor_id text,
  status text not null default 'active' check (status in ('active', 'inactive')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index dealers_region_idx on dealers (region_id);
create index dealers_group_idx on dealers (dealer_group_id);

create table model_lines (
  id serial primary key,
  code text not null unique,
  name text not null,
  segment text not null,
  status text not null default 'active' check (status in ('active', 'discontinued')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table skus (
  id serial primary key,
  code text not null unique,
  model_line_id integer not null references model_lines(id),
  name text not null,
  trim text not null,
  powertrain text not null check (powertrain in ('ICE', 'HEV', 'PHEV', 'BEV')),
  segment text not null,
  msrp numeric(12, 2) not null check (msrp >= 0),
  co2_g_per_km integer not null check (co2_g_per_km >= 0),
  launch_date date not null,
  status text not null default 'active' check (status in ('active', 'discontinued')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index skus_model_line_idx on skus (model_line_id);

create table users (
  id serial primary key,
  email text not null unique,
  name text not null,
  password_hash text not null,
  role text not null,
  region_id integer references regions(id),
  dealer_id integer references dealers(id),
  dealer_group_id integer references dealer_groups(id),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table sessions (
  token_hash text primary key,
  user_id integer not null references users(id),
  csrf_token text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_idx on sessions (user_id);

create table api_keys (
  id serial primary key,
  name text not null,
  prefix text not null unique,
  key_hash text not null,
  role text not null,
  region_id integer references regions(id),
  dealer_id integer references dealers(id),
  dealer_group_id integer references dealer_groups(id),
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table ingest_batches (
  id bigserial primary key,
  received_at timestamptz not null default now(),
  actor text not null,
  format text not null,
  row_count integer not null,
  inserted integer not null,
  duplicates integer not null
);

-- The actuals feed: append-only. Idempotent on (source, external_id).
-- dealer_id and sku_id carry no foreign keys on purpose: the only writer is the ingest path, which
-- resolves codes against dealers and skus in the same transaction, and dealers and SKUs are never
-- deleted (only deactivated). The per-row FK triggers cost half of the ingest time (BENCHMARKS.md).
create table transactions (
  id bigserial primary key,
  kind text not null check (kind in ('wholesale_order', 'invoice', 'retail_delivery', 'registration', 'unwind')),
  dealer_id integer not null,
  sku_id integer not null,
  vin text,
  quantity integer not null check (quantity <> 0),
  amount numeric(16, 2) not null,
  currency char(3) not null,
  occurred_on date not null,
  source text not null,
  external_id text not null,
  batch_id bigint,
  received_at timestamptz not null default now(),
  unique (source, external_id)
);
create index transactions_dealer_date_idx on transactions (dealer_id, occurred_on);
create index transactions_date_idx on transactions (occurred_on);
create index transactions_vin_idx on transactions (vin) where vin is not null;

-- Live monthly roll-up of the feed, maintained in the same database transaction as each ingest.
create table monthly_actuals (
  dealer_id integer not null references dealers(id),
  sku_id integer not null references skus(id),
  month date not null,
  kind text not null,
  quantity integer not null,
  amount numeric(18, 2) not null,
  row_count integer not null,
  primary key (dealer_id, month, sku_id, kind)
);
create index monthly_actuals_month_idx on monthly_actuals (month);

-- Background work (recalculation, forecasting, imports) with progress visible to users.
create table jobs (
  id bigserial primary key,
  kind text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
  progress numeric(5, 2) not null default 0,
  message text,
  params jsonb not null default '{}',
  result jsonb,
  created_by text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
