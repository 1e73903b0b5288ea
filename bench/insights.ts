/**
 * Insights on the reference network: the nightly risk run (every approved and active agreement,
 * totals and lines), the refresh of the dealers of a 1,000-row batch, the risk board and one
 * dealer's outlook — each next to a bare SQL floor measured in the same run.
 *
 *   npm run bench -- insights --engine postgres --dealers 4000 --lines 30 --programs 20
 *   npm run bench -- insights --engine postgres --dealers 20 --lines 4 --months 24   (tiny)
 *   npm run bench -- insights --dealers 500 --keep          (keeps the seeded database, prints its URL)
 *   npm run bench -- insights --database <url>               (measures a kept database again)
 *   npm run bench -- insights --overlap both                 (nightly and batch, tiers beside and after)
 *
 * The floor of the nightly run is the bare SQL of its inputs (the same roll-up read the run
 * makes, all agreements at once, rows discarded) plus a bare server-side copy of the rows it
 * writes; the bench prints the run, the floor and their ratio.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { buildApp } from '../src/server/app';
import { seedDemo } from '../src/server/modules/demo/seed';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import {
  createBenchDatabase,
  fmt,
  machine,
  median,
  reuseBenchDatabase,
  rssOf,
  sampleRss,
  type BenchEngine,
  cpuSecondsOf,
} from './lib';
import { createInsightsRepository } from '../src/server/modules/insights/insights.repository';
import { historyFrom } from '../src/server/modules/insights/risk-refresh-paths';
import { addMonths } from '../src/shared/months';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import type { Services } from '../src/server/services';

/**
 * The demo's incentive programs of the running fiscal year, then copies of them (codes -R2, -R3,
 * …) up to `count` running programs: each eligible network-wide, as the reference's 20 programs.
 */
async function seedPrograms(services: Services, count: number): Promise<number> {
  if (count <= 0) return 0;
  const seeded = await seedIncentivePrograms(services);
  const { rows } = await services.db.query<{ definition: Record<string, unknown> }>(
    `select v.definition from program_versions v join programs p on p.id = v.program_id
     where p.status = 'published' and v.status = 'published' order by p.id`,
  );
  let made = seeded;
  for (let copy = 2; made < count && rows.length > 0; copy += 1) {
    for (const { definition } of rows) {
      if (made >= count) break;
      const data = {
        ...definition,
        code: `${String(definition.code).slice(0, 34)}-R${copy}`,
        name: `${String(definition.name)} (${copy})`,
      };
      await services.incentives.createProgram({ actor: SYSTEM_ACTOR, data });
      await services.incentives.publishProgram({ actor: SYSTEM_ACTOR, code: data.code });
      made += 1;
    }
  }
  return made;
}

