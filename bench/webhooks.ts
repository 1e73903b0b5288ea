/**
 * Webhook delivery: deliveries per second to a local receiver and the time from a change's
 * commit to its delivery, against a bare floor (the same receiver hit by a bare loop of signed
 * POSTs, as many at once as the sender sends).
 *
 *   npm run bench -- webhooks [--engine postgres|pglite] [--events 5000] [--rate 250] [--runs 3]
 *
 * Phase 1 (throughput): `--events` events committed as fast as possible in commits of `--batch`
 * (each an outbox trigger's fan-out to one subscription) while the sender works; deliveries/s =
 * events / (last receipt − first commit). Phase 2 (latency): events committed at `--rate` per
 * second in commits of 10; for each, receipt time − the moment its commit returned; p50/p99.
 * Events are on distinct entities (per-entity order does not serialise them). The receiver, the
 * sender and the floor run in this one process.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createWebhooksService } from '../src/server/modules/webhooks/webhooks.service';
import { postWebhook } from '../src/server/modules/webhooks/sender';
import { generateSecret, signHeaders } from '../src/server/modules/webhooks/signing';
import { createBenchDatabase, fmt, machine, median, percentile, type BenchEngine } from './lib';

type Receiver = { url: string; arrivals: Map<string, number>; close: () => Promise<void> };

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function waitUntil(predicate: () => boolean, ms: number) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting for deliveries');
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function runWebhooksBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      events: { type: 'string', default: '5000' },
      batch: { type: 'string', default: '50' },
      rate: { type: 'string', default: '250' },
      concurrency: { type: 'string', default: '32' },
      runs: { type: 'string', default: '3' },
    },
  });
  const engine = values.engine as BenchEngine;
  const events = Number(values.events);
  const batch = Number(values.batch);
  const rate = Number(values.rate);
  const concurrency = Number(values.concurrency);
  const bench = await createBenchDatabase(engine);
  const { db } = bench;
  const receiver = await startReceiver();
  const secret = generateSecret();
  await db.query(
    `insert into webhook_subscriptions (url, event_types, secret, created_by)
     values ($1, '{agreement.approved}', $2, 'bench')`,
    [receiver.url, secret],
  );
  const webhooks = createWebhooksService({
    db,
    config: {
      timeoutMs: 10_000,
      retryBaseMs: 15_000,
      maxAttempts: 10,
      allowPrivate: true,
      concurrency,
      idlePollMs: 5000,
    },
  });
  await webhooks.startDispatcher();

  let entity = 0;
  /** Commits `n` events in one transaction; the moment the commit returned, and their ids. */
  async function commit(n: number): Promise<{ at: number; ids: string[] }> {
    const first = entity;
    entity += n;
    const ids = await db.transaction(async (tx) => {
      await tx.query(
        `select forecourt_emit_event('agreement.approved', null, 'bench', i::text,
                jsonb_build_object('version', 1, 'i', i))
           from generate_series($1::int, $2::int) i`,
        [first, first + n - 1],
      );
      const { rows } = await tx.query<{ id: string }>(
        `select 'msg_' || id as id from outbox where entity_type = 'bench'
            and entity_id::int between $1 and $2`,
        [first, first + n - 1],
      );
      return rows.map((r) => r.id);
    });
    return { at: performance.now(), ids };
  }

  const throughput: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const floors: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    // phase 1: throughput
    const started = performance.now();
    const all: string[] = [];
    for (let done = 0; done < events; done += batch) {
      all.push(...(await commit(Math.min(batch, events - done))).ids);
    }
    await waitUntil(() => all.every((id) => receiver.arrivals.has(id)), 600_000);
    const last = Math.max(...all.map((id) => receiver.arrivals.get(id)!));
    throughput.push(events / ((last - started) / 1000));

    // phase 2: commit → delivery at a steady rate
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const perCommit = 10;
    const commits = Math.max(1, Math.round(Math.min(events, rate * 10) / perCommit));
    const interval = (1000 * perCommit) / rate;
    const phaseStart = performance.now();
    for (let c = 0; c < commits; c++) {
      const due = phaseStart + c * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const { at, ids } = await commit(perCommit);
      pending.push(
        waitUntil(() => ids.every((id) => receiver.arrivals.has(id)), 60_000).then(() => {
          for (const id of ids) latencies.push(receiver.arrivals.get(id)! - at);
        }),
      );
    }
    await Promise.all(pending);
    p50s.push(percentile(latencies, 50));
    p99s.push(percentile(latencies, 99));

    // the floor: the same receiver, a bare loop of signed POSTs, `concurrency` at once
    const floorStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < events) {
          const i = next++;
          const body = JSON.stringify({
            type: 'bench',
            timestamp: new Date().toISOString(),
            data: { i },
          });
          await postWebhook({
            url: receiver.url,
            headers: signHeaders(secret, `floor_${run}_${i}`, body),
            body,
            timeoutMs: 10_000,
            allowPrivate: true,
          });
        }
      }),
    );
    floors.push(events / ((performance.now() - floorStart) / 1000));
    console.log(
      `  run ${run + 1}: ${fmt(throughput.at(-1)!)} deliveries/s (floor ${fmt(floors.at(-1)!)}/s); commit → delivery p50 ${fmt(p50s.at(-1)!, 1)} ms, p99 ${fmt(p99s.at(-1)!, 1)} ms at ${rate}/s`,
    );
  }
  await webhooks.stopDispatcher();
  await receiver.close();
  await db.close();
  await bench.drop();
  const result = {
    bench: 'webhooks',
    machine: machine(),
    engine,
    events,
    batch,
    concurrency,
    rate,
    deliveriesPerSecond: Math.round(median(throughput)),
    floorPerSecond: Math.round(median(floors)),
    ratioToFloor: Number((median(floors) / median(throughput)).toFixed(2)),
    commitToDeliveryP50Ms: Number(median(p50s).toFixed(1)),
    commitToDeliveryP99Ms: Number(median(p99s).toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}
