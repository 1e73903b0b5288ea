/**
 * Availability and allocation (issue 16), in process, with the bare floors in the same run:
 *  - the allocation formula over N dealers × M SKUs (pure), and a whole run through the service
 *    (inputs read by SQL, formula, N × M result rows written) next to a bare insert of N × M rows;
 *  - a dealer's availability page (service call) next to a bare `select 1`;
 *  - publishing the last run (its ledger document);
 *  - the pipeline feed's ingest rate next to the actuals feed's rate on as many rows and a bare
 *    COPY of the same rows, in the same run (both feeds through their services, rows in memory).
 *
 *   npm run bench -- availability --engine postgres --dealers 4000 --skus 160 --events 1000000
 *   npm run bench -- availability --engine pglite --dealers 20 --skus 8 --events 2000   (tiny)
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import {
  allocateSku,
  prepareDealers,
  type DealerAllocationInput,
} from '../src/server/modules/availability/allocation';
import { createServices } from '../src/server/services';
import { createBenchDatabase, fmt, machine, median, type BenchEngine } from './lib';

const TODAY = '2026-11-20';

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export async function runAvailabilityBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      skus: { type: 'string', default: '160' },
      events: { type: 'string', default: '100000' },
      repeat: { type: 'string', default: '3' },
    },
  });
  const engine = values.engine as BenchEngine;
  const dealers = Number(values.dealers);
  const skus = Number(values.skus);
  const events = Number(values.events);
  const repeat = Number(values.repeat);
  console.log(
    `availability bench: ${engine}, ${dealers} dealers × ${skus} SKUs, ${events} pipeline events — ${machine()}`,
  );
  const bench = await createBenchDatabase(engine);
  const services = createServices({
    db: bench.db,
    env: parseEnv({ NODE_ENV: 'test' }),
    today: () => TODAY,
  });
  const { db } = services;

  // A network: dealers, one model line with M SKUs (every fourth a BEV), sales in the window.
  await db.exec(`
    insert into regions (code, name, parent_id, path) values ('BR', 'Bench', null, '/BR/');
    insert into dealers (code, name, region_id, state_province, country)
      select 'B' || lpad(g::text, 5, '0'), 'Bench dealer ' || g, (select id from regions where code = 'BR'), 'TX', 'US'
      from generate_series(1, ${dealers}) g;
    insert into dealer_allocation_profiles (dealer_id, is_ev_certified, tier)
      select id, id % 3 <> 0, (array['standard', 'plus', 'premier'])[1 + id % 3] from dealers;
    insert into model_lines (code, name, segment) values ('BML', 'Bench line', 'suv');
    insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date)
      select 'BSKU-' || g, (select id from model_lines where code = 'BML'), 'Bench ' || g, 'T' || g,
        case when g % 4 = 0 then 'BEV' else 'ICE' end, 'suv', 40000, 120, '2024-01-01'
      from generate_series(1, ${skus}) g;
    insert into transactions (kind, dealer_id, sku_id, quantity, amount, currency, occurred_on, source, external_id)
      select 'retail_delivery', d.id, (select min(id) from skus) + (d.id * 7 + g) % ${skus}, 1, 40000, 'USD',
        date '${TODAY}' - ((d.id * 13 + g * 5) % 85), 'bench', 'S-' || d.id || '-' || g
      from dealers d cross join generate_series(1, 1 + (abs(hashtext(d.code)) % 12)) g;
  `);
  if (engine === 'postgres') await db.query('vacuum analyze');
  const supply = Array.from({ length: skus }, (_, i) => ({
    sku: `BSKU-${i + 1}`,
    units: 50 + ((i * 37) % 400),
  }));

  // 1. the pure formula over N × M
  const inputs: DealerAllocationInput[] = Array.from({ length: dealers }, (_, i) => ({
    dealerCode: `B${String(i + 1).padStart(5, '0')}`,
    isActive: true,
    isEvCertified: i % 3 !== 0,
    tier: (['standard', 'plus', 'premier'] as const)[i % 3]!,
    recentSales: (i * 7) % 40,
    expectedDailySales: ((i * 11) % 30) / 30,
    onHand: (i * 5) % 25,
    openCommitment: (i * 3) % 50,
  }));
  const formula = {
    weights: { turnAndEarn: 0.5, daysSupply: 0.3, commitment: 0.2 },
    turnAndEarnDays: 90,
    targetDaysSupply: 60,
    caps: { standard: 40, plus: null, premier: null },
    bevRequiresEvCertification: true,
  };
  // as a run does: the dealers prepared once, every SKU, every dealer's sentence
  const pureMs: number[] = [];
  for (let r = 0; r < repeat; r++)
    pureMs.push(
      (
        await timed(() => {
          const prepared = prepareDealers(inputs, formula);
          let chars = 0;
          supply.forEach((s, i) => {
            const out = allocateSku(prepared, s.units, i % 4 === 3);
            for (let d = 0; d < inputs.length; d++) chars += out.explanation(d).length;
          });
          return chars;
        })
      ).ms,
    );

  // 2. a run through the service (what-if: read + formula; create: + N × M rows), and the floor
  const whatIfMs: number[] = [];
  const createMs: number[] = [];
  const bareInsertMs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    whatIfMs.push(
      (
        await timed(() =>
          services.allocation.whatIf({
            actor: SYSTEM_ACTOR,
            data: { month: '2026-11', modelLine: 'BML', supply },
          }),
        )
      ).ms,
    );
    createMs.push(
      (
        await timed(() =>
          services.allocation.createRun({
            actor: SYSTEM_ACTOR,
            data: { month: '2026-11', modelLine: 'BML', supply },
          }),
        )
      ).ms,
    );
    bareInsertMs.push(
      (
        await timed(() =>
          db.transaction(async (tx) => {
            await tx.query(
              `create temp table bare_results on commit drop as select * from allocation_results limit 0`,
            );
            await tx.query(
              `insert into bare_results (run_id, round, dealer_id, sku_id, formula_units, units, share, quota, basis, rounding)
               select 1, 0, d.id, s.id, 1, 1, 0.000123456789, 1.23456789, 0, 'w'
               from dealers d cross join skus s`,
            );
          }),
        )
      ).ms,
    );
  }

  // publishing the last draft (the ledger document of N × M results); the dealer page then shows it
  const { rows: drafts } = await db.query<{ code: string }>(
    `select code from allocation_runs where status = 'draft' order by id desc limit 1`,
  );
  const publish = await timed(() =>
    services.allocation.publishRun({ actor: SYSTEM_ACTOR, code: drafts[0]!.code }),
  );

  // 3. the dealer availability page vs a bare query
  const dealerCode = 'B00001';
  const pageMs: number[] = [];
  const bareQueryMs: number[] = [];
  for (let r = 0; r < 20; r++) {
    pageMs.push(
      (
        await timed(() =>
          services.availability.getDealerAvailability({ actor: SYSTEM_ACTOR, dealerCode }),
        )
      ).ms,
    );
    bareQueryMs.push((await timed(() => db.query('select 1'))).ms);
  }

  // 4. pipeline ingest vs bare COPY of the same rows
  const stages = ['ordered', 'planned', 'in_build', 'built', 'in_transit', 'at_dealer'] as const;
  const rows = Array.from({ length: events }, (_, i) => {
    const vehicle = Math.floor(i / stages.length);
    const stage = stages[i % stages.length]!;
    return {
      event: stage,
      dealerCode: `B${String(1 + (vehicle % dealers)).padStart(5, '0')}`,
      vin: `V${String(vehicle).padStart(16, '0')}`,
      occurredOn: `2026-${String(1 + (i % stages.length)).padStart(2, '0')}-10`,
      ...(stage === 'ordered' ? { sku: `BSKU-${1 + (vehicle % skus)}`, orderType: 'stock' } : {}),
      ...(stage === 'planned' ? { planWeek: '2026-W10', plant: 'Bench' } : {}),
      ...(stage === 'in_transit' ? { eta: '2026-06-20' } : {}),
      source: 'bench',
      externalId: `P-${i}`,
    };
  });
  // both feeds take the same CSV path (a body streamed in chunks, as the HTTP route gives it)
  const csvBody = (header: string, lines: string[]) =>
    Readable.from(
      (function* () {
        yield `${header}\n`;
        for (let i = 0; i < lines.length; i += 10_000) yield lines.slice(i, i + 10_000).join('');
      })(),
    );
  const pipelineLines = rows.map(
    (r) =>
      `${r.event},${r.dealerCode},${r.vin},${r.occurredOn},${r.sku ?? ''},${r.orderType ?? ''},,${r.planWeek ?? ''},${r.plant ?? ''},${r.eta ?? ''},${r.source},${r.externalId}\n`,
  );
  const ingest = await timed(() =>
    services.availability.ingestPipeline({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: csvBody(
        'event,dealerCode,vin,occurredOn,sku,orderType,options,planWeek,plant,eta,source,externalId',
        pipelineLines,
      ),
    }),
  );
  // the pipeline's refresh after commit runs on its own: not inside the actuals feed's timing
  await services.availability.refreshesSettled();
  const actualsLines = rows.map(
    (_, i) =>
      `retail_delivery,B${String(1 + (i % dealers)).padStart(5, '0')},BSKU-${1 + (i % skus)},,1,40000.00,USD,2026-${String(1 + (i % 10)).padStart(2, '0')}-15,bench-actuals,A-${i}\n`,
  );
  const actuals = await timed(() =>
    services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'csv',
      byteLimit: Infinity,
      body: csvBody(
        'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId',
        actualsLines,
      ),
    }),
  );
  await services.transactions.rollUpsSettled();
  const copy = await timed(() =>
    db.transaction(async (tx) => {
      await tx.query(
        'create temp table bare_events on commit drop as select * from vehicle_events limit 0',
      );
      const lines = rows.map(
        (r, i) =>
          `${1 + (i % dealers)},${r.vin},${r.event},${r.occurredOn},bench,C-${i},${i + 1}\n`,
      );
      for (let i = 0; i < lines.length; i += 50_000)
        await tx.copyFrom(
          'copy bare_events (dealer_id, vin, event, occurred_on, source, external_id, batch_row) from stdin with (format csv)',
          [lines.slice(i, i + 50_000).join('')],
        );
    }),
  );
  await db.close();
  await bench.drop();

  const result = {
    bench: 'availability',
    engine,
    machine: machine(),
    dealers,
    skus,
    events,
    allocation: {
      formulaMedianMs: Number(median(pureMs).toFixed(1)),
      whatIfMedianMs: Number(median(whatIfMs).toFixed(1)),
      createRunMedianMs: Number(median(createMs).toFixed(1)),
      bareInsertMedianMs: Number(median(bareInsertMs).toFixed(1)),
      createRunRatioToBareInsert: Number((median(createMs) / median(bareInsertMs)).toFixed(2)),
      publishMs: Number(publish.ms.toFixed(1)),
    },
    dealerPage: {
      medianMs: Number(median(pageMs).toFixed(2)),
      bareQueryMedianMs: Number(median(bareQueryMs).toFixed(2)),
    },
    pipelineIngest: {
      inserted: ingest.value.inserted,
      rowsPerSecond: Math.round(events / (ingest.ms / 1000)),
      bareCopyRowsPerSecond: Math.round(events / (copy.ms / 1000)),
      ratioToBareCopy: Number((ingest.ms / copy.ms).toFixed(2)),
      actualsInserted: actuals.value.inserted,
      actualsRowsPerSecond: Math.round(events / (actuals.ms / 1000)),
      ratioToActuals: Number((ingest.ms / actuals.ms).toFixed(2)),
    },
  };
  console.log(
    `  formula ${fmt(result.allocation.formulaMedianMs, 1)} ms · what-if ${fmt(result.allocation.whatIfMedianMs, 1)} ms · create run ${fmt(result.allocation.createRunMedianMs, 1)} ms (bare insert ${fmt(result.allocation.bareInsertMedianMs, 1)} ms) · publish ${fmt(result.allocation.publishMs, 1)} ms`,
  );
  console.log(
    `  create run / bare insert: ${fmt(result.allocation.createRunRatioToBareInsert, 2)} · dealer page ${fmt(result.dealerPage.medianMs, 2)} ms (bare select ${fmt(result.dealerPage.bareQueryMedianMs, 2)} ms)`,
  );
  console.log(
    `  pipeline ingest: ${fmt(result.pipelineIngest.rowsPerSecond)} events/s; bare COPY ${fmt(result.pipelineIngest.bareCopyRowsPerSecond)} rows/s; ratio ${fmt(result.pipelineIngest.ratioToBareCopy, 2)}; actuals feed ${fmt(result.pipelineIngest.actualsRowsPerSecond)} rows/s (pipeline takes ${fmt(result.pipelineIngest.ratioToActuals, 2)}× its time)`,
  );
  console.log(JSON.stringify(result, null, 2));
  return result;
}
