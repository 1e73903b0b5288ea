/**
 * Loads a generated demo network into the database: regions, groups, dealers, the catalog, demo
 * users and the transactions (through the same ingest path as the API).
 */
import { csvField, type Db, type Queryable } from '../../db/db';
import { SYSTEM_ACTOR } from '../../auth/actor';
import type { Services } from '../../services';
import { hashPassword } from '../auth/auth.service';
import { seedAgreements } from '../agreements/agreements.seed';
import { seedIncentivePrograms } from '../incentives/incentives.seed';
import { seedForecasts, seedForecastsInBackground } from '../forecasts/forecasts.seed';
import { seedAvailability } from '../availability/availability.seed';
import { seedMarket } from './market.seed';
import { seedSustainability } from '../connected/sustainability.seed';
import type { Role } from '../../../shared/permissions';
import {
  generateNetwork,
  generateTransactionBatches,
  type DemoNetwork,
  type DemoOptions,
} from './generator';

export const DEMO_PASSWORD = 'forecourt-demo';

export type DemoUser = {
  email: string;
  name: string;
  role: Role;
  regionCode?: string;
  dealerCode?: string;
  dealerGroupCode?: string;
};

export function demoUsers(network: DemoNetwork): DemoUser[] {
  const topRegions = network.regions.filter(
    (r) =>
      r.parentCode !== null &&
      network.regions.find((p) => p.code === r.parentCode)?.parentCode === null,
  );
  const firstRegion = topRegions[0]?.code;
  const activeDealers = network.dealers.filter(
    (d) => d.status === 'active' && d.dealerGroupCode === null,
  );
  const group = network.dealerGroups[0]?.code;
  const users: DemoUser[] = [
    { email: 'admin@forecourt.test', name: 'Ada Admin', role: 'oem_admin' },
    { email: 'channel@forecourt.test', name: 'Chris Channel', role: 'channel_manager' },
    { email: 'finance@forecourt.test', name: 'Fran Finance', role: 'finance' },
    { email: 'analyst@forecourt.test', name: 'Ana Analyst', role: 'analyst' },
  ];
  if (firstRegion)
    users.push({
      email: 'region@forecourt.test',
      name: 'Rae Regional',
      role: 'regional_manager',
      regionCode: firstRegion,
    });
  const [d1, d2] = activeDealers;
  if (d1) {
    users.push(
      {
        email: 'dealer@forecourt.test',
        name: `Dana Principal (${d1.code})`,
        role: 'dealer_principal',
        dealerCode: d1.code,
      },
      {
        email: 'sales@forecourt.test',
        name: `Sam Sales (${d1.code})`,
        role: 'dealer_sales',
        dealerCode: d1.code,
      },
      {
        email: 'dealerfinance@forecourt.test',
        name: `Fin Dealer (${d1.code})`,
        role: 'dealer_finance',
        dealerCode: d1.code,
      },
    );
  }
  if (d2)
    users.push({
      email: 'dealer2@forecourt.test',
      name: `Dale Principal (${d2.code})`,
      role: 'dealer_principal',
      dealerCode: d2.code,
    });
  if (group)
    users.push({
      email: 'group@forecourt.test',
      name: `Gail Group (${group})`,
      role: 'dealer_principal',
      dealerGroupCode: group,
    });
  return users;
}

