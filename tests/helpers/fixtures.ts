/**
 * A small hand-built network for behaviour tests: the OEM, dealer A (West) and dealer B (East),
 * dealer C in A's dealer group, and users for every role.
 */
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import type { Db } from '../../src/server/db/db';
import { hashPassword } from '../../src/server/modules/auth/auth.service';
import type { Services } from '../../src/server/services';

export const PASSWORD = 'correct-horse-battery';

export const USERS = {
  admin: 'admin@test.local',
  channel: 'channel@test.local',
  regionalWest: 'west@test.local',
  finance: 'finance@test.local',
  analyst: 'analyst@test.local',
  dealerA: 'a@test.local',
  dealerASales: 'a.sales@test.local',
  dealerAFinance: 'a.finance@test.local',
  dealerB: 'b@test.local',
  groupAC: 'group@test.local',
} as const;

let hash: Promise<string> | undefined;

export async function seedFixtures(db: Db): Promise<void> {
  hash ??= hashPassword(PASSWORD);
  const h = await hash;
  await db.exec(`
    insert into regions (code, name, parent_id, path) values ('US', 'United States', null, '/US/');
    insert into regions (code, name, parent_id, path) values
      ('US-W', 'West', (select id from regions where code = 'US'), '/US/US-W/'),
      ('US-E', 'East', (select id from regions where code = 'US'), '/US/US-E/');
    insert into dealer_groups (code, name) values ('G1', 'Pacific Auto Group');
    insert into dealers (code, name, region_id, dealer_group_id, state_province, city, country, erp_vendor_id) values
      ('DLR-ALPHA', 'Dealer Alpha Motors', (select id from regions where code = 'US-W'), (select id from dealer_groups where code = 'G1'), 'CA', 'Fresno', 'US', 'V100'),
      ('DLR-BRAVO', 'Dealer Bravo Autos', (select id from regions where code = 'US-E'), null, 'NY', 'Albany', 'US', 'V200'),
      ('DLR-CHARLIE', 'Dealer Charlie Cars', (select id from regions where code = 'US-W'), (select id from dealer_groups where code = 'G1'), 'OR', 'Salem', 'US', 'V300');
    insert into model_lines (code, name, segment) values ('ML-AURA', 'Aura', 'compact SUV'), ('ML-BOLT', 'Volt Pickup', 'pickup');
    insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date) values
      ('AURA-LX-ICE', (select id from model_lines where code = 'ML-AURA'), 'Aura LX', 'LX', 'ICE', 'compact SUV', 32000.00, 160, '2020-01-01'),
      ('AURA-EX-BEV', (select id from model_lines where code = 'ML-AURA'), 'Aura EX Electric', 'EX', 'BEV', 'compact SUV', 45500.00, 0, '2022-03-01'),
      ('BOLT-XL-HEV', (select id from model_lines where code = 'ML-BOLT'), 'Volt Pickup XL Hybrid', 'XL', 'HEV', 'pickup', 52000.00, 190, '2021-06-01');
  `);
  const users: [string, string, string, string | null, string | null, string | null][] = [
    [USERS.admin, 'Admin', 'oem_admin', null, null, null],
    [USERS.channel, 'Channel', 'channel_manager', null, null, null],
    [USERS.regionalWest, 'West Manager', 'regional_manager', 'US-W', null, null],
    [USERS.finance, 'Finance', 'finance', null, null, null],
    [USERS.analyst, 'Analyst', 'analyst', null, null, null],
    [USERS.dealerA, 'A Principal', 'dealer_principal', null, 'DLR-ALPHA', null],
    [USERS.dealerASales, 'A Sales', 'dealer_sales', null, 'DLR-ALPHA', null],
    [USERS.dealerAFinance, 'A Finance', 'dealer_finance', null, 'DLR-ALPHA', null],
    [USERS.dealerB, 'B Principal', 'dealer_principal', null, 'DLR-BRAVO', null],
    [USERS.groupAC, 'Group Principal', 'dealer_principal', null, null, 'G1'],
  ];
  for (const [email, name, role, region, dealer, group] of users) {
    await db.query(
      `insert into users (email, name, password_hash, role, region_id, dealer_id, dealer_group_id)
       values ($1, $2, $3, $4, (select id from regions where code = $5), (select id from dealers where code = $6),
               (select id from dealer_groups where code = $7))`,
      [email, name, h, role, region, dealer, group],
    );
  }
}

let rowCounter = 0;

/** A valid transaction row for the feed (unique externalId each call). */
export function txRow(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'retail_delivery',
    dealerCode: 'DLR-ALPHA',
    sku: 'AURA-LX-ICE',
    vin: null,
    quantity: 1,
    amount: '31000.00',
    currency: 'USD',
    occurredOn: '2026-03-14',
    source: 'dms-test',
    externalId: `X-${++rowCounter}`,
    ...overrides,
  };
}

/** Creates an integration API key scoped to one dealer (as a dealer's DMS feed has); `key` is the secret. */
export function createDealerFeedKey(services: Services, dealerCode: string, name: string) {
  return services.accounts.createApiKey({
    actor: SYSTEM_ACTOR,
    data: { name, role: 'integration', regionCode: null, dealerCode, dealerGroupCode: null },
  });
}

/** Posts rows to the feed as the system (one batch). */
export async function ingestRows(services: Services, rows: Record<string, unknown>[]) {
  return services.transactions.ingest({
    actor: SYSTEM_ACTOR,
    format: 'json',
    body: (async function* () {
      let row = 0;
      for (const value of rows) yield { row: ++row, value };
    })(),
    byteLimit: Infinity,
  });
}
