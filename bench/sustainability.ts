/**
 * Issue 17: the fleet-average projection of a market with N registrations in a year (target: 1M a
 * year < 2 s; read from the feed's monthly roll-up, migration 0031) next to a bare SQL aggregate
 * of the same registrations (the feed rows) and a bare sum of the roll-up; the dealer dashboard's
 * latency next to a bare indexed count; the telematics feed (consent checks included) next to the
 * actuals feed's ingest of as many rows and a bare COPY of the readings, in the same run.
 * `--keep` keeps the database (its URL is printed) for EXPLAIN ANALYZE.
 *
 *   npm run bench -- sustainability --engine postgres --registrations 1000000 --readings 1000000
 *   npm run bench -- sustainability --engine pglite --registrations 20000 --readings 20000  (tiny)
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import { createBenchDatabase, fmt, machine, median, type BenchEngine } from './lib';

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function runSustainabilityBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      registrations: { type: 'string', default: '1000000' },
      readings: { type: 'string', default: '1000000' },
      dealers: { type: 'string', default: '600' },
      runs: { type: 'string', default: '5' },
      /** keep the bench database (its URL is printed) to read plans with EXPLAIN ANALYZE */
      keep: { type: 'boolean', default: false },
    },
  });
  const engine = values.engine as BenchEngine;
  const n = Number(values.registrations);
  const readings = Number(values.readings);
  const dealers = Number(values.dealers);
  const runs = Number(values.runs);
  console.log(
    `sustainability bench: ${engine}, ${fmt(n)} registrations in 2026, ${fmt(dealers)} dealers, ${fmt(readings)} readings — ${machine()}`,
  );
  const bench = await createBenchDatabase(engine);
  const db = bench.db;
  const services = createServices({
    db,
    env: parseEnv({ NODE_ENV: 'test' }),
    today: () => '2026-12-01',
  });

  // a network, a catalog of 40 SKUs over 10 lines, N deliveries in 2026 (written straight to the table)
  await db.exec(`
    insert into regions (code, name, parent_id, path) values ('EU', 'Europe', null, '/EU/');
    insert into regions (code, name, parent_id, path)
      select 'EU-' || g, 'Region ' || g, (select id from regions where code = 'EU'), '/EU/EU-' || g || '/' from generate_series(1, 6) g;
    insert into dealers (code, name, region_id, state_province, country)
      select 'D' || g, 'Dealer ' || g, (select id from regions where code = 'EU-' || (1 + g % 6)), 'X', 'DE'
      from generate_series(1, ${dealers}) g;
    insert into model_lines (code, name, segment) select 'L' || g, 'Line ' || g, 'seg' from generate_series(1, 10) g;
    insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date, mass_kg)
      select 'S' || g, (select id from model_lines where code = 'L' || (1 + g % 10)), 'Sku ' || g, 'T',
             (array['ICE','HEV','PHEV','BEV'])[1 + g % 4], 'seg', 30000,
             case g % 4 when 0 then 150 + g when 1 then 110 + g when 2 then 30 + g % 10 else 0 end, '2024-01-01', 1500 + g * 10
      from generate_series(1, 40) g;
    insert into transactions (kind, dealer_id, sku_id, vin, quantity, amount, currency, occurred_on, source, external_id)
      select 'retail_delivery', 1 + (g::bigint * 7919) % ${dealers}, 1 + abs(hashint4(g)) % 40, null, 1, 30000, 'EUR',
             date '2026-01-01' + (g % 334), 'bench', 'R' || g
      from generate_series(1, ${n}) g;
  `);
  // the feed's monthly roll-up, as the ingest maintains it (the rows above skip the ingest)
  const rollUpStart = performance.now();
  await db.exec(`
    insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
      select dealer_id, sku_id, date_trunc('month', occurred_on)::date, kind, sum(quantity), sum(amount), count(*)
      from transactions group by 1, 2, 3, 4;
  `);
  const rollUpMs = performance.now() - rollUpStart;
  if (engine === 'postgres') await db.query('vacuum analyze');
  const rollUpRows = (
    await db.query<{ n: number }>('select count(*)::int as n from monthly_actuals')
  ).rows[0]!.n;
  console.log(
    `  the feed's monthly roll-up: ${fmt(rollUpRows)} rows from ${fmt(n)} registrations (${fmt(rollUpMs, 0)} ms, done by the ingest)`,
  );
  await services.sustainability.createRegulation({
    actor: SYSTEM_ACTOR,
    data: {
      market: 'BENCH',
      effectiveFrom: '2025-01-01',
      document: {
        kind: 'eu_fleet_co2',
        name: 'bench',
        legalBasis: '',
        currency: 'EUR',
        countries: ['DE'],
        targets: [{ fromYear: 2025, toYear: 2029, gPerKm: '93.6' }],
        averagingWindows: [{ fromYear: 2025, toYear: 2027 }],
        premiumPerGPerKm: '95',
        massAdjustment: null,
        evShareAskPercent: '25',
        pools: [],
        note: '',
      },
    },
  });

  // 1. the fleet projection vs the bare aggregate
  const fleet: number[] = [];
  const bare: number[] = [];
  const bareRollUp: number[] = [];
  for (let i = 0; i < runs; i++) {
    fleet.push(
      await time(() =>
        services.sustainability.getFleet({ actor: SYSTEM_ACTOR, market: 'BENCH', year: 2026 }),
      ),
    );
    bare.push(
      await time(() =>
        db.query(
          `select sum(t.quantity), sum(t.quantity * s.co2_g_per_km) from transactions t join skus s on s.id = t.sku_id
           where t.kind in ('retail_delivery', 'unwind') and t.occurred_on >= '2025-01-01' and t.occurred_on < '2028-01-01'`,
        ),
      ),
    );
    // the floor of reading the monthly roll-up: one sum over the window's rows, no place, no lines
    bareRollUp.push(
      await time(() =>
        db.query(
          `select sum(a.quantity), sum(a.quantity * s.co2_g_per_km) from monthly_actuals a join skus s on s.id = a.sku_id
           where a.kind in ('retail_delivery', 'unwind') and a.month >= '2025-01-01' and a.month < '2028-01-01'`,
        ),
      ),
    );
  }
  console.log(
    `  fleet projection: median ${fmt(median(fleet), 1)} ms; bare aggregate of the rows ${fmt(median(bare), 1)} ms (ratio ${fmt(median(fleet) / median(bare), 2)}); bare sum of the monthly roll-up ${fmt(median(bareRollUp), 1)} ms (ratio ${fmt(median(fleet) / median(bareRollUp), 2)})`,
  );

  // 2. the dealer dashboard vs a bare indexed count of the dealer's rows
  const dash: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < runs * 4; i++) {
    const code = `D${1 + i}`;
    dash.push(
      await time(() =>
        services.sustainability.getDealer({
          actor: SYSTEM_ACTOR,
          dealerCode: code,
          market: 'BENCH',
          year: 2026,
        }),
      ),
    );
    count.push(
      await time(() =>
        db.query(
          `select count(*) from transactions where dealer_id = (select id from dealers where code = $1) and occurred_on >= '2026-01-01'`,
          [code],
        ),
      ),
    );
  }
  console.log(
    `  dealer dashboard: median ${fmt(median(dash), 1)} ms; bare count ${fmt(median(count), 1)} ms; ratio ${fmt(median(dash) / median(count), 2)}`,
  );

  // 3. telematics: consented vehicles, then the feed in batches of 10,000 vs a bare COPY
  const vehicles = Math.max(1, Math.ceil(readings / 20));
  await db.exec(`
    insert into connected_consents (vin, owner_ref, dealer_id, purpose, action, granted_on, expires_on, source, recorded_by)
      select 'VBENCH' || lpad(g::text, 11, '0'), 'O' || g, 1 + g % ${dealers}, p, 'grant', '2026-01-01', '2027-12-31', 'bench', 'bench'
      from generate_series(1, ${vehicles}) g, unnest(array['service_reminders', 'battery_health']) p;
    create table telematics_bare (like telematics_signals including defaults);
  `);
  const signals = ['Vehicle.TraveledDistance', 'Vehicle.Powertrain.TractionBattery.StateOfHealth'];
  const rows = Array.from({ length: readings }, (_, i) => ({
    vin: `VBENCH${String(1 + (i % vehicles)).padStart(11, '0')}`,
    signal: signals[i % 2]!,
    value: 1000 + i,
    observedAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`,
  }));
  // the actuals feed's rate in this run: as many rows through the feed's ingest (in process,
  // batches of 10,000, as the readings below), each a retail delivery of the catalog above
  const actualsStart = performance.now();
  for (let i = 0; i < readings; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, readings - i) }, (_, j) => ({
      kind: 'retail_delivery',
      dealerCode: `D${1 + ((i + j) % dealers)}`,
      sku: `S${1 + ((i + j) % 40)}`,
      vin: null,
      quantity: 1,
      amount: '30000.00',
      currency: 'EUR',
      occurredOn: '2026-11-20',
      source: 'bench-feed',
      externalId: `F${i + j}`,
    }));
    await services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        let row = 0;
        for (const value of batch) yield { row: ++row, value };
      })(),
      byteLimit: Infinity,
    });
  }
  const actualsMs = performance.now() - actualsStart;

  const feedStart = performance.now();
  for (let i = 0; i < rows.length; i += 10_000)
    await services.connected.ingestTelematics({
      actor: SYSTEM_ACTOR,
      readings: rows.slice(i, i + 10_000),
    });
  const feedMs = performance.now() - feedStart;
  const copyStart = performance.now();
  await db.copyFrom(
    'copy telematics_bare (vin, dealer_id, purpose, signal, value, observed_at, consent_id) from stdin with (format csv)',
    (function* () {
      for (let i = 0; i < rows.length; i += 10_000)
        yield rows
          .slice(i, i + 10_000)
          .map(
            (r) =>
              `${r.vin},1,${r.signal.includes('Battery') ? 'battery_health' : 'service_reminders'},${r.signal},${r.value},${r.observedAt},1\n`,
          )
          .join('');
    })(),
  );
  const copyMs = performance.now() - copyStart;
  console.log(
    `  telematics: ${fmt(readings / (feedMs / 1000))} readings/s with consent checks; the actuals feed ${fmt(readings / (actualsMs / 1000))} rows/s (telematics ÷ feed ${fmt(actualsMs / feedMs, 2)}); bare COPY ${fmt(readings / (copyMs / 1000))} rows/s (ratio ${fmt(feedMs / copyMs, 2)})`,
  );
  await db.close();
  if (values.keep && bench.url) console.log(`  kept: ${bench.url}`);
  else await bench.drop();
  return {
    engine,
    registrations: n,
    readings,
    monthlyRollUpRows: rollUpRows,
    fleetMs: median(fleet),
    bareAggregateMs: median(bare),
    bareRollUpSumMs: median(bareRollUp),
    dealerDashboardMs: median(dash),
    bareCountMs: median(count),
    telematicsPerSecond: readings / (feedMs / 1000),
    actualsFeedPerSecond: readings / (actualsMs / 1000),
    bareCopyPerSecond: readings / (copyMs / 1000),
  };
}
