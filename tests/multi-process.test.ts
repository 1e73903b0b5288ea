/**
 * WEB_CONCURRENCY = 2 (issue 18): `src/server/main.ts` as a real primary with two API processes
 * on one PostgreSQL database. Sessions made on one process hold on the other, live events reach a
 * stream open on either, a job started anywhere runs once, a batch ingested through either is in
 * the roll-up, and a worker killed with SIGKILL is replaced while the other keeps serving.
 * Which process answered is read from the log (`x-request-id` → the log line's `pid`).
 * The embedded database lives in one process: that case is refused at start (checked below).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { createTestDb, json, login, type Client, type TestDb } from './helpers/test-app';

const onServer = Boolean(process.env.TEST_DATABASE_URL);

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

describe('WEB_CONCURRENCY with the embedded database', () => {
  // main.ts checks the configuration before it loads the application, so the refusal is quick;
  // the test waits for the exit however long the machine takes (no bar of its own)
  it('refuses to start more than one process, saying why', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', WEB_CONCURRENCY: '2' };
    delete env.DATABASE_URL;
    const run = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    run.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/WEB_CONCURRENCY > 1 needs DATABASE_URL/);
  }, 180_000);
});

describe.skipIf(!onServer)('two API processes on one PostgreSQL database', () => {
  let testDb: TestDb;
  let server: ChildProcess;
  let base = '';
  let output = '';
  let admin: Client;
  let seq = 0;

  /** The pid of the process that logged request `id` (undefined until it is logged). */
  function pidOf(id: string): number | undefined {
    for (const line of output.split('\n')) {
      if (!line.includes(`"reqId":"${id}"`)) continue;
      const pid = /"pid":(\d+)/.exec(line)?.[1];
      if (pid) return Number(pid);
    }
    return undefined;
  }

  /**
   * Waits for `read` to give a value, as long as the test's time allows: a process start takes
   * what the machine's load makes it take, so there is no bar of its own here. It fails at once if
   * the server exits. On any failure, time-outs included, the processes' log is printed (below).
   */
  async function waitFor<T>(what: string, read: () => T | undefined | Promise<T | undefined>) {
    for (;;) {
      const value = await read();
      if (value !== undefined) return value;
      if (server.exitCode !== null)
        throw new Error(`${what} did not happen: the server exited (${server.exitCode})`);
      await sleep(50);
    }
  }
  const printLogOnFailure = () =>
    onTestFailed(() => console.error(`the processes' log:\n${output}`));

  const workerPids = () =>
    new Set(
      [...output.matchAll(/"pid":(\d+)[^\n]*"msg":"Forecourt is serving"/g)].map((m) =>
        Number(m[1]),
      ),
    );

  /** A request tagged with a fresh request id; returns the response and that id. */
  async function tagged(client: Client, method: string, path: string, body?: unknown) {
    const id = `mp-${++seq}`;
    const res =
      method === 'GET'
        ? await fetch(base + path, { headers: { cookie: client.cookie!, 'x-request-id': id } })
        : await client.send(method, path, body, { 'x-request-id': id });
    return { res, id };
  }

  beforeAll(async () => {
    testDb = await createTestDb('postgres');
    await seedFixtures(testDb.db);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: testDb.url,
        HOST: '127.0.0.1',
        PORT: String(port),
        DEMO_DEALERS: '0',
        LOG_LEVEL: 'info',
        WEB_CONCURRENCY: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await waitFor('two API processes serving', () => (workerPids().size >= 2 ? true : undefined));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
    }
    admin = await login(base, USERS.admin, PASSWORD);
  }, 180_000);

  afterAll(async () => {
    // a start that ran out of the hook's time says where it was
    if (server && workerPids().size < 2) console.error(`the processes' log:\n${output}`);
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await testDb?.drop();
  });

  it('runs two API processes that share the port and the sessions', async () => {
    printLogOnFailure();
    expect(workerPids().size).toBe(2);
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => tagged(admin, 'GET', '/api/v1/dealers')),
    );
    for (const { res } of answers) expect(res.status).toBe(200);
    const pids = await Promise.all(answers.map(({ id }) => waitFor(id, () => pidOf(id))));
    // the session made by one process at login is honoured by both
    expect(new Set(pids).size).toBe(2);
  });

  it('delivers a batch ingested through either process to a stream open on the other', async () => {
    printLogOnFailure();
    const dealer = await login(base, USERS.dealerA, PASSWORD);
    const streamId = `mp-stream-${++seq}`;
    const stream = await fetch(`${base}/api/v1/events`, {
      headers: { cookie: dealer.cookie!, 'x-request-id': streamId },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    const streamPid = await waitFor('the stream', () => pidOf(streamId));
    const batches: { id: string; pid: number; batchId: number }[] = [];
    // ingest until one batch went through the process that does not hold the stream
    for (let i = 0; i < 12 && !batches.some((b) => b.pid !== streamPid); i++) {
      const { res, id } = await tagged(admin, 'POST', '/api/v1/transactions', [
        txRow({ occurredOn: '2026-03-02' }),
      ]);
      const body = await json<{ batchId: number }>(res, 200);
      batches.push({ id, pid: await waitFor(id, () => pidOf(id)), batchId: body.batchId });
    }
    const crossing = batches.find((b) => b.pid !== streamPid);
    expect(crossing, 'no ingest reached the other process').toBeDefined();
    await waitFor('the feed event of the other process', () =>
      text.includes(`"batchId":${crossing!.batchId}`) ? true : undefined,
    );
    await reader.cancel();
    await pump;
    // every batch is in the roll-up, whichever process took it
    const actuals = await json<{ totals: { quantity: number }[] }>(
      await admin.get(
        '/api/v1/dealers/DLR-ALPHA/actuals/monthly?from=2026-03&to=2026-03&kind=retail_delivery',
      ),
      200,
    );
    expect(actuals.totals.reduce((n, r) => n + r.quantity, 0)).toBe(batches.length);

    // both processes listen for batches; each batch's risk refresh was claimed and run once
    const ids = batches.map((b) => b.batchId);
    const refreshes = await waitFor("the batches' risk refreshes", async () => {
      const { rows } = await testDb.db.query<{
        id: number;
        attempts: number;
        error: string | null;
      }>(
        `select id::int, risk_refresh_attempts as attempts, risk_refresh_error as error
           from ingest_batches where id = any($1::bigint[]) and risk_refreshed_at is not null
          order by id`,
        [ids],
      );
      return rows.length === ids.length ? rows : undefined;
    });
    expect(refreshes).toEqual(ids.map((id) => ({ id, attempts: 1, error: null })));
  });

  it('runs a job started through either process once, to the end', async () => {
    printLogOnFailure();
    const finance = await login(base, USERS.finance, PASSWORD);
    const res = await finance.send('POST', '/api/v1/programs/recalculate');
    const started = await json<{ jobId: number; href: string }>(res, 202);
    const job = await waitFor('the job', async () => {
      const j = await json<{ status: string }>(await finance.get(started.href), 200);
      return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
    });
    expect(job.status).toBe('succeeded');
    const runs = await testDb.db.query<{ n: string }>(
      `select count(*) as n from jobs where kind = 'incentives.recalculate'`,
    );
    expect(Number(runs.rows[0]!.n)).toBe(1);
  });

  // A replacement is a whole process start (module loading, the job queues, the HTTP server): on a
  // loaded two-core machine that alone took over 20 s, the old wait's bar. It now creates no job
  // queue (the primary did, jobs.service.ts), and the wait has the test's time, which allows for
  // a start as the suite's start-up hooks do.
  it('replaces a process killed with SIGKILL; the other serves meanwhile', async () => {
    printLogOnFailure();
    const [victim] = [...workerPids()];
    process.kill(victim!, 'SIGKILL');
    for (let i = 0; i < 10; i++) {
      const res = await admin.get('/api/v1/dealers').catch(() => null);
      // a request already sent to the killed process may fail; the service as a whole answers
      if (res) expect(res.status).toBe(200);
    }
    await waitFor('a replacement process', () =>
      [...workerPids()].filter((p) => p !== victim).length >= 2 ? true : undefined,
    );
    const answers = await Promise.all(Array.from({ length: 8 }, () => admin.get('/readyz')));
    for (const res of answers) expect(res.status).toBe(200);
    expect(server.exitCode).toBeNull();
  }, 180_000);
});
