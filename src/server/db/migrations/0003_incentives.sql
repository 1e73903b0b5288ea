-- Incentive and rebate programs (issue 4): versioned definitions, settlement periods, frozen
-- statements with their lines, settled unit benefits (exact clawbacks), claims, disputes with
-- their threads, adjustments and payout batches. Open statements are never stored: they are
-- computed live from the feed; a statement row exists once its period is closed.

create table programs (
  id serial primary key,
  code text not null unique,
  status text not null default 'draft' check (status in ('draft', 'published', 'closed')),
  created_by integer references users(id),
  created_by_label text not null,
  created_at timestamptz not null default now(),
  closed_at timestamptz,
  closed_by text
);

-- Each version is immutable once published; a change is a new version with an effective date.
create table program_versions (
  program_id integer not null references programs(id),
  version_no integer not null,
  effective_from date not null,
  status text not null default 'draft' check (status in ('draft', 'published')),
  -- The parsed definition (defaults applied, paying filled): what the engine reads.
  definition jsonb not null,
  -- Canonical JSON of the definition and its hash, recorded in the ledger on publication.
  canonical text,
  sha256 text,
  warnings jsonb not null default '[]',
  created_by_label text not null,
  created_at timestamptz not null default now(),
  published_by text,
  published_at timestamptz,
  primary key (program_id, version_no)
);

-- A settlement period closed by finance: its statements are stored (status closed) and no
-- longer follow the feed.
create table program_periods (
  program_id integer not null references programs(id),
  period text not null,
  closed_by text not null,
  closed_at timestamptz not null default now(),
  primary key (program_id, period)
);

create table incentive_statements (
  id bigserial primary key,
  program_id integer not null references programs(id),
  version_no integer not null,
  dealer_id integer not null references dealers(id),
  period text not null,
  window_label text not null,
  status text not null check (status in ('closed', 'approved', 'paid')),
  measure_value text,
  tier_reached text,
  earned numeric(18, 6) not null,
  previously_settled numeric(18, 6) not null,
  amount_due numeric(18, 6) not null,
  currency char(3) not null,
  -- The whole statement (without lines) as computed at close, then at approval.
  snapshot jsonb not null,
  approved_by text,
  approved_at timestamptz,
  paid_at timestamptz,
  created_at timestamptz not null default now(),
  unique (program_id, dealer_id, period)
);
create index incentive_statements_dealer_idx on incentive_statements (dealer_id);

-- The frozen lines of an approved statement.
create table incentive_statement_lines (
  statement_id bigint not null references incentive_statements(id),
  line_no integer not null,
  kind text not null check (kind in ('benefit', 'clawback', 'adjustment', 'cap')),
  transaction_id bigint,
  line_date date,
  quantity integer,
  basis text,
  rate text,
  tier_from text,
  parts jsonb,
  amount numeric(18, 6) not null,
  explanation text not null,
  primary key (statement_id, line_no)
);

-- What was paid per unit in approved statements: a later unwind naming the sale claws back
-- exactly this amount. clawed_back_by is set when an approved statement contains the clawback.
create table settled_unit_benefits (
  program_id integer not null references programs(id),
  transaction_id bigint not null,
  dealer_id integer not null references dealers(id),
  statement_id bigint not null references incentive_statements(id),
  window_label text not null,
  vin text,
  external_id text,
  quantity integer not null,
  amount numeric(18, 6) not null,
  clawed_back_by bigint references incentive_statements(id),
  primary key (program_id, transaction_id)
);
create index settled_unit_benefits_dealer_idx on settled_unit_benefits (program_id, dealer_id);

create table incentive_claims (
  id bigserial primary key,
  program_id integer not null references programs(id),
  dealer_id integer not null references dealers(id),
  vin text not null,
  sku_code text not null,
  delivered_on date not null,
  evidence_name text,
  transaction_id bigint,
  status text not null check (status in ('invalid', 'validated', 'approved', 'rejected')),
  -- [{ check, ok, message }]: why it passed or failed.
  checks jsonb not null,
  decision_reason text,
  submitted_by text not null,
  decided_by text,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
create index incentive_claims_program_dealer_idx on incentive_claims (program_id, dealer_id);
-- A VIN is claimed once per program (invalid and rejected claims do not count).
create unique index incentive_claims_one_vin on incentive_claims (program_id, vin)
  where status in ('validated', 'approved');

create table incentive_disputes (
  id bigserial primary key,
  program_id integer not null references programs(id),
  dealer_id integer not null references dealers(id),
  period text not null,
  -- What is disputed: a statement line (its transaction) or a claim.
  transaction_id bigint,
  claim_id bigint references incentive_claims(id),
  status text not null default 'open' check (status in ('open', 'adjusted', 'rejected')),
  resolution text,
  created_by text not null,
  resolved_by text,
  created_at timestamptz not null default now(),
  resolved_at timestamptz
);
create index incentive_disputes_dealer_idx on incentive_disputes (dealer_id, status);

create table incentive_dispute_messages (
  id bigserial primary key,
  dispute_id bigint not null references incentive_disputes(id),
  side text not null check (side in ('dealer', 'oem')),
  author text not null,
  body text not null,
  attachment_name text,
  created_at timestamptz not null default now()
);
create index incentive_dispute_messages_idx on incentive_dispute_messages (dispute_id, id);

-- Credit (+) or debit (-) lines added to a dealer's statement of a period (dispute resolutions).
create table incentive_adjustments (
  id bigserial primary key,
  program_id integer not null references programs(id),
  dealer_id integer not null references dealers(id),
  period text not null,
  dispute_id bigint references incentive_disputes(id),
  amount numeric(18, 6) not null,
  explanation text not null,
  created_by text not null,
  created_at timestamptz not null default now()
);
create index incentive_adjustments_idx on incentive_adjustments (program_id, dealer_id, period);

create table payout_batches (
  id bigserial primary key,
  code text not null unique,
  status text not null default 'exported' check (status in ('exported', 'paid')),
  gl_account text not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  paid_by text,
  paid_at timestamptz
);

create table payout_items (
  batch_id bigint not null references payout_batches(id),
  statement_id bigint not null unique references incentive_statements(id),
  dealer_id integer not null references dealers(id),
  amount numeric(18, 6) not null,
  currency char(3) not null,
  reference text not null,
  primary key (batch_id, statement_id)
);
