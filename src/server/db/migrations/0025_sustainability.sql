-- Sustainability and connected vehicles (issue 17): the SKUs' environmental data, CO2 regulations
-- as versioned data, the CO2 ledger per VIN (a view over the feed, derived at read time so the
-- ingest path is untouched), and the consented connected-vehicle data (consents, telematics).

-- 1. SKU environmental data. FCEV joins the powertrains.
alter table skus drop constraint if exists skus_powertrain_check;
alter table skus add constraint skus_powertrain_check
  check (powertrain in ('ICE', 'HEV', 'PHEV', 'BEV', 'FCEV'));
alter table skus
  add column mass_kg integer check (mass_kg between 300 and 10000),
  add column electric_range_km integer check (electric_range_km between 0 and 2000),
  add column battery_kwh numeric(6, 1) check (battery_kwh between 0 and 500);

-- 2. Regulations, versioned per market: a change is a new version with its effective date. The
-- document (jsonb) is validated by shared/schemas/sustainability.ts (targets, averaging windows,
-- premium per g/km, mass adjustment, pools; or US ZEV percentages per model year and state).
create table co2_regulations (
  id serial primary key,
  market text not null check (market ~ '^[A-Z0-9][A-Z0-9_-]{0,39}$'),
  version_no integer not null check (version_no >= 1),
  effective_from date not null,
  document jsonb not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  unique (market, version_no)
);

insert into co2_regulations (market, version_no, effective_from, created_by, document) values
('EU', 1, '2025-01-01', 'migration 0025', '{
  "kind": "eu_fleet_co2",
  "name": "EU passenger cars, Regulation (EU) 2019/631",
  "legalBasis": "Regulation (EU) 2019/631 as amended by (EU) 2023/851 and (EU) 2025/1214 (2025-2027 averaging)",
  "currency": "EUR",
  "countries": ["AT","BE","BG","HR","CY","CZ","DK","EE","FI","FR","DE","GR","HU","IE","IT","LV","LT","LU","MT","NL","PL","PT","RO","SK","SI","ES","SE","IS","NO","LI"],
  "targets": [
    {"fromYear": 2025, "toYear": 2029, "gPerKm": "93.6"},
    {"fromYear": 2030, "toYear": 2034, "gPerKm": "49.5"},
    {"fromYear": 2035, "toYear": null, "gPerKm": "0"}
  ],
  "averagingWindows": [{"fromYear": 2025, "toYear": 2027}],
  "premiumPerGPerKm": "95",
  "massAdjustment": null,
  "evShareAskPercent": "25",
  "pools": [],
  "note": "Targets are the EU fleet-wide figures; the manufacturer-specific mass adjustment is left out (null) until set."
}'),
('US-ZEV', 1, '2026-01-01', 'migration 0025', '{
  "kind": "us_zev",
  "name": "US ZEV programme (California Advanced Clean Cars II and Section 177 states)",
  "zevPowertrains": ["BEV", "FCEV"],
  "requirements": [
    {"modelYear": 2026, "percent": "35"}, {"modelYear": 2027, "percent": "43"},
    {"modelYear": 2028, "percent": "51"}, {"modelYear": 2029, "percent": "59"},
    {"modelYear": 2030, "percent": "68"}, {"modelYear": 2031, "percent": "76"},
    {"modelYear": 2032, "percent": "82"}, {"modelYear": 2033, "percent": "88"},
    {"modelYear": 2034, "percent": "94"}, {"modelYear": 2035, "percent": "100"}
  ],
  "states": [
    {"state": "CA", "fromModelYear": 2026, "status": "adopted"},
    {"state": "NY", "fromModelYear": 2026, "status": "adopted"},
    {"state": "MA", "fromModelYear": 2026, "status": "adopted"},
    {"state": "VT", "fromModelYear": 2026, "status": "adopted"},
    {"state": "OR", "fromModelYear": 2026, "status": "adopted"},
    {"state": "WA", "fromModelYear": 2026, "status": "adopted"},
    {"state": "NJ", "fromModelYear": 2027, "status": "adopted, start delayed"},
    {"state": "RI", "fromModelYear": 2026, "status": "adopted"},
    {"state": "MD", "fromModelYear": 2027, "status": "adopted, enforcement paused"},
    {"state": "DE", "fromModelYear": 2027, "status": "adopted, start delayed"},
    {"state": "NM", "fromModelYear": 2027, "status": "adopted"},
    {"state": "CO", "fromModelYear": 2027, "status": "proposed"}
  ],
  "statusNote": "Legal status in flux: in June 2025 Congress disapproved the EPA waiver for ACC II under the Congressional Review Act; California and several states are litigating and some states paused enforcement. Shown for planning, not as a compliance statement."
}');

-- 3. The CO2 ledger per VIN: every retail delivery (and unwind, negative) with its SKU's WLTP
-- CO2 and mass, the dealer's country and state (the market is resolved from the regulation's
-- countries or states). A view, computed at read time: the feed's write path is not slowed.
-- security_invoker: the reader's row-level security on transactions and dealers applies.
create view co2_ledger with (security_invoker = true) as
  select t.id, t.vin, t.dealer_id, d.country, d.state_province, d.region_id,
         t.occurred_on, t.quantity, s.id as sku_id, s.model_line_id, s.powertrain,
         s.co2_g_per_km, s.mass_kg
  from transactions t
  join skus s on s.id = t.sku_id
  join dealers d on d.id = t.dealer_id
  where t.kind in ('retail_delivery', 'unwind');

-- 4. Consents: append-only (a grant or a revocation is a new row, recorded in the ledger).
create table connected_consents (
  id bigserial primary key,
  vin text not null,
  owner_ref text not null,
  dealer_id integer not null references dealers(id),
  purpose text not null check (purpose in ('service_reminders', 'battery_health', 'lease_end_offers')),
  action text not null check (action in ('grant', 'revoke')),
  granted_on date,
  expires_on date,
  contract_ends_on date,
  source text not null,
  recorded_at timestamptz not null default now(),
  recorded_by text not null,
  check (action = 'revoke' or (granted_on is not null and expires_on is not null and expires_on >= granted_on))
);
create index connected_consents_vin_idx on connected_consents (vin, purpose, id);
create index connected_consents_dealer_idx on connected_consents (dealer_id, id);
select forecourt_protect('connected_consents');

create or replace function connected_consents_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'connected_consents is append-only';
end $$;
create trigger connected_consents_append_only before update or delete on connected_consents
  for each row execute function connected_consents_append_only();

-- 5. Telematics readings (no location): one row per VIN, signal and time, under the purpose whose
-- consent allowed it. Revoking a purpose deletes its rows.
create table telematics_signals (
  id bigserial primary key,
  vin text not null,
  dealer_id integer not null,
  purpose text not null,
  signal text not null,
  value numeric(14, 3) not null,
  observed_at timestamptz not null,
  consent_id bigint not null,
  received_at timestamptz not null default now()
);
create index telematics_signals_vin_idx on telematics_signals (vin, purpose, signal, observed_at desc);
create index telematics_signals_dealer_idx on telematics_signals (dealer_id);
select forecourt_protect('telematics_signals');
