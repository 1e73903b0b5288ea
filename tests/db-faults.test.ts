/**
 * PostgreSQL ends connections mid-flight (pg_terminate_backend: a failover, an operator, a
 * crashed backend). The API runs as its own process (src/server/main.ts) on a test database; its
 * backends are killed during a read, a JSON ingest waiting for its body (idle in transaction), a
 * large CSV ingest inside its COPY and on the LISTEN connection. Each request fails cleanly (a 5xx
 * with a code) or succeeds, nothing is half-written, the process lives on and the next requests
 * succeed. PostgreSQL only: PGlite runs inside the process and has no connection to lose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { createTestDb, login, type Client, type TestDb } from './helpers/test-app';

/** The API process's connections carry this name, so only they are killed. */
const APP_NAME = 'forecourt-fault-test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Answer = { status: number; body: string };

/** A request whose body is written in parts: `write` more, then `end`; `answer` is the response. */
function upload(base: string, path: string, headers: Record<string, string>) {
  const req = request(`${base}${path}`, { method: 'POST', headers });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return {
    answer,
    write: (text: string) =>
      new Promise<void>((resolve) => {
        if (!req.write(text)) req.once('drain', resolve);
        else resolve();
      }),
    end: () => req.end(),
  };
}

/** A failed request is a 503 DATABASE_UNAVAILABLE (retry it); one that got through is a 2xx. */
function expectCleanOutcome(answer: Answer) {
  if (answer.status < 300) return;
  expect(answer.status, answer.body).toBe(503);
  expect(JSON.parse(answer.body)).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
}