async function copyRows(
  db: Queryable,
  table: string,
  columns: string[],
  rows: (string | number | null)[][],
) {
  if (rows.length === 0) return;
  await db.copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (format csv)`, [
    rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n',
  ]);
}

/** Writes the network (not the transactions) in one transaction. The database must be empty. */
export async function loadNetwork(database: Db, network: DemoNetwork): Promise<void> {
  await database.transaction((tx) => loadNetworkIn(tx, network));
}

async function loadNetworkIn(db: Queryable, network: DemoNetwork): Promise<void> {
  await db.query('update settings set fiscal_year_start_month = $1, currency = $2', [
    network.fiscalYearStartMonth,
    network.currency,
  ]);
  // Regions parent-first so each path can be built from its parent's.
  const paths = new Map<string, string>();
  const pending = [...network.regions];
  const ordered: typeof pending = [];
  while (pending.length) {
    const index = pending.findIndex((r) => r.parentCode === null || paths.has(r.parentCode));
    if (index < 0) throw new Error('demo regions do not form a tree');
    const [region] = pending.splice(index, 1);
    paths.set(
      region!.code,
      `${region!.parentCode ? paths.get(region!.parentCode) : '/'}${region!.code}/`,
    );
    ordered.push(region!);
  }
  for (const r of ordered) {
    await db.query(
      `insert into regions (code, name, parent_id, path) values ($1, $2, (select id from regions where code = $3), $4)`,
      [r.code, r.name, r.parentCode, paths.get(r.code)],
    );
  }
  await copyRows(
    db,
    'dealer_groups',
    ['code', 'name'],
    network.dealerGroups.map((g) => [g.code, g.name]),
  );
  await db.query(
    `create temp table seed_dealers (code text, name text, region text, grp text, state text, city text, country text, status text) on commit drop`,
  );
  await copyRows(
    db,
    'seed_dealers',
    ['code', 'name', 'region', 'grp', 'state', 'city', 'country', 'status'],
    network.dealers.map((d) => [
      d.code,
      d.name,
      d.regionCode,
      d.dealerGroupCode,
      d.stateProvince,
      d.city,
      d.country,
      d.status,
    ]),
  );
  await db.query(`insert into dealers (code, name, region_id, dealer_group_id, state_province, city, country, status, erp_vendor_id)
    select s.code, s.name, r.id, g.id, s.state, s.city, s.country, s.status, 'V' || substr(s.code, 2)
    from seed_dealers s join regions r on r.code = s.region left join dealer_groups g on g.code = s.grp order by s.code`);
  await copyRows(
    db,
    'model_lines',
    ['code', 'name', 'segment', 'sales_end_on'],
    network.modelLines.map((m) => [m.code, m.name, m.segment, m.salesEndOn]),
  );
  await db.query(
    `create temp table seed_skus (code text, ml text, name text, trim text, powertrain text, segment text, msrp numeric, co2 int, launch date, status text) on commit drop`,
  );
  await copyRows(
    db,
    'seed_skus',
    ['code', 'ml', 'name', 'trim', 'powertrain', 'segment', 'msrp', 'co2', 'launch', 'status'],
    network.skus.map((s) => [
      s.code,
      s.modelLineCode,
      s.name,
      s.trim,
      s.powertrain,
      s.segment,
      s.msrp,
      s.co2GramsPerKm,
      s.launchDate,
      s.status,
    ]),
  );
  await db.query(`insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date, status)
    select s.code, m.id, s.name, s.trim, s.powertrain, s.segment, s.msrp, s.co2, s.launch, s.status
    from seed_skus s join model_lines m on m.code = s.ml order by s.code`);
}

export async function loadDemoUsers(
  db: Db,
  network: DemoNetwork,
  password = DEMO_PASSWORD,
): Promise<DemoUser[]> {
  const users = demoUsers(network);
  const hash = await hashPassword(password);
  for (const u of users) {
    await db.query(
      `insert into users (email, name, password_hash, role, region_id, dealer_id, dealer_group_id)
       values ($1, $2, $3, $4, (select id from regions where code = $5), (select id from dealers where code = $6),
               (select id from dealer_groups where code = $7))
       on conflict (email) do nothing`,
      [
        u.email,
        u.name,
        hash,
        u.role,
        u.regionCode ?? null,
        u.dealerCode ?? null,
        u.dealerGroupCode ?? null,
      ],
    );
  }
  return users;
}

export type SeedProgress = (info: { rows: number; elapsedMs: number }) => void;

/** Generates and loads a whole demo network. Returns the number of transactions stored. */
export async function seedDemo(
  services: Services,
  options: DemoOptions & {
    batchSize?: number;
    withUsers?: boolean;
    onProgress?: SeedProgress;
    /** one approved agreement per active dealer with up to this many lines (0: none) */
    agreementLines?: number;
    /** publish the demo incentive programs (incentives.seed.ts; default: yes, except under
     * NODE_ENV=test) */
    incentivePrograms?: boolean;
    /** demo forecast cycles (forecasts.seed.ts): `background` (after the server starts listening;
     * the default, except under NODE_ENV=test: `none`), or `wait` for them before returning */
    forecastCycles?: 'background' | 'wait' | 'none';
  },
): Promise<{
  network: DemoNetwork;
  transactions: number;
  agreements: number;
  programs: number;
  consents: number;
}> {
  const { db } = services;
  const network = generateNetwork(options);
  await loadNetwork(db, network);
  if (options.withUsers !== false) await loadDemoUsers(db, network);
  const started = Date.now();
  const today = new Date().toISOString().slice(0, 10);
  let rows = 0;
  for (const batch of generateTransactionBatches(network, options, options.batchSize ?? 100_000)) {
    // History is backfilled as the dealers' systems received it: on the day of the sale (the feed's
    // receivedAt), so past periods count it on time rather than as arriving today.
    async function* records() {
      let row = 0;
      for (const value of batch)
        yield {
          row: ++row,
          value: value.occurredOn <= today ? { ...value, receivedAt: value.occurredOn } : value,
        };
    }
    const result = await services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: records(),
      byteLimit: Infinity,
    });
    rows += result.inserted;
    options.onProgress?.({ rows, elapsedMs: Date.now() - started });
  }
  // batches of 100,000 rows roll up after their commit: agreements and forecasts read the roll-up
  await services.transactions.rollUpsSettled();
  const agreements =
    (options.agreementLines ?? 8) > 0
      ? await seedAgreements(db, {
          today: services.today(),
          maxLines: options.agreementLines ?? 8,
          seed: options.seed,
        })
      : 0;
  await seedAvailability(db, { today: services.today() });
  await seedMarket(db);
  const programs =
    (options.incentivePrograms ?? services.env.NODE_ENV !== 'test')
      ? await seedIncentivePrograms(services)
      : 0;
  const { consents } = await seedSustainability(services);
  const forecastCycles =
    options.forecastCycles ?? (services.env.NODE_ENV === 'test' ? 'none' : 'background');
  if (forecastCycles === 'wait') await seedForecasts(services);
  else if (forecastCycles === 'background') seedForecastsInBackground(services);
  return { network, transactions: rows, agreements, programs, consents };
}

export async function isEmpty(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from dealers');
  return rows[0]!.n === 0;
}
