/**
 * kill -9 of the sending process mid-burst loses no event: the API runs as a child process on a
 * PostgreSQL server database, a burst of events is committed, the child is killed with SIGKILL
 * while it sends, a new one is started, and the receiver sees every webhook-id at least once
 * (signatures verified), each entity's events first arriving in order.
 *
 * PostgreSQL server only: PGlite lives inside the test's own process, so there is no separate
 * sending process to kill (and nothing would survive killing this one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, messageId } from '../src/server/modules/webhooks/signing';
import { seedFixtures } from './helpers/fixtures';
import { createTestDb, type TestDb } from './helpers/test-app';
import { startReceiver, type Receiver } from './helpers/webhook-receiver';

const EVENTS = 300;
const PER_ENTITY = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  'webhooks survive kill -9 of the sender (PostgreSQL server only; PGlite has no separate sending process)',
  () => {
    let testDb: TestDb;
    let receiver: Receiver;
    let server: ChildProcess | null = null;
    let output = '';

    function startServer(): ChildProcess {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: testDb.url,
          HOST: '127.0.0.1',
          PORT: '0',
          DEMO_DEALERS: '0',
          LOG_LEVEL: 'error',
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          WEBHOOK_TIMEOUT_MS: '1000', // lease: 2 × 1 s + 5 s
          WEBHOOK_RETRY_BASE_MS: '100',
          WEBHOOK_CONCURRENCY: '4',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      return child;
    }

    beforeAll(async () => {
      testDb = await createTestDb('postgres');
      await seedFixtures(testDb.db);
      receiver = await startReceiver();
      receiver.behaviour.set('/kill', 'slow'); // 25 ms per answer: the burst takes a while
      const secret = generateSecret();
      receiver.secrets.set('/kill', secret);
      await testDb.db.query(
        `insert into webhook_subscriptions (url, event_types, secret, created_by)
         values ($1, '{agreement.approved}', $2, 'test')`,
        [`${receiver.url}/kill`, secret],
      );
    });

    afterAll(async () => {
      if (server && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server!.once('exit', r));
        server.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (server.exitCode === null) server.kill('SIGKILL');
      }
      await receiver?.close();
      await testDb?.drop();
    });

    it('delivers every event at least once after the sender is killed mid-burst', async () => {
      const dealer = await testDb.db.query<{ id: number }>(
        `select id from dealers where code = 'DLR-ALPHA'`,
      );
      // the burst: EVENTS events on EVENTS / PER_ENTITY entities, committed together
      await testDb.db.query(
        `select forecourt_emit_event('agreement.approved', $1, 'agreement', (i % $3)::text,
                jsonb_build_object('version', 1, 'seq', i))
           from generate_series(0, $2 - 1) i`,
        [dealer.rows[0]!.id, EVENTS, EVENTS / PER_ENTITY],
      );
      const { rows } = await testDb.db.query<{ id: string; entity: string }>(
        `select o.id::text as id, o.entity_id as entity from outbox o order by o.id`,
      );
      expect(rows).toHaveLength(EVENTS);
      const ids = rows.map((r) => messageId(r.id));
      const unique = () => new Set(receiver.received.map((r) => r.id)).size;

      server = startServer();
      await receiver.waitFor(() => unique() >= 40, 60_000);
      server.kill('SIGKILL');
      await new Promise((r) => server!.once('exit', r));
      const atKill = unique();
      expect(atKill).toBeLessThan(EVENTS); // killed mid-burst

      server = startServer();
      await receiver
        .waitFor(() => unique() >= EVENTS, 90_000)
        .catch((error: Error) => {
          throw new Error(`${error.message.slice(0, 300)}\n${output}`);
        });
      const seen = new Set(receiver.received.map((r) => r.id));
      expect(ids.filter((id) => !seen.has(id))).toEqual([]);
      expect(receiver.received.every((r) => r.isVerified)).toBe(true);

      // per entity, each event first arrived after the one before it
      const firstArrival = new Map<string, number>();
      receiver.received.forEach((r, i) => {
        if (!firstArrival.has(r.id)) firstArrival.set(r.id, i);
      });
      const byEntity = new Map<string, number[]>();
      for (const r of rows)
        byEntity.set(r.entity, [
          ...(byEntity.get(r.entity) ?? []),
          firstArrival.get(messageId(r.id))!,
        ]);
      for (const [entity, order] of byEntity)
        expect(order, entity).toEqual([...order].sort((a, b) => a - b));
      console.log(
        `kill -9 after ${atKill} of ${EVENTS} events; ${receiver.received.length - EVENTS} sent again after the restart`,
      );
    }, 180_000);
  },
);