function csvRows(from: number, count: number, source: string): string {
  let text = '';
  for (let i = from; i < from + count; i++)
    text += `retail_delivery,DLR-ALPHA,AURA-LX-ICE,,1,31000.00,USD,2026-03-14,${source},${source}-${i}\n`;
  return text;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL ends connections mid-flight', () => {
  let testDb: TestDb;
  let killer: pg.Client;
  let server: ChildProcess;
  let base: string;
  let admin: Client;
  let output = '';

  /** The API process's backends matching `condition` (SQL over pg_stat_activity). */
  async function backends(condition: string): Promise<number[]> {
    const { rows } = await killer.query<{ pid: number }>(
      `select pid from pg_stat_activity
       where datname = current_database() and application_name = $1 and pid <> pg_backend_pid()
         and ${condition}`,
      [APP_NAME],
    );
    return rows.map((r) => r.pid);
  }

  /** Waits until one of the API process's backends matches `condition`, and terminates those. */
  async function killWhen(condition: string): Promise<number[]> {
    const started = Date.now();
    for (;;) {
      const pids = await backends(condition);
      if (pids.length > 0) {
        await killer.query('select pg_terminate_backend(pid) from unnest($1::int[]) pid', [pids]);
        return pids;
      }
      if (Date.now() - started > 15_000) throw new Error(`no backend matched: ${condition}`);
      await sleep(20);
    }
  }

  /** The answer, or (connection reset: the process died) status 0 with what the process printed. */
  function answerOf(upload: { answer: Promise<Answer> }): Promise<Answer> {
    return upload.answer.catch((error: Error) => ({
      status: 0,
      body: `${error.message}\n${output}`,
    }));
  }

  async function count(sql: string): Promise<number> {
    const { rows } = await killer.query<{ n: number }>(`select (${sql})::int as n`);
    return rows[0]!.n;
  }

  function expectAlive() {
    expect(server.exitCode, output).toBeNull();
    expect(server.signalCode, output).toBeNull();
    // what Node prints when an 'error' event or a rejection has no handler
    expect(output).not.toMatch(/Unhandled 'error' event|triggerUncaughtException|UnhandledPromise/);
  }

  async function expectServing() {
    expectAlive();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const dealers = await admin.get('/api/v1/dealers');
    expect(dealers.status).toBe(200);
  }

  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    await seedFixtures(testDb.db);
    killer = new pg.Client({ connectionString: testDb.url });
    await killer.connect();
    const url = new URL(testDb.url!);
    url.searchParams.set('application_name', APP_NAME);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: url.toString(),
        HOST: '127.0.0.1',
        PORT: String(port),
        DEMO_DEALERS: '0',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const started = Date.now();
    for (;;) {
      const ready = await fetch(`${base}/readyz`).catch(() => null);
      if (ready?.status === 200) break;
      if (server.exitCode !== null || Date.now() - started > 60_000)
        throw new Error(`the API did not start:\n${output}`);
      await sleep(200);
    }
    admin = await login(base, USERS.admin, PASSWORD);
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await killer?.end();
    await testDb?.drop();
  });

  it('fails a read whose backend is killed, and serves the next', async () => {
    const locker = new pg.Client({ connectionString: testDb.url });
    await locker.connect();
    try {
      // the read waits for this lock, so its backend is killed while the query runs
      await locker.query('begin');
      await locker.query('lock table dealers in access exclusive mode');
      const read = admin.get('/api/v1/dealers');
      await killWhen(`wait_event_type = 'Lock'`);
      await locker.query('rollback');
      const res = await read;
      expectCleanOutcome({ status: res.status, body: await res.text() });
    } finally {
      await locker.end();
    }
    await expectServing();
  });

  it('fails a JSON ingest whose backend is killed while it waits for the body, writing nothing', async () => {
    const before = await count('select count(*) from transactions');
    const batches = await count('select count(*) from ingest_batches');
    const ingest = upload(base, '/api/v1/transactions', {
      cookie: admin.cookie!,
      'x-csrf-token': admin.csrfToken!,
      'content-type': 'application/json',
    });
    await ingest.write(`[${JSON.stringify(txRow({ source: 'fault-json', externalId: 'J-1' }))},`);
    // the ingest transaction is open, idle until more of the body arrives
    await killWhen(`state like 'idle in transaction%' and backend_xid is not null`);
    await sleep(100);
    void ingest.write(`${JSON.stringify(txRow({ source: 'fault-json', externalId: 'J-2' }))}]`);
    ingest.end();
    expectCleanOutcome(await answerOf(ingest));
    expect(await count('select count(*) from transactions')).toBe(before);
    expect(await count('select count(*) from ingest_batches')).toBe(batches);
    await expectServing();
  });

  it('fails a large CSV ingest whose backend is killed inside its COPY, writing nothing', async () => {
    const before = await count('select count(*) from transactions');
    const ingest = upload(base, '/api/v1/transactions', {
      cookie: admin.cookie!,
      'x-csrf-token': admin.csrfToken!,
      'content-type': 'text/csv',
    });
    // over 1 MiB of COPY text: the batch streams into the feed through COPY
    await ingest.write(
      `kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId\n${csvRows(0, 30_000, 'fault-copy')}`,
    );
    await killWhen(`query ilike 'copy transactions%'`);
    await sleep(100);
    // the rest of the body, without waiting for the server to read it (it may answer first)
    void ingest.write(csvRows(30_000, 5_000, 'fault-copy'));
    ingest.end();
    const answer = await answerOf(ingest);
    // the server may answer before it has read the whole body; either way not a 2xx here
    expect(answer.status, `${answer.body}\n${output.slice(-2000)}`).toBe(503);
    expectCleanOutcome(answer);
    expect(await count('select count(*) from transactions')).toBe(before);
    expect(await count(`select count(*) from transactions where source = 'fault-copy'`)).toBe(0);
    await expectServing();
  });

  it('listens again after its LISTEN connection is killed, and ingests as before', async () => {
    // the process listens from the first open event stream on
    const stream = await admin.get('/api/v1/events');
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let events = '';
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        events += new TextDecoder().decode(value);
      }
    })();
    // the live events' LISTEN (the webhook senders listen on a channel of their own)
    const [listener] = await killWhen(`query ilike 'listen "forecourt_events"%'`);
    const started = Date.now();
    let relistened: number[] = [];
    while (Date.now() - started < 10_000) {
      relistened = (await backends(`query ilike 'listen "forecourt_events"%'`)).filter(
        (pid) => pid !== listener,
      );
      if (relistened.length > 0) break;
      await sleep(100);
    }
    expect(relistened).toHaveLength(1);
    const res = await admin.send('POST', '/api/v1/transactions', [
      txRow({ source: 'fault-after', externalId: 'A-1' }),
      txRow({ source: 'fault-after', externalId: 'A-2' }),
    ]);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const { batchId } = JSON.parse(text) as { batchId: number; inserted: number };
    expect(JSON.parse(text)).toMatchObject({ received: 2, inserted: 2 });
    // the batch reaches the open stream through the new LISTEN connection
    while (!events.includes(`"batchId":${batchId}`) && Date.now() - started < 15_000)
      await sleep(50);
    expect(events).toContain(`"batchId":${batchId}`);
    await reader.cancel();
    await pump;
    await expectServing();
  });

  it('kills every backend of the process at once, and it still serves', async () => {
    await killWhen('true');
    await sleep(1500);
    // the first request after may meet a connection the pool has not yet seen die
    const first = await admin.get('/api/v1/dealers');
    expectCleanOutcome({ status: first.status, body: await first.text() });
    await expectServing();
  });
});
