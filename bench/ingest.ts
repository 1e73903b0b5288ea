/**
 * Ingest throughput: a CSV batch through POST /api/v1/transactions (streamed, validated, stored
 * idempotently) against a bare COPY of the same rows into the same table, in the same run; and the
 * time until the batch's monthly roll-up has committed (its `feed` event on the event stream).
 * Also the server's memory growth while the CSV streams in.
 *
 *   npm run bench -- ingest --engine postgres --rows 1000000 --runs 3
 *   npm run bench -- ingest --engine pglite --rows 250000 --runs 3
 */
import { createReadStream, createWriteStream, mkdtempSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { csvField } from '../src/server/db/db';
import { createAccountsService } from '../src/server/modules/accounts/accounts.service';
import { loadNetwork } from '../src/server/modules/demo/seed';
import { generateNetwork, generateTransactions } from '../src/server/modules/demo/generator';
import { STAGING_COLUMNS } from '../src/server/modules/transactions/transactions.repository';
import {
  createBenchDatabase,
  fmt,
  machine,
  median,
  sampleRss,
  rssOf,
  startServer,
  type BenchEngine,
} from './lib';

/**
 * Listens to the server's event stream: `arrival(batchId)` resolves with the time
 * (performance.now()) the batch's `feed` event arrived, sent once its monthly roll-up committed.
 */
export async function listenForFeedEvents(url: string, key: string) {
  const arrived = new Map<number, number>();
  const waiting = new Map<number, (at: number) => void>();
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, {
    headers: { authorization: `Bearer ${key}` },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`event stream: ${res.status}`);
  const reading = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const message = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^event: feed\ndata: (.*)$/m.exec(message)?.[1];
        if (!data) continue;
        const { batchId } = JSON.parse(data) as { batchId: number };
        const at = performance.now();
        arrived.set(batchId, at);
        waiting.get(batchId)?.(at);
      }
    }
  })().catch(() => undefined);
  return {
    arrival: (batchId: number) =>
      new Promise<number>((resolve) => {
        const at = arrived.get(batchId);
        if (at !== undefined) resolve(at);
        else waiting.set(batchId, resolve);
      }),
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

export async function runIngestBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      rows: { type: 'string' },
      runs: { type: 'string', default: '3' },
      dealers: { type: 'string', default: '4000' },
    },
  });
  const engine = values.engine as BenchEngine;
  const rows = Number(values.rows ?? (engine === 'pglite' ? 250_000 : 1_000_000));
  const runs = Number(values.runs);
  const options = { seed: 11, dealers: Number(values.dealers), months: 36, endMonth: '2026-10' };
  console.log(`ingest bench: ${engine}, ${fmt(rows)} rows, ${runs} runs — ${machine()}`);

  const bench = await createBenchDatabase(engine);
  const network = generateNetwork(options);
  await loadNetwork(bench.db, network);
  const ids = await bench.db.query<{ kind: string; id: number; code: string }>(
    `select 'd' as kind, id, code from dealers union all select 's', id, code from skus`,
  );
  const dealerId = new Map(ids.rows.filter((r) => r.kind === 'd').map((r) => [r.code, r.id]));
  const skuId = new Map(ids.rows.filter((r) => r.kind === 's').map((r) => [r.code, r.id]));

  // The same rows twice: as the API's CSV and as COPY input with ids resolved.
  const dir = mkdtempSync(join(tmpdir(), 'forecourt-ingest-'));
  const apiCsv = join(dir, 'api.csv');
  const copyCsv = join(dir, 'copy.csv');
  const api = createWriteStream(apiCsv);
  const copy = createWriteStream(copyCsv);
  api.write('kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId\n');
  let n = 0;
  for (const t of generateTransactions(network, options)) {
    const a = `${t.kind},${t.dealerCode},${t.sku},${t.vin ?? ''},${t.quantity},${t.amount},${t.currency},${t.occurredOn},${t.source},${csvField(t.externalId)}\n`;
    const c = `${t.kind},${dealerId.get(t.dealerCode)},${skuId.get(t.sku)},${t.vin ?? ''},${t.quantity},${t.amount},${t.currency},${t.occurredOn},${t.source},${csvField(t.externalId)}\n`;
    if (!api.write(a)) await once(api, 'drain');
    if (!copy.write(c)) await once(copy, 'drain');
    if (++n >= rows) break;
  }
  api.end();
  copy.end();
  await Promise.all([once(api, 'finish'), once(copy, 'finish')]);
  console.log(`  wrote ${fmt(n)} rows (${fmt(statSync(apiCsv).size / 2 ** 20, 1)} MiB CSV)`);

  const key = await createAccountsService({ db: bench.db }).createApiKey({
    actor: SYSTEM_ACTOR,
    data: {
      name: 'bench',
      role: 'integration',
      regionCode: null,
      dealerCode: null,
      dealerGroupCode: null,
    },
  });
  const reset = async () => {
    await bench.db.query(
      'truncate transactions, monthly_actuals, ingest_batches restart identity cascade',
    );
    if (engine === 'postgres') await bench.db.query('vacuum analyze transactions');
  };

  // API and bare COPY runs alternate, so a change in machine load hits both alike.
  const apiSeconds: number[] = [];
  const rollUpSeconds: number[] = [];
  const copySeconds: number[] = [];
  const memoryGrowth: number[] = [];
  for (let run = 0; run < runs; run++) {
    await reset();
    if (engine === 'pglite') await bench.db.close();
    const server = await startServer({
      databaseUrl: bench.url,
      dataDir: bench.dataDir,
      port: 3900 + run,
    });
    const baseline = rssOf(server.pid);
    const sampler = sampleRss(server.pid);
    const feedEvents = await listenForFeedEvents(server.url, key.key);
    const started = performance.now();
    const res = await fetch(`${server.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'text/csv' },
      body: Readable.toWeb(createReadStream(apiCsv)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as {
      batchId: number;
      inserted?: number;
      rolledUp?: boolean;
      code?: string;
      message?: string;
    };
    const seconds = (performance.now() - started) / 1000;
    if (res.status !== 200 || body.inserted !== n)
      throw new Error(`ingest failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    // the batch is in the monthly roll-up (and agreement attainment) when its feed event arrives
    const rolledUpSeconds = ((await feedEvents.arrival(body.batchId)) - started) / 1000;
    await feedEvents.close();
    const peak = sampler.stop();
    await server.stop();
    apiSeconds.push(seconds);
    rollUpSeconds.push(rolledUpSeconds);
    memoryGrowth.push(peak - baseline);
    console.log(
      `  API run ${run + 1}: ${fmt(seconds, 2)} s, ${fmt(n / seconds)} rows/s${body.rolledUp ? '' : `; rolled up after ${fmt(rolledUpSeconds, 2)} s (${fmt(n / rolledUpSeconds)} rows/s)`}, server RSS +${fmt((peak - baseline) / 2 ** 20)} MiB`,
    );
    if (engine === 'pglite') bench.db = await bench.reopen();

    await reset();
    const copyStarted = performance.now();
    await bench.db.transaction(async (tx) => {
      await tx.copyFrom(
        `copy transactions (${STAGING_COLUMNS}) from stdin with (format csv)`,
        createReadStream(copyCsv, { encoding: 'utf8', highWaterMark: 1 << 20 }),
      );
    });
    const copySecs = (performance.now() - copyStarted) / 1000;
    copySeconds.push(copySecs);
    console.log(`  bare COPY run ${run + 1}: ${fmt(copySecs, 2)} s, ${fmt(n / copySecs)} rows/s`);
  }
  await bench.db.close();
  await bench.drop();

  const apiRate = n / median(apiSeconds);
  const copyRate = n / median(copySeconds);
  const result = {
    bench: 'ingest',
    engine,
    rows: n,
    machine: machine(),
    apiMedianSeconds: median(apiSeconds),
    apiRowsPerSecond: Math.round(apiRate),
    rolledUpMedianSeconds: median(rollUpSeconds),
    rolledUpRowsPerSecond: Math.round(n / median(rollUpSeconds)),
    copyMedianSeconds: median(copySeconds),
    copyRowsPerSecond: Math.round(copyRate),
    ratioToCopy: Number((apiRate / copyRate).toFixed(2)),
    serverRssGrowthMiB: Math.round(Math.max(...memoryGrowth) / 2 ** 20),
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}
