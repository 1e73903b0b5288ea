/**
 * Retail delivery report ingest: N deliveries through the RDR service (per-row zod check, the
 * feed's ingest, the details written beside the rows in the same transaction) against the same
 * rows through the bare feed ingest (the floor: the feed's own path without the report), fresh
 * tables before each run, alternating, in one process.
 *
 *   npm run bench -- rdr --engine postgres --rows 10000 --runs 3
 *   npm run bench -- rdr --engine pglite --rows 2000 --runs 3
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import { loadNetwork } from '../src/server/modules/demo/seed';
import { generateNetwork } from '../src/server/modules/demo/generator';
import { toFeedRow } from '../src/server/modules/rdr/rdr.service';
import { createServices } from '../src/server/services';
import type { RdrDelivery } from '../src/shared/schemas/rdr';
import { SALE_CATEGORIES } from '../src/shared/schemas/rdr';
import { createBenchDatabase, fmt, machine, median, type BenchEngine } from './lib';

export async function runRdrBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      rows: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '3' },
    },
  });
  const engine = values.engine as BenchEngine;
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  console.log(`rdr bench: ${engine}, ${fmt(rows)} deliveries, ${runs} runs — ${machine()}`);
  const bench = await createBenchDatabase(engine);
  const network = generateNetwork({ seed: 11, dealers: 50, months: 12, endMonth: '2026-10' });
  await loadNetwork(bench.db, network);
  const services = createServices({
    db: bench.db,
    env: parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' }),
  });
  const dealers = network.dealers.map((d) => d.code);
  const skus = network.skus.map((s) => s.code);
  const deliveries: RdrDelivery[] = Array.from({ length: rows }, (_, i) => ({
    dealNumber: `D-${i}`,
    dealerCode: dealers[i % dealers.length]!,
    vin: `1FTEW1EP5M${String(i).padStart(7, '0')}`,
    sku: skus[i % skus.length]!,
    saleDate: '2026-09-01',
    deliveryDate: '2026-09-03',
    saleCategory: SALE_CATEGORIES[i % SALE_CATEGORIES.length]!,
    buyer: { type: 'individual', postcode: '93650', state: 'CA', country: 'US' },
    salespersonId: 'SP-1',
    odometerKm: 10,
    amounts: { salePrice: '31250.00', currency: 'USD' },
  }));
  const reset = () =>
    bench.db.query(
      'truncate transactions, monthly_actuals, ingest_batches, rdr_sales restart identity cascade',
    );
  const rdrTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    await reset();
    let start = performance.now();
    await services.rdr.ingestReport({
      actor: SYSTEM_ACTOR,
      report: { source: 'bench', deliveries },
    });
    rdrTimes.push(performance.now() - start);
    await reset();
    start = performance.now();
    await services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        for (const [i, d] of deliveries.entries())
          yield { row: i + 1, value: toFeedRow('bench', d) };
      })(),
      byteLimit: Infinity,
    });
    bareTimes.push(performance.now() - start);
  }
  await services.transactions.rollUpsSettled();
  const rdr = median(rdrTimes);
  const bare = median(bareTimes);
  console.log(
    `  RDR (check + feed + details): median ${fmt(rdr)} ms, ${fmt((rows / rdr) * 1000)} deliveries/s`,
  );
  console.log(
    `  bare feed ingest (floor):     median ${fmt(bare)} ms, ${fmt((rows / bare) * 1000)} rows/s`,
  );
  console.log(`  ratio RDR / floor: ${(rdr / bare).toFixed(2)}`);
  await bench.db.close();
  await bench.drop();
  return {
    engine,
    rows,
    runs,
    machine: machine(),
    rdrMs: rdrTimes,
    bareMs: bareTimes,
    ratio: rdr / bare,
  };
}
