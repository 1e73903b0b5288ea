/**
 * Scoped reports on the reference network: what a regional manager's or a dealer's request costs
 * against the network's, through the services, with a bare floor in the same run (one plain
 * aggregate of the report's main input for the same dealers). Reads only: run it on a kept copy
 * of the insights bench's network (`npm run bench -- insights --keep --seed-only`).
 *
 *   npm run bench -- scoped-reads --database <url> [--runs 5] [--region /US/US-SE/] [--today D]
 *
 * Reports: supply vs demand (availability), sales effectiveness (market), the high performers
 * (insights). The floors: the open units of the scope's active agreement lines, and the scope's
 * net sales by dealer over the reports' 12 months.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { SYSTEM_ACTOR, type Actor } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { fmt, machine, median, reuseBenchDatabase } from './lib';

type Timing = { medianMs: number; floorMs: number; ratio: number };

export async function runScopedReadsBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string' },
      runs: { type: 'string', default: '5' },
      region: { type: 'string', default: '/US/US-SE/' },
      today: { type: 'string', default: '2026-11-15' },
    },
  });
  if (!values.database) throw new Error('--database <url>: a kept copy of the insights network');
  const runs = Number(values.runs);
  const today = values.today!;
  console.log(`scoped-reads bench: ${machine()}, load ${loadavg()[0]!.toFixed(2)}`);
  const bench = await reuseBenchDatabase(values.database);
  try {
    const db = bench.db;
    const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
    const services = createServices({ db, env, today: () => today });
    const { rows: regions } = await db.query<{ id: number; code: string; path: string }>(
      'select id, code, path from regions where path = $1',
      [values.region],
    );
    if (!regions[0]) throw new Error(`no region at ${values.region}`);
    const { rows: dealers } = await db.query<{ id: number; code: string }>(
      `select d.id, d.code from dealers d join regions r on r.id = d.region_id
        where starts_with(r.path, $1) and d.status = 'active' order by d.code`,
      [values.region],
    );
    const one = dealers[0]!;
    const scopes: { name: string; actor: Actor; dealerIds: number[] | null }[] = [
      { name: 'network', actor: SYSTEM_ACTOR, dealerIds: null },
      {
        name: `region ${regions[0].code} (${dealers.length} dealers)`,
        actor: {
          ...SYSTEM_ACTOR,
          role: 'regional_manager',
          scope: {
            kind: 'region',
            regionId: regions[0].id,
            regionCode: regions[0].code,
            path: regions[0].path,
          },
        },
        dealerIds: dealers.map((d) => d.id),
      },
      {
        name: `one dealer (${one.code})`,
        actor: {
          ...SYSTEM_ACTOR,
          role: 'dealer_principal',
          scope: { kind: 'dealers', dealerIds: [one.id], dealerCodes: [one.code], label: one.code },
        },
        dealerIds: [one.id],
      },
    ];
    const month = `${today.slice(0, 7)}-01`;
    const floors = {
      openUnits: (ids: number[] | null) =>
        db.query(
          `select a.dealer_id, sum((select coalesce(sum(x), 0) from unnest(l.planned_quantities) x)) as units
           from agreements a join agreement_lines l on l.agreement_id = a.id
           where a.status in ('approved', 'active') and ($1::int[] is null or a.dealer_id = any($1::int[]))
           group by 1`,
          [ids],
        ),
      sales: (ids: number[] | null) =>
        db.query(
          `select dealer_id, sum(quantity) from monthly_actuals
           where kind in ('retail_delivery', 'unwind') and month >= ($1::date - interval '12 months') and month < $1::date
             and ($2::int[] is null or dealer_id = any($2::int[]))
           group by 1`,
          [month, ids],
        ),
    };
    const reports = [
      {
        name: 'supply vs demand',
        run: (actor: Actor) => services.availability.getSupplyDemand({ actor }),
        floor: floors.openUnits,
        dealer: true,
      },
      {
        name: 'sales effectiveness',
        run: (actor: Actor) => services.market.getEffectiveness({ actor }),
        floor: floors.sales,
        dealer: true,
      },
      {
        name: 'high performers',
        run: (actor: Actor) => services.performance.getHighPerformers({ actor }),
        floor: floors.sales,
        dealer: false, // OEM roles only
      },
    ];
    const results: Record<string, Record<string, Timing>> = {};
    for (const report of reports) {
      results[report.name] = {};
      for (const scope of scopes) {
        if (!report.dealer && scope.actor.scope.kind === 'dealers') continue;
        const times: number[] = [];
        const floorTimes: number[] = [];
        await report.run(scope.actor); // warm-up
        for (let i = 0; i < runs; i += 1) {
          let started = performance.now();
          await report.floor(scope.dealerIds);
          floorTimes.push(performance.now() - started);
          started = performance.now();
          await report.run(scope.actor);
          times.push(performance.now() - started);
        }
        const timing = {
          medianMs: median(times),
          floorMs: median(floorTimes),
          ratio: median(times) / median(floorTimes),
        };
        results[report.name]![scope.name] = timing;
        console.log(
          `  ${report.name}, ${scope.name}: median ${fmt(timing.medianMs, 1)} ms vs floor ${fmt(timing.floorMs, 1)} ms (×${fmt(timing.ratio, 1)})`,
        );
      }
    }
    return { machine: machine(), runs, today, region: values.region, results };
  } finally {
    await bench.db.close();
  }
}
