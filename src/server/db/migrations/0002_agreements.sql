-- Sales agreements: dealer commitments with versions, amendments, live attainment and a ledger.

-- Named filters on the catalog ("all BEV", "all SUVs") that agreement lines and programs can target.
create table product_groups (
  id serial primary key,
  code text not null unique,
  name text not null,
  -- { "powertrains": [], "segments": [], "modelLines": [], "skus": [] }: empty means any
  filter jsonb not null,
  created_at timestamptz not null default now()
);

create table agreements (
  id serial primary key,
  code text not null unique,
  dealer_id integer not null references dealers(id),
  start_month date not null check (extract(day from start_month) = 1),
  months integer not null check (months between 1 and 60),
  frequency text not null check (frequency in ('monthly', 'quarterly')),
  counted_kinds text[] not null default '{retail_delivery,unwind}',
  status text not null default 'draft'
    check (status in ('draft', 'proposed', 'accepted', 'approved', 'active', 'expired', 'cancelled', 'rejected')),
  -- optimistic concurrency: every change increments it; a write naming an older one gets 409
  row_version integer not null default 1,
  -- the latest approved version (agreement_versions.version_no), null before the first approval
  approved_version integer,
  status_comment text,
  -- Σ over lines of the planned quantity per period (kept with the lines, for the network table)
  planned_by_period integer[] not null default '{}',
  renewed_from_id integer references agreements(id),
  created_by integer references users(id),
  accepted_by integer references users(id),
  approved_by integer references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index agreements_dealer_idx on agreements (dealer_id);
create index agreements_status_idx on agreements (status);

-- The current terms' lines (for a draft, the draft; after approval, the approved terms).
create table agreement_lines (
  agreement_id integer not null references agreements(id) on delete cascade,
  line_no integer not null,
  target_kind text not null check (target_kind in ('model_line', 'sku', 'product_group')),
  target_code text not null,
  target_label text not null,
  planned_quantities integer[] not null,
  planned_revenue numeric(16, 2)[],
  primary key (agreement_id, line_no)
);

-- Which SKUs each line counts (resolved when the terms are saved).
create table agreement_line_skus (
  agreement_id integer not null references agreements(id) on delete cascade,
  line_no integer not null,
  sku_id integer not null references skus(id),
  primary key (agreement_id, line_no, sku_id)
);
create index agreement_line_skus_sku_idx on agreement_line_skus (sku_id);

-- Immutable approved versions in canonical JSON, with the hash the ledger recorded.
create table agreement_versions (
  agreement_id integer not null references agreements(id),
  version_no integer not null,
  terms jsonb not null,
  canonical text not null,
  sha256 text not null,
  approved_by integer references users(id),
  created_at timestamptz not null default now(),
  primary key (agreement_id, version_no)
);

-- Amendments of an active agreement: pending changes shown next to the current terms.
create table agreement_revisions (
  id serial primary key,
  agreement_id integer not null references agreements(id),
  status text not null default 'proposed' check (status in ('proposed', 'accepted', 'approved', 'rejected')),
  terms jsonb not null,
  comment text,
  created_by integer references users(id),
  accepted_by integer references users(id),
  decided_by integer references users(id),
  decision_comment text,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
create unique index agreement_revisions_one_open on agreement_revisions (agreement_id)
  where status in ('proposed', 'accepted');

-- Who did what to an agreement, in order.
create table agreement_events (
  id bigserial primary key,
  agreement_id integer not null references agreements(id),
  action text not null,
  from_status text,
  to_status text,
  comment text,
  actor text not null,
  created_at timestamptz not null default now()
);
create index agreement_events_agreement_idx on agreement_events (agreement_id, id);

-- Live actuals per agreement, line and period for approved, active and expired agreements,
-- maintained in the ingest transaction and rebuilt when terms change.
create table agreement_line_actuals (
  agreement_id integer not null references agreements(id) on delete cascade,
  line_no integer not null,
  period_index integer not null,
  quantity integer not null default 0,
  revenue numeric(18, 2) not null default 0,
  primary key (agreement_id, line_no, period_index)
);

create table agreement_period_actuals (
  agreement_id integer not null references agreements(id) on delete cascade,
  period_index integer not null,
  quantity integer not null default 0,
  revenue numeric(18, 2) not null default 0,
  primary key (agreement_id, period_index)
);

-- The tamper-evident ledger: each entry's hash covers the previous entry's hash.
create table ledger_entries (
  seq bigserial primary key,
  entity_type text not null,
  entity_id text not null,
  action text not null,
  payload_sha256 text not null,
  actor text not null,
  recorded_at timestamptz not null default now(),
  prev_hash text not null,
  hash text not null unique
);
create index ledger_entries_entity_idx on ledger_entries (entity_type, entity_id, seq);

-- In-app notifications: something waits for someone's action.
create table notifications (
  id bigserial primary key,
  audience text not null check (audience in ('oem', 'dealer')),
  dealer_id integer references dealers(id),
  kind text not null,
  message text not null,
  link text not null,
  entity_id text,
  created_at timestamptz not null default now(),
  done_at timestamptz
);
create index notifications_open_idx on notifications (audience, dealer_id) where done_at is null;
