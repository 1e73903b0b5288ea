/**
 * The national bench's ingest figure: a further 1M rows through the feed's API (CSV, streamed)
 * into the national database's full tables, against the same rows into an empty database of the
 * same network, each next to a bare COPY of the same rows into the same table, in the same run.
 * The bar: the full table's rate is no more than 20 % below the empty table's.
 *
 * The rows are the national network's last month (November 2026) again under a new source, so
 * every run adds 1M rows to the kept database (the bare COPY's rows are deleted again).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { csvField, type Db } from '../src/server/db/db';
import { createAccountsService } from '../src/server/modules/accounts/accounts.service';
import { generateNetwork } from '../src/server/modules/demo/generator';
import { loadNetwork } from '../src/server/modules/demo/seed';
import { STAGING_COLUMNS } from '../src/server/modules/transactions/transactions.repository';
import { listenForFeedEvents } from './ingest';
import { createBenchDatabase, fmt, median, startServer } from './lib';
import type { NationalOptions } from './national-http';
import type { Recorder } from './national-record';

const log = (m: string) => console.log(`[national] ${m}`);

type Row = {
  kind: string;
  dealerCode: string;
  sku: string;
  vin: string | null;
  quantity: number;
  amount: string;
  currency: string;
  occurredOn: string;
  externalId: string;
};

async function writeCsv(path: string, rows: Row[], line: (r: Row) => string, header?: string) {
  const out = createWriteStream(path);
  if (header) out.write(header);
  for (const r of rows) if (!out.write(line(r))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function idsOf(db: Db) {
  const ids = await db.query<{ kind: string; id: number; code: string }>(
    `select 'd' as kind, id, code from dealers union all select 's', id, code from skus`,
  );
  return {
    dealer: new Map(ids.rows.filter((r) => r.kind === 'd').map((r) => [r.code, r.id])),
    sku: new Map(ids.rows.filter((r) => r.kind === 's').map((r) => [r.code, r.id])),
  };
}

/** One API run: a server on the database, the CSV posted, the time to the answer and the roll-up. */
async function apiRun(
  databaseUrl: string,
  port: number,
  key: string,
  csvPath: string,
  rows: number,
) {
  const server = await startServer({ databaseUrl, port });
  try {
    const events = await listenForFeedEvents(server.url, key);
    const started = performance.now();
    const res = await fetch(`${server.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: Readable.toWeb(createReadStream(csvPath)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { batchId: number; inserted?: number };
    const seconds = (performance.now() - started) / 1000;
    if (res.status !== 200 || body.inserted !== rows)
      throw new Error(`ingest: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    const rolledUp = ((await events.arrival(body.batchId)) - started) / 1000;
    await events.close();
    return { seconds, rolledUp };
  } finally {
    await server.stop();
  }
}

async function copyRun(db: Db, csvPath: string) {
  const started = performance.now();
  await db.transaction((tx) =>
    tx.copyFrom(
      `copy transactions (${STAGING_COLUMNS}) from stdin with (format csv)`,
      createReadStream(csvPath, { encoding: 'utf8', highWaterMark: 1 << 20 }),
    ),
  );
  return (performance.now() - started) / 1000;
}

export async function measureIngest(
  full: Db,
  fullUrl: string,
  options: NationalOptions,
  fullKey: string,
  rec: Recorder,
) {
  const ROWS = options.ingestRows;
  const network = generateNetwork({
    seed: options.seed,
    dealers: options.dealers,
    months: 36,
    endMonth: '2026-11',
  });
  const picked = await full.query<Row>(
    `select t.kind, d.code as "dealerCode", s.code as sku, t.vin, t.quantity, t.amount::text as amount, t.currency,
            to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn", t.external_id as "externalId"
     from transactions t join dealers d on d.id = t.dealer_id join skus s on s.id = t.sku_id
     where t.occurred_on >= '2026-11-01' and t.kind <> 'unwind' and t.source not like 'extra-%'
     order by t.id limit $1`,
    [ROWS],
  );
  const rows = picked.rows;
  if (rows.length < ROWS) throw new Error(`only ${rows.length} rows in November`);
  log(`ingest: ${fmt(rows.length)} rows of November 2026 prepared`);

  const empty = await createBenchDatabase('postgres');
  await loadNetwork(empty.db, network);
  const emptyKey = await createAccountsService({ db: empty.db }).createApiKey({
    actor: SYSTEM_ACTOR,
    data: {
      name: 'national bench',
      role: 'integration',
      regionCode: null,
      dealerCode: null,
      dealerGroupCode: null,
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'forecourt-national-'));
  const fullIds = await idsOf(full);
  const emptyIds = await idsOf(empty.db);
  const header = 'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId\n';
  const runs = Math.min(options.runs, 2);
  const figures = {
    emptyApi: [] as number[],
    emptyRollUp: [] as number[],
    emptyCopy: [] as number[],
    fullApi: [] as number[],
    fullRollUp: [] as number[],
    fullCopy: [] as number[],
  };
  try {
    for (let run = 0; run < runs; run++) {
      const stamp = `${Date.now().toString(36)}${run}`;
      const apiCsv = join(dir, `api-${run}.csv`);
      await writeCsv(
        apiCsv,
        rows,
        (t) =>
          `${t.kind},${t.dealerCode},${t.sku},${t.vin ?? ''},${t.quantity},${t.amount},${t.currency},${t.occurredOn},extra-${stamp},${csvField(t.externalId)}\n`,
        header,
      );
      const copyCsv = (ids: Awaited<ReturnType<typeof idsOf>>) => (t: Row) =>
        `${t.kind},${ids.dealer.get(t.dealerCode)},${ids.sku.get(t.sku)},${t.vin ?? ''},${t.quantity},${t.amount},${t.currency},${t.occurredOn},copy-${stamp},${csvField(t.externalId)}\n`;
      await writeCsv(join(dir, 'copy-full.csv'), rows, copyCsv(fullIds));
      await writeCsv(join(dir, 'copy-empty.csv'), rows, copyCsv(emptyIds));

      await empty.db.query(
        'truncate transactions, monthly_actuals, ingest_batches restart identity cascade',
      );
      await empty.db.query('vacuum analyze transactions');
      const e = await apiRun(empty.url!, 3980, emptyKey.key, apiCsv, ROWS);
      await empty.db.query(
        'truncate transactions, monthly_actuals, ingest_batches restart identity cascade',
      );
      const ec = await copyRun(empty.db, join(dir, 'copy-empty.csv'));
      const f = await apiRun(fullUrl, 3981, fullKey, apiCsv, ROWS);
      const fc = await copyRun(full, join(dir, 'copy-full.csv'));
      await full.query(`delete from transactions where source = $1`, [`copy-${stamp}`]);
      figures.emptyApi.push(e.seconds);
      figures.emptyRollUp.push(e.rolledUp);
      figures.emptyCopy.push(ec);
      figures.fullApi.push(f.seconds);
      figures.fullRollUp.push(f.rolledUp);
      figures.fullCopy.push(fc);
      rec.record(`ingestRuns.${run + 1}`, {
        emptyApiRowsPerSecond: Math.round(ROWS / e.seconds),
        emptyRolledUpSeconds: Number(e.rolledUp.toFixed(1)),
        emptyBareCopyRowsPerSecond: Math.round(ROWS / ec),
        fullApiRowsPerSecond: Math.round(ROWS / f.seconds),
        fullRolledUpSeconds: Number(f.rolledUp.toFixed(1)),
        fullBareCopyRowsPerSecond: Math.round(ROWS / fc),
      });
      log(
        `ingest run ${run + 1}: empty ${fmt(ROWS / e.seconds)}/s (COPY ${fmt(ROWS / ec)}/s), full ${fmt(ROWS / f.seconds)}/s (COPY ${fmt(ROWS / fc)}/s); rolled up after ${fmt(e.rolledUp, 1)} s / ${fmt(f.rolledUp, 1)} s`,
      );
    }
  } finally {
    await empty.db.close();
    await empty.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  await full.query('vacuum analyze transactions');
  const rate = (xs: number[]) => Math.round(ROWS / median(xs));
  const result = {
    rows: ROWS,
    runs,
    emptyTable: {
      apiRowsPerSecond: rate(figures.emptyApi),
      rolledUpSeconds: Number(median(figures.emptyRollUp).toFixed(1)),
      bareCopyRowsPerSecond: rate(figures.emptyCopy),
    },
    fullTable: {
      apiRowsPerSecond: rate(figures.fullApi),
      rolledUpSeconds: Number(median(figures.fullRollUp).toFixed(1)),
      bareCopyRowsPerSecond: rate(figures.fullCopy),
    },
    fullToEmptyApiRate: Number((median(figures.emptyApi) / median(figures.fullApi)).toFixed(2)),
    fullToEmptyCopyRate: Number((median(figures.emptyCopy) / median(figures.fullCopy)).toFixed(2)),
    /** the bar: the full table's API rate at most 20 % below the empty table's */
    fullRateDropPct: Number(
      ((1 - median(figures.emptyApi) / median(figures.fullApi)) * 100).toFixed(1),
    ),
  };
  log(`ingest ${JSON.stringify(result)}`);
  return result;
}
