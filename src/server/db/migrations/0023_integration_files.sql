-- Issue 15 (integration, parts 2 and 3): the retail delivery report's extra fields beside the
-- feed row, dealers' bank details for pain.001 credit transfers, and the GL account mapping of
-- the accrual and payout journals.

-- The retail delivery report (RDR, STAR-style) of a feed row: keyed by the feed's own key
-- (dealer, source, externalId), written in the ingest's transaction. A report sent again is a
-- duplicate row and its details stay as first stored.
create table rdr_sales (
  dealer_id integer not null references dealers(id),
  source text not null,
  external_id text not null,
  sale_date date not null,
  delivery_date date not null,
  sale_category text not null
    check (sale_category in ('retail', 'fleet', 'lease', 'demonstrator', 'loaner', 'employee')),
  buyer_type text not null check (buyer_type in ('individual', 'business', 'government', 'dealer')),
  buyer_postcode text,
  buyer_state text,
  buyer_country char(2),
  salesperson_id text,
  odometer_km integer check (odometer_km >= 0),
  stored_at timestamptz not null default now(),
  primary key (dealer_id, source, external_id)
);
create index rdr_sales_category_idx on rdr_sales (dealer_id, sale_category);
select forecourt_protect('rdr_sales');

-- A dealer's bank account for incentive payouts: an IBAN (with the BIC of its bank) or a US
-- routing number and account. One current account per dealer; every change is a ledger entry
-- (entity 'dealer_bank_account') and an audit entry.
create table dealer_bank_accounts (
  dealer_id integer primary key references dealers(id),
  account_holder text not null,
  scheme text not null check (scheme in ('iban', 'us_aba')),
  iban text,
  bic text,
  routing_number text,
  account_number text,
  currency char(3) not null,
  updated_by text not null,
  updated_at timestamptz not null default now(),
  check ((scheme = 'iban' and iban is not null and routing_number is null and account_number is null)
      or (scheme = 'us_aba' and iban is null and routing_number is not null and account_number is not null))
);
select forecourt_protect('dealer_bank_accounts');

-- The GL accounts the journals post to (ERP account numbers; cost centres per region code).
alter table settings add column gl_accounts jsonb not null default
  '{"incentiveExpense":"640000","accruedLiability":"219000","payoutClearing":"160000","costCentres":{},"defaultCostCentre":"OEM-SALES","debtorName":"Forecourt OEM","debtorIban":null,"debtorBic":null,"debtorUsAccount":null,"debtorUsRouting":null}'::jsonb;

-- The production plant of each model line (or SKU) for the production plan export: the plant
-- code the ERP plans in (SAP: WERKS), a default for the rest.
alter table settings add column production_plants jsonb not null default
  '{"defaultPlant":"P001","byModelLine":{},"bySku":{}}'::jsonb;

-- Bank detail changes are audited (the kinds of 0018 plus this one).
alter table audit_log drop constraint audit_log_kind_check;
alter table audit_log add constraint audit_log_kind_check check (kind in (
  'sign_in.succeeded', 'sign_in.failed', 'sign_in.limited',
  'user.created', 'user.updated', 'user.disabled', 'user.enabled', 'user.password_reset',
  'api_key.created', 'api_key.revoked', 'bank_account.changed'));