const HELP = `npm run bench -- insights [options]
  --engine postgres|pglite   database engine (default postgres)
  --dealers N                dealers of the generated network (default 4000, the reference)
  --lines N                  agreement lines per dealer (default 30)
  --months N                 months of generated history (default 36)
  --runs N                   repetitions of the reads (default 15)
  --programs N               running incentive programs (default 20: the demo's, then copies)
  --keep                     keep the seeded database (its URL is printed)
  --seed-only                seed (with --keep) and stop: measure it later with --database
  --database URL             measure an already seeded (kept) database, without seeding
  --overlap on|off|both      program tiers beside the agreements' risks (on) or after them (off,
                             the default, as the app's INSIGHTS_OVERLAP); both: the nightly run
                             and the batch refresh timed each way in this run, on first
  --today YYYY-MM-DD         the day the runs are on (default 2026-11-15). On a kept copy, a day
                             after its last nightly measures a new night (every risk gets that
                             day's history point); the same day again re-runs it (points kept)
  --help                     this text`;

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function runInsightsBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      lines: { type: 'string', default: '30' },
      months: { type: 'string', default: '36' },
      runs: { type: 'string', default: '15' },
      programs: { type: 'string', default: '20' },
      keep: { type: 'boolean', default: false },
      'seed-only': { type: 'boolean', default: false },
      database: { type: 'string' },
      overlap: { type: 'string', default: 'off' },
      today: { type: 'string', default: '2026-11-15' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const engine = values.engine as BenchEngine;
  if (!['on', 'off', 'both'].includes(values.overlap)) {
    console.error(`--overlap: on, off or both (not ${values.overlap})`);
    process.exit(2);
  }
  /** the program tiers beside the agreements' risks, each way measured (in this order) */
  const modes = values.overlap === 'both' ? [true, false] : [values.overlap === 'on'];
  const modeName = (on: boolean) => (on ? 'overlap on' : 'overlap off');
  const runs = Number(values.runs);
  const options = {
    seed: 31,
    dealers: Number(values.dealers),
    months: Number(values.months),
    endMonth: '2026-10',
    agreementLines: Number(values.lines),
    batchSize: 250_000,
  };
  console.log(
    `insights bench: ${engine}, ${options.dealers} dealers, ${options.agreementLines} lines — ${machine()}`,
  );
  const bench = values.database
    ? await reuseBenchDatabase(values.database)
    : await createBenchDatabase(engine);
  try {
    const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
    const today = values.today;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`--today: YYYY-MM-DD (not ${today})`);
    const services = createServices({ db: bench.db, env, today: () => today });
    const seeded = values.database
      ? (
          await bench.db.query<{ transactions: number }>(
            'select count(*)::int as transactions from transactions',
          )
        ).rows[0]!
      : await seedDemo(services, { ...options, withUsers: true });
    if (values.keep) console.log(`  kept: ${bench.url}`);
    const programs = values.database ? 0 : await seedPrograms(services, Number(values.programs));
    if (programs > 0) console.log(`  ${programs} running incentive programs`);
    await bench.db.query('analyze');
    if (values['seed-only']) return; // with --keep: measure later with --database
    const counts = (
      await bench.db.query<{ agreements: number; lines: number }>(
        `select (select count(*)::int from agreements where status in ('approved', 'active')) as agreements,
                (select count(*)::int from agreement_lines l join agreements a on a.id = l.agreement_id where a.status in ('approved', 'active')) as lines`,
      )
    ).rows[0]!;
    console.log(
      `  seeded ${fmt(seeded.transactions)} transactions; ${fmt(counts.agreements)} agreements, ${fmt(counts.lines)} lines in force`,
    );

    // Nightly: the full refresh vs reading its inputs (the monthly units of every line).
    const rssBefore = rssOf(process.pid);
    const peak = sampleRss(process.pid);
    const nightlyRuns: {
      overlap: boolean;
      ms: number;
      /** CPU seconds of this process and of the database server's processes during the run */
      cpu: { node: number; database: number };
      run: Awaited<ReturnType<typeof services.insights.refresh>>;
    }[] = [];
    for (const overlap of modes) {
      const cpu0 = process.cpuUsage();
      const db0 = cpuSecondsOf('postgres');
      const n0 = performance.now();
      const run = await services.insights.refresh(null, undefined, { overlapPrograms: overlap });
      const ms = performance.now() - n0;
      const used = process.cpuUsage(cpu0);
      const cpu = {
        node: (used.user + used.system) / 1e6,
        database: engine === 'postgres' ? cpuSecondsOf('postgres') - db0 : 0,
      };
      nightlyRuns.push({ overlap, ms, cpu, run });
    }
    const { run: nightly, ms: nightlyMs, cpu: nightlyCpu } = nightlyRuns[0]!;
    const peakRss = peak.stop();
    const rssAfter = rssOf(process.pid);
    // The run's basis month: the month after its as-of day (agreement-risk.ts `riskBasis`).
    const basisMonth = addMonths(nightly.asOf.slice(0, 7), 1);
    // The floor: the bare SQL of the run's inputs (the same read over the run's months, every
    // agreement at once, rows discarded) plus a bare server-side copy of the rows the run writes.
    const inForce = (
      await bench.db.query<{ id: number; dealerId: number; startMonth: string }>(
        `select id, dealer_id as "dealerId", to_char(start_month, 'YYYY-MM') as "startMonth"
         from agreements where status in ('approved', 'active') order by id`,
      )
    ).rows;
    const bareInputs = await timeIt(3, () =>
      bench.db.transaction(async (tx) => {
        await tx.query(`set local work_mem = '64MB'`);
        return createInsightsRepository(tx).lineHistories(
          inForce,
          historyFrom(basisMonth),
          basisMonth,
        );
      }),
    );
    const bareWrites = await timeIt(3, () =>
      bench.db.transaction(async (tx) => {
        await tx.query(
          `create temp table bench_risks (like commitment_risks including defaults) on commit drop`,
        );
        await tx.query(`insert into bench_risks select * from commitment_risks`);
        await tx.query(
          `create temp table bench_history (like commitment_risk_history) on commit drop`,
        );
        await tx.query(
          `insert into bench_history select * from commitment_risk_history where day = $1::date`,
          [today],
        );
      }),
    );
    // The program tier risks' floor: the bare SQL of their two large reads, once for the network
    // (each program's window rows as the run reads them — grouped when it can — and each distinct
    // axis history; program-risk.service.ts `bareInputs`).
    const bareProgramInputs = await timeIt(1, () =>
      services.programRisk.bareInputs({ month: basisMonth, asOf: nightly.asOf }),
    );
    const bareProgramWrites = await timeIt(3, () =>
      bench.db.transaction(async (tx) => {
        await tx.query(
          `create temp table bench_program_risks (like program_tier_risks including defaults) on commit drop`,
        );
        await tx.query(`insert into bench_program_risks select * from program_tier_risks`);
      }),
    );
    const floor = bareInputs + bareWrites + bareProgramInputs + bareProgramWrites;

    // A 1,000-row batch for ten dealers with agreements: their risks, refreshed.
    const sample = (
      await bench.db.query<{ dealerId: number; dealer: string; sku: string }>(
        `select distinct on (a.dealer_id) a.dealer_id as "dealerId", d.code as dealer, s.code as sku
         from agreements a join dealers d on d.id = a.dealer_id join agreement_line_skus ls on ls.agreement_id = a.id
         join skus s on s.id = ls.sku_id where a.status in ('approved', 'active') order by a.dealer_id limit 10`,
      )
    ).rows;
    const stamp = Date.now().toString(36);
    await services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        for (let k = 0; k < 1000; k++) {
          const s = sample[k % sample.length]!;
          yield {
            row: k + 1,
            value: {
              kind: 'retail_delivery',
              dealerCode: s.dealer,
              sku: s.sku,
              quantity: 1,
              amount: '40000.00',
              currency: 'USD',
              occurredOn: '2026-11-10',
              source: 'bench',
              externalId: `INS-${stamp}-${k}`,
            },
          };
        }
      })(),
      byteLimit: Infinity,
    });
    const batchRuns: {
      overlap: boolean;
      ms: number;
      run: Awaited<ReturnType<typeof services.insights.refresh>>;
    }[] = [];
    for (const overlap of modes) {
      const b0 = performance.now();
      const run = await services.insights.refresh(
        sample.map((s) => s.dealerId),
        undefined,
        { overlapPrograms: overlap },
      );
      batchRuns.push({ overlap, ms: performance.now() - b0, run });
    }
    const { run: batch, ms: batchMs } = batchRuns[0]!;

    // Reads over HTTP (in process) vs the bare SQL of the same rows.
    const app = await buildApp({ env, services, logger: false, serveWeb: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const key = await services.accounts.createApiKey({
      actor: SYSTEM_ACTOR,
      data: {
        name: 'bench',
        role: 'oem_admin',
        regionCode: null,
        dealerCode: null,
        dealerGroupCode: null,
      },
    });
    const headers = { authorization: `Bearer ${key.key}` };
    const get = async (path: string) => {
      const res = await fetch(url + path, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await get('/api/v1/insights/risks?limit=100');
    const board = await timeIt(runs, () => get('/api/v1/insights/risks?limit=100'));
    const bareBoard = await timeIt(runs, () =>
      bench.db.query(
        `select r.*, a.code, d.code, d.name from commitment_risks r join agreements a on a.id = r.agreement_id join dealers d on d.id = r.dealer_id
         where r.line_no = 0 order by r.shortfall_money desc limit 100`,
      ),
    );
    let i = 0;
    const outlook = await timeIt(runs * 2, () =>
      get(`/api/v1/insights/dealers/${sample[i++ % sample.length]!.dealer}/outlook`),
    );
    let j = 0;
    const bareOutlook = await timeIt(runs * 2, () =>
      bench.db.query(`select * from commitment_risks where dealer_id = $1 and line_no = 0`, [
        sample[j++ % sample.length]!.dealerId,
      ]),
    );
    // The program tier risks: the board's list and one dealer's programs.
    await get('/api/v1/insights/program-risks?limit=100');
    const programBoard = await timeIt(runs, () => get('/api/v1/insights/program-risks?limit=100'));
    const bareProgramBoard = await timeIt(runs, () =>
      bench.db.query(
        `select r.*, p.code, d.code, d.name from program_tier_risks r join programs p on p.id = r.program_id
         join dealers d on d.id = r.dealer_id order by r.shortfall_money desc limit 100`,
      ),
    );
    let k = 0;
    const programOutlook = await timeIt(runs * 2, () =>
      get(`/api/v1/insights/dealers/${sample[k++ % sample.length]!.dealer}/program-risks`),
    );
    let l = 0;
    const bareProgramOutlook = await timeIt(runs * 2, () =>
      bench.db.query(`select * from program_tier_risks where dealer_id = $1`, [
        sample[l++ % sample.length]!.dealerId,
      ]),
    );
    await app.close();

    const result = {
      engine,
      today,
      dealers: options.dealers,
      agreements: nightly.agreements,
      risks: nightly.risks,
      programs,
      programRisks: nightly.programRisks,
      nightlyMs,
      nightlyRssDeltaMb: (rssAfter - rssBefore) / 1024 / 1024,
      nightlyPeakRssMb: peakRss / 1024 / 1024,
      bareProgramInputsMs: bareProgramInputs,
      bareProgramWritesMs: bareProgramWrites,
      batchProgramRisks: batch.programRisks,
      programBoardMs: programBoard,
      bareProgramBoardMs: bareProgramBoard,
      programOutlookMs: programOutlook,
      bareProgramOutlookMs: bareProgramOutlook,
      bareInputsMs: bareInputs,
      bareWritesMs: bareWrites,
      floorMs: floor,
      nightlyToFloor: nightlyMs / floor,
      nightlyCpuSeconds: nightlyCpu,
      phases: nightly.timings,
      batchRefreshMs: batchMs,
      boardMs: board,
      bareBoardMs: bareBoard,
      outlookMs: outlook,
      bareOutlookMs: bareOutlook,
      /** each way of the program tiers (--overlap; the figures above are the first) */
      overlap: modes.map((on, m) => ({
        programsBeside: on,
        nightlyMs: nightlyRuns[m]!.ms,
        phases: nightlyRuns[m]!.run.timings,
        batchRefreshMs: batchRuns[m]!.ms,
        batchPhases: batchRuns[m]!.run.timings,
      })),
    };
    console.log(
      `  nightly risk run: ${fmt(nightly.agreements)} agreements, ${fmt(nightly.risks)} risks, ${fmt(nightly.programRisks)} dealer × program tier risks in ${fmt(nightlyMs / 1000, 2)} s; peak RSS ${fmt(result.nightlyPeakRssMb)} MB (+${fmt(result.nightlyRssDeltaMb)} MB after)`,
    );
    console.log(
      `    CPU: this process ${fmt(nightlyCpu.node, 1)} s, the database server ${fmt(nightlyCpu.database, 1)} s (of ${fmt(nightlyMs / 1000, 1)} s × ${cpus().length} cores)`,
    );
    console.log(
      `    phases: read ${fmt(nightly.timings.readMs)} ms, compute ${fmt(nightly.timings.computeMs)} ms, write ${fmt(nightly.timings.writeMs)} ms, program tiers ${fmt(nightly.timings.programMs)} ms${nightly.timings.program ? ` (read ${fmt(nightly.timings.program.readMs)} ms, compute ${fmt(nightly.timings.program.computeMs)} ms, write ${fmt(nightly.timings.program.writeMs)} ms)` : ''}`,
    );
    console.log(
      `    floor ${fmt(floor, 1)} ms (bare read of its inputs ${fmt(bareInputs, 1)} ms + bare copy of its rows ${fmt(bareWrites, 1)} ms + program tiers' bare reads ${fmt(bareProgramInputs, 1)} ms and copy ${fmt(bareProgramWrites, 1)} ms); run ÷ floor ×${fmt(nightlyMs / floor, 1)}`,
    );
    console.log(
      `  refresh after a 1,000-row batch (${sample.length} dealers): ${fmt(batchMs, 1)} ms`,
    );
    if (modes.length > 1)
      for (const [m, on] of modes.entries()) {
        const n = nightlyRuns[m]!;
        const b = batchRuns[m]!;
        const p = n.run.timings;
        console.log(
          `  ${modeName(on)}: nightly ${fmt(n.ms / 1000, 2)} s (agreements read ${fmt(p.readMs)} ms, compute ${fmt(p.computeMs)} ms, write ${fmt(p.writeMs)} ms; program tiers ${fmt(p.programMs)} ms); batch refresh ${fmt(b.ms, 1)} ms (program tiers ${fmt(b.run.timings.programMs, 1)} ms)`,
        );
      }
    else console.log(`  (${modeName(modes[0]!)})`);
    console.log(
      `  risk board (100): median ${fmt(board, 1)} ms vs bare SQL ${fmt(bareBoard, 1)} ms (×${fmt(board / bareBoard, 1)})`,
    );
    console.log(
      `  dealer outlook: median ${fmt(outlook, 1)} ms vs bare SQL ${fmt(bareOutlook, 1)} ms (×${fmt(outlook / bareOutlook, 1)})`,
    );
    console.log(
      `  program tier risks (100): median ${fmt(programBoard, 1)} ms vs bare SQL ${fmt(bareProgramBoard, 1)} ms; one dealer's programs ${fmt(programOutlook, 1)} ms vs ${fmt(bareProgramOutlook, 1)} ms`,
    );
    return result;
  } finally {
    await bench.db.close().catch(() => undefined);
    if (!values.keep && !values.database) await bench.drop();
  }
}
