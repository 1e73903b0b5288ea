/**
 * DATABASE_READ_URL (issue 18): heavy reads go to a real streaming replica that this test builds
 * — a throwaway primary cluster (initdb) and its replica (pg_basebackup -R), both on free ports —
 * while the actor who just wrote reads its own write from the primary until the replica has
 * replayed it (in this process through the actor's note, in any process through the LSN it
 * carries back). Replica lag is made real by pausing WAL replay. A replica that goes away sends
 * reads to the primary. Needs the PostgreSQL server binaries (CI installs them) and runs where
 * TEST_DATABASE_URL is set, like the other server tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app';
import type { Db } from '../src/server/db/db';
import { migrate } from '../src/server/db/migrate';
import { openPostgres } from '../src/server/db/postgres';
import { createServices, type Services } from '../src/server/services';
import type { Actor } from '../src/server/auth/actor';
import { DEALER_A, DRAFTER } from './helpers/agreements';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { createProgram, json, login, testEnv, type Client } from './helpers/test-app';

const PG_ROOT = '/usr/lib/postgresql';
const bin = existsSync(PG_ROOT)
  ? readdirSync(PG_ROOT)
      .map((v) => join(PG_ROOT, v, 'bin'))
      .find((b) => existsSync(join(b, 'pg_basebackup')))
  : undefined;
const canRun = Boolean(process.env.TEST_DATABASE_URL && bin);

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

/** Runs a PostgreSQL binary as the postgres user (the server refuses to run as root). */
function pgRun(tool: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin!, tool), ...args]]
    : [join(bin!, tool), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!canRun)('heavy reads on a streaming read replica', () => {
  let dir = '';
  let primaryPort = 0;
  let replicaPort = 0;
  let primary: Db;
  let replica: Db;
  let app: FastifyInstance;
  let base = '';
  let writer: Client;
  let reader: Client;
  let services: Services;

  const clusterUrl = (port: number, db = 'postgres') =>
    `postgres://postgres@127.0.0.1:${port}/${db}`;
  const start = (data: string, port: number) =>
    pgRun('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, `${port}.log`),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    ]);

  async function replayed(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const p = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const r = await replica.query<{ ok: boolean }>(
        'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok',
        [p.rows[0]!.lsn],
      );
      if (r.rows[0]!.ok) return;
      await sleep(50);
    }
    throw new Error('the replica did not catch up');
  }

  /** The externalIds of DLR-ALPHA's rows from `source` that `client` reads through the list. */
  async function listed(client: Client, source: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}/api/v1/transactions?dealerCode=DLR-ALPHA&source=${source}`, {
      headers: { cookie: client.cookie!, ...headers },
    });
    const page = await json<{ items: { externalId: string }[] }>(res, 200);
    return page.items.map((t) => t.externalId).sort();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'forecourt-replica-'));
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
    primaryPort = await freePort();
    replicaPort = await freePort();
    const primaryData = join(dir, 'primary');
    const replicaData = join(dir, 'replica');
    pgRun('initdb', ['-D', primaryData, '-U', 'postgres', '--auth=trust', '--no-sync']);
    start(primaryData, primaryPort);
    pgRun('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaData,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    start(replicaData, replicaPort);
    const admin = await openPostgres(clusterUrl(primaryPort), 1);
    await admin.query('create database forecourt');
    await admin.close();
    primary = await openPostgres(clusterUrl(primaryPort, 'forecourt'), 5);
    await migrate(primary);
    await seedFixtures(primary);
    for (let i = 0; ; i++) {
      const r = await openPostgres(clusterUrl(replicaPort, 'forecourt'), 5).catch(() => null);
      if (r) {
        replica = r;
        break;
      }
      if (i > 100) throw new Error('the replica has no forecourt database');
      await sleep(100);
    }
    await replayed();
    const env = testEnv();
    services = createServices({ db: primary, env, replica });
    app = await buildApp({
      env,
      services,
      logger: false,
      serveWeb: false,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    writer = await login(base, USERS.admin, PASSWORD);
    reader = await login(base, USERS.channel, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await replica?.close();
    await primary?.close();
    for (const data of ['replica', 'primary']) {
      if (existsSync(join(dir, data)))
        try {
          pgRun('pg_ctl', ['-D', join(dir, data), '-m', 'immediate', '-w', 'stop']);
        } catch {
          // already stopped (the fallback test stops the replica)
        }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the writer reads its write at once while others read the lagging replica', async () => {
    await replica.query('select pg_wal_replay_pause()');
    const res = await writer.send('POST', '/api/v1/transactions', [
      txRow({ source: 'lag', externalId: 'LAG-1' }),
    ]);
    await json(res, 200);
    const lsn = res.headers.get('x-read-after-lsn');
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    // the writer: from the primary, as the replica has not replayed the write
    expect(await listed(writer, 'lag')).toEqual(['LAG-1']);
    // everyone else: from the replica, which lags
    expect(await listed(reader, 'lag')).toEqual([]);
    // another process knows nothing of the writer: the LSN it brings back holds there too
    expect(await listed(reader, 'lag', { 'x-read-after-lsn': lsn! })).toEqual(['LAG-1']);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/forecourt_lsn=/);

    await replica.query('select pg_wal_replay_resume()');
    await replayed();
    expect(await listed(reader, 'lag')).toEqual(['LAG-1']);
    expect(await listed(writer, 'lag')).toEqual(['LAG-1']);
  });

  it('reads the accuracy report and the roll-ups from the replica', async () => {
    await replica.query('select pg_wal_replay_pause()');
    await json(
      await writer.send('POST', '/api/v1/transactions', [
        txRow({ source: 'lag2', externalId: 'LAG-2', occurredOn: '2026-04-02' }),
      ]),
      200,
    );
    const monthly = async (client: Client) => {
      const body = await json<{ totals: { quantity: number }[] }>(
        await client.get(
          '/api/v1/dealers/DLR-ALPHA/actuals/monthly?from=2026-04&to=2026-04&kind=retail_delivery',
        ),
        200,
      );
      return body.totals[0]?.quantity ?? 0;
    };
    expect(await monthly(writer)).toBe(1);
    expect(await monthly(reader)).toBe(0);
    await replica.query('select pg_wal_replay_resume()');
    await replayed();
    expect(await monthly(reader)).toBe(1);
    const accuracy = await reader.get('/api/v1/forecasts/accuracy');
    expect(accuracy.status).toBe(200);
  });

  it('serves the agreement list from the replica, with the lifecycle shown there', async () => {
    // An agreement approved for a term that has ended (stored: active; shown: expired): the
    // replica is read-only, so a list that stored the move would fail there.
    const ids = await primary.query<{ id: number }>(
      `select id from dealers where code = 'DLR-ALPHA'`,
    );
    const dealer = { ...DEALER_A, scope: { ...DEALER_A.scope, dealerIds: [ids.rows[0]!.id] } };
    const s = services.agreements;
    let a = await s.createAgreement({
      actor: DRAFTER,
      data: {
        dealerCode: 'DLR-ALPHA',
        startMonth: '2020-01',
        months: 12,
        frequency: 'monthly',
        countedKinds: ['retail_delivery', 'unwind'],
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 12, spread: 'even' }],
      },
    });
    a = await s.transition({ actor: DRAFTER, id: a.id, transition: 'propose', version: a.version });
    a = await s.transition({
      actor: dealer as Actor,
      id: a.id,
      transition: 'accept',
      version: a.version,
    });
    await primary.query(
      `update agreements set status = 'active', approved_version = 1 where id = $1`,
      [a.id],
    );
    await replayed();
    const listed = async (client: Client, query = '') =>
      (
        await json<{ items: { code: string; status: string }[] }>(
          await client.get(`/api/v1/agreements${query}`),
          200,
        )
      ).items.map((x) => `${x.code}:${x.status}`);
    expect(await listed(reader)).toEqual([`${a.code}:expired`]);
    expect(await listed(reader, '?status=expired')).toEqual([`${a.code}:expired`]);

    // Lag: the writer's new draft is on the primary only; the writer sees it, others do not yet.
    await replica.query('select pg_wal_replay_pause()');
    const draft = await json<{ code: string }>(
      await writer.send('POST', '/api/v1/agreements', {
        dealerCode: 'DLR-BRAVO',
        startMonth: '2027-01',
        months: 12,
        frequency: 'monthly',
        countedKinds: ['retail_delivery'],
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 12, spread: 'even' }],
      }),
      201,
    );
    expect(await listed(writer, '?status=draft')).toEqual([`${draft.code}:draft`]);
    expect(await listed(reader, '?status=draft')).toEqual([]);
    const rollup = async (client: Client) =>
      (
        await json<{ items: { agreements: number }[] }>(
          await client.get('/api/v1/agreements/rollup?by=model_line&status=draft'),
          200,
        )
      ).items.reduce((n, i) => n + i.agreements, 0);
    expect(await rollup(writer)).toBe(1);
    expect(await rollup(reader)).toBe(0);
    await replica.query('select pg_wal_replay_resume()');
    await replayed();
    expect(await listed(reader, '?status=draft')).toEqual([`${draft.code}:draft`]);
  });

  it('serves the incentive statement lists (OEM and dealer) from the replica', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    await createProgram(writer, {
      code: 'REPLICA-UNITS',
      name: 'Units on the replica',
      currency: 'USD',
      startDate: `${today.slice(0, 4)}-01-01`,
      endDate: `${today.slice(0, 4)}-12-31`,
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      measure: 'units',
      tiers: [{ from: '0', value: '100' }],
      benefit: 'per_unit',
    });
    const dealerA = await login(base, USERS.dealerA, PASSWORD);
    await replayed();
    const due = async (client: Client) => {
      const list = await json<{ items: { dealerCode: string; lineCount: number }[] }>(
        await client.get(`/api/v1/programs/REPLICA-UNITS/statements?period=${month}`),
        200,
      );
      return list.items.find((i) => i.dealerCode === 'DLR-ALPHA')?.lineCount ?? 0;
    };
    const periodCount = async (client: Client) => {
      const periods = await json<{ items: { period: string; status: string }[] }>(
        await client.get('/api/v1/programs/REPLICA-UNITS/periods'),
        200,
      );
      return periods.items.length;
    };
    const before = await due(reader);
    expect(await due(dealerA)).toBe(before);
    expect(await periodCount(dealerA)).toBe(12);

    await replica.query('select pg_wal_replay_pause()');
    await json(
      await writer.send('POST', '/api/v1/transactions', [
        txRow({ source: 'lag3', externalId: 'LAG-3', occurredOn: today }),
      ]),
      200,
    );
    // the writer (OEM) reads its sale from the primary; the OEM reader and the dealer, the replica
    expect(await due(writer)).toBe(before + 1);
    expect(await due(reader)).toBe(before);
    expect(await due(dealerA)).toBe(before);
    await replica.query('select pg_wal_replay_resume()');
    await replayed();
    expect(await due(reader)).toBe(before + 1);
    expect(await due(dealerA)).toBe(before + 1);
  });

  it('a write request reads the primary: an approval sees the period another user just closed', async () => {
    await createProgram(writer, {
      code: 'REPLICA-PAST',
      name: 'A past program',
      currency: 'USD',
      startDate: '2025-01-01',
      endDate: '2025-12-31',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      measure: 'units',
      tiers: [{ from: '0', value: '100' }],
      benefit: 'per_unit',
    });
    const finance = await login(base, USERS.finance, PASSWORD);
    await replayed();
    await replica.query('select pg_wal_replay_pause()');
    await json(
      await finance.send('POST', '/api/v1/programs/REPLICA-PAST/periods/close', {
        period: '2025-01',
      }),
      200,
    );
    // the writer has nothing pending: its GET reads the lagging replica (still open) ...
    const periods = await json<{ items: { period: string; status: string }[] }>(
      await writer.get('/api/v1/programs/REPLICA-PAST/periods'),
      200,
    );
    expect(periods.items.find((p) => p.period === '2025-01')?.status).toBe('open');
    // ... but its approval decides on the primary, where the period is closed
    await json(
      await writer.send('POST', '/api/v1/programs/REPLICA-PAST/periods/approve', {
        period: '2025-01',
      }),
      200,
    );
    await replica.query('select pg_wal_replay_resume()');
    await replayed();
  });

  it('reads from the primary when the replica is gone', async () => {
    pgRun('pg_ctl', ['-D', join(dir, 'replica'), '-m', 'immediate', '-w', 'stop']);
    await json(
      await writer.send('POST', '/api/v1/transactions', [
        txRow({ source: 'gone', externalId: 'GONE-1' }),
      ]),
      200,
    );
    expect(await listed(reader, 'gone')).toEqual(['GONE-1']);
  });
});

describe('the replica test in CI', () => {
  it.runIf(Boolean(process.env.CI && process.env.TEST_DATABASE_URL))(
    'has the PostgreSQL server binaries it needs (so it cannot skip there)',
    () => {
      expect(bin, `no pg_basebackup under ${PG_ROOT}`).toBeDefined();
    },
  );
});
