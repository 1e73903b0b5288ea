/**
 * What every table of the schema is under a distributed PostgreSQL (Citus), as data (issue 18 §3,
 * docs/scaling.md). tests/schema-distribution.test.ts migrates a fresh database and fails on a
 * table missing here, and on a table breaking the rules of its class (distribution.ts):
 *
 * - `tenant`: one dealer's rows. `create_distributed_table(t, 'dealer_id', colocate_with =>
 *   'transactions')`. A NOT NULL `dealer_id`; every primary and unique key includes it; every
 *   foreign key to another tenant table includes it on both sides; row-level security on.
 * - `reference`: the catalog, the network, settings, program definitions and the few OEM-level
 *   rows that tenant rows point at (users, payout batches, allocation runs, forecast cycles).
 *   `create_reference_table(t)`: a copy on every node. References reference tables only.
 * - `coordinator`: OEM-level tables that no tenant row references and that cannot be keyed by one
 *   dealer (sessions, jobs, the audit log, the ledger's hash chain, the webhook outbox, feed
 *   batches). They stay local tables on the coordinator; they may reference reference tables.
 *
 * Adding a table: one line here, in its class (a view needs none).
 */
export type TableClass = 'tenant' | 'reference' | 'coordinator';

export const TABLE_CLASSES: Readonly<Record<string, TableClass>> = {
  // tenant: distributed by dealer_id, colocated with transactions
  transactions: 'tenant',
  monthly_actuals: 'tenant',
  rdr_sales: 'tenant',
  agreements: 'tenant',
  agreement_lines: 'tenant',
  agreement_line_skus: 'tenant',
  agreement_versions: 'tenant',
  agreement_revisions: 'tenant',
  agreement_events: 'tenant',
  agreement_line_actuals: 'tenant',
  agreement_period_actuals: 'tenant',
  agreement_expectations: 'tenant',
  notifications: 'tenant',
  incentive_statements: 'tenant',
  incentive_statement_lines: 'tenant',
  statement_snapshots: 'tenant',
  settled_unit_benefits: 'tenant',
  incentive_claims: 'tenant',
  incentive_disputes: 'tenant',
  incentive_dispute_messages: 'tenant',
  incentive_adjustments: 'tenant',
  payout_items: 'tenant', // a batch's line for one dealer's statement
  dealer_bank_accounts: 'tenant',
  forecast_cells: 'tenant',
  forecast_edits: 'tenant',
  vehicles: 'tenant',
  vehicle_events: 'tenant',
  dealer_allocation_profiles: 'tenant',
  allocation_results: 'tenant',
  allocation_dealer_inputs: 'tenant',
  connected_consents: 'tenant',
  telematics_signals: 'tenant',
  commitment_risks: 'tenant',
  commitment_risk_history: 'tenant',
  commitment_risk_reads: 'tenant',
  program_tier_risks: 'tenant',
  program_tier_risk_history: 'tenant',
  program_tier_outcomes: 'tenant',
  insight_interventions: 'tenant',
  integrity_flags: 'tenant',

  dealer_areas: 'tenant',
  // reference: replicated to every node
  market_areas: 'reference',
  market_registrations: 'reference',
  settings: 'reference',
  regions: 'reference',
  dealer_groups: 'reference',
  dealers: 'reference',
  model_lines: 'reference',
  skus: 'reference',
  sku_prices: 'reference',
  product_groups: 'reference',
  programs: 'reference',
  program_versions: 'reference',
  program_periods: 'reference',
  co2_regulations: 'reference',
  allocation_settings: 'reference',
  forecast_cycles: 'reference', // forecast cells point at their cycle
  users: 'reference', // agreements and versions name who drafted, accepted, approved
  payout_batches: 'reference', // spans dealers; payout items point at it; a few a month
  allocation_runs: 'reference', // spans dealers; allocation results point at it

  // coordinator: local tables, OEM-level
  schema_migrations: 'coordinator',
  sessions: 'coordinator',
  api_keys: 'coordinator', // looked up by prefix on every API request; a dealer's or the OEM's
  jobs: 'coordinator',
  insight_refreshes: 'coordinator', // the nightly risk run's last completion (one row)
  risk_calibrations: 'coordinator', // the network's recalibration maps, fitted on all dealers
  audit_log: 'coordinator',
  ledger_entries: 'coordinator', // one hash chain for the network
  ingest_batches: 'coordinator', // a batch may hold many dealers' rows
  vin_first_dealers: 'coordinator', // one row a VIN across dealers (the VIN-once check, 0055); unlogged (0057)
  vin_multi_dealers: 'coordinator', // the VINs more than one dealer delivered (0055)
  pipeline_refreshes: 'coordinator', // a pipeline batch's pending refresh: many dealers' VINs
  outbox: 'coordinator', // network events have no dealer
  webhook_subscriptions: 'coordinator',
  webhook_deliveries: 'coordinator',
  webhook_attempts: 'coordinator',
  allocation_rounds: 'coordinator',
  forecast_region_lines: 'coordinator', // regional forecast of a cycle, read by OEM roles
  forecast_sku_mix: 'coordinator',
};

/** The table every tenant table is colocated with. */
export const COLOCATION_ANCHOR = 'transactions';
