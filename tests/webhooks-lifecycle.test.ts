/**
 * Webhook subscriptions over time (issue 15, part 1), through the API on each engine: a secret
 * rotated keeps the previous one signing beside the new one for the grace window (a receiver
 * holding either verifies), then only the new one; every subscription change is in the audit log
 * without the secret; the retention job purges delivered deliveries, old dead letters and bare
 * outbox rows, and nothing pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { PURGE_JOB_KIND } from '../src/server/modules/webhooks/retention';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { startReceiver, type Receiver } from './helpers/webhook-receiver';

type Created = { id: number; secret: string; previousSecretUntil: string | null };

/** Whether `secret` verifies a received request. */
function verifies(secret: string, r: { body: string; headers: Record<string, string> }) {
  try {
    new Webhook(secret).verify(r.body, r.headers);
    return true;
  } catch {
    return false;
  }
}

for (const engine of engines()) {
  describe(`webhook subscriptions over time (${engine})`, () => {
    let t: TestApp;
    let admin: Client;
    let receiver: Receiver;

    async function ping(id: number) {
      const { eventId } = await json<{ eventId: string }>(
        await admin.send('POST', `/api/v1/webhooks/${id}/ping`),
        202,
      );
      await receiver.waitFor((r) => r.some((x) => x.id === eventId && x.status === 200));
      return receiver.received.find((x) => x.id === eventId)!;
    }

    beforeAll(async () => {
      t = await startTestApp(engine, {
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_TIMEOUT_MS: '2000',
      });
      await seedFixtures(t.db);
      receiver = await startReceiver();
      await t.services.webhooks.startDispatcher();
      admin = await login(t.url, USERS.admin, PASSWORD);
    });

    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('signs with the old and the new secret during the grace window, then with the new only', async () => {
      const created = await json<Created>(
        await admin.send('POST', '/api/v1/webhooks', {
          url: `${receiver.url}/rotating`,
          eventTypes: ['agreement.approved'],
        }),
        201,
      );
      const old = created.secret;
      expect(verifies(old, await ping(created.id))).toBe(true);

      const rotated = await json<Created>(
        await admin.send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, {
          graceHours: 2,
        }),
        200,
      );
      const fresh = rotated.secret;
      expect(fresh).toMatch(/^whsec_/);
      expect(fresh).not.toBe(old);
      const until = Date.parse(rotated.previousSecretUntil!);
      expect(until - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
      expect(until - Date.now()).toBeLessThan(2.1 * 3_600_000);
      // shown once: never read back
      const one = await json<Record<string, unknown>>(
        await admin.get(`/api/v1/webhooks/${created.id}`),
        200,
      );
      expect(one).not.toHaveProperty('secret');
      expect(one.previousSecretUntil).toBe(rotated.previousSecretUntil);
      expect(JSON.stringify(await json(await admin.get('/api/v1/webhooks'), 200))).not.toContain(
        fresh.slice(6),
      );

      // in the window: two signatures, a receiver with either secret verifies
      const during = await ping(created.id);
      expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(verifies(old, during)).toBe(true);
      expect(verifies(fresh, during)).toBe(true);
      expect(verifies('whsec_' + Buffer.from('x'.repeat(24)).toString('base64'), during)).toBe(
        false,
      );

      // the window ends: only the new secret signs
      await t.db.query(
        `update webhook_subscriptions set previous_secret_until = now() - interval '1 second' where id = $1`,
        [created.id],
      );
      const after = await ping(created.id);
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(verifies(fresh, after)).toBe(true);
      expect(verifies(old, after)).toBe(false);
      expect(
        (await json<Created>(await admin.get(`/api/v1/webhooks/${created.id}`), 200))
          .previousSecretUntil,
      ).toBeNull();

      // no grace: the previous secret stops at once (the body may be left out: 24 h by default)
      const noGrace = await json<Created>(
        await admin.send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, {
          graceHours: 0,
        }),
        200,
      );
      expect(noGrace.previousSecretUntil).toBeNull();
      const later = await ping(created.id);
      expect(verifies(noGrace.secret, later)).toBe(true);
      expect(verifies(fresh, later)).toBe(false);
      const byDefault = await json<Created>(
        await admin.send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`),
        200,
      );
      expect(Date.parse(byDefault.previousSecretUntil!) - Date.now()).toBeGreaterThan(23 * 3.6e6);

      // bad input and unknown subscriptions are 4xx; only administrators rotate
      expect(
        (
          await admin.send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, {
            graceHours: 1000,
          })
        ).status,
      ).toBe(400);
      expect((await admin.send('POST', '/api/v1/webhooks/99999/rotate-secret', {})).status).toBe(
        404,
      );
      const finance = await login(t.url, USERS.finance, PASSWORD);
      expect(
        (await finance.send('POST', `/api/v1/webhooks/${created.id}/rotate-secret`, {})).status,
      ).toBe(403);
    });

    it('records every subscription change in the audit log, never the secret', async () => {
      const secrets: string[] = [];
      const created = await json<Created>(
        await admin.send('POST', '/api/v1/webhooks', {
          url: `${receiver.url}/audited?token=s3cr3t-in-query`,
          eventTypes: ['agreement.approved'],
          description: 'ERP',
        }),
        201,
      );
      secrets.push(created.secret);
      const path = `/api/v1/webhooks/${created.id}`;
      await json(
        await admin.send('PATCH', path, {
          description: 'SAP',
          eventTypes: ['agreement.approved', 'statement.approved'],
        }),
        200,
      );
      await json(await admin.send('PATCH', path, { isEnabled: false }), 200);
      await json(await admin.send('PATCH', path, { isEnabled: true }), 200);
      await json(await admin.send('PATCH', path, { isEnabled: true }), 200); // no change: no entry
      secrets.push(
        (await json<Created>(await admin.send('POST', `${path}/rotate-secret`, {}), 200)).secret,
      );
      await json(await admin.send('DELETE', path), 200);
      // a refused change writes nothing
      expect((await admin.send('PATCH', path, { isEnabled: false })).status).toBe(404);

      const log = await json<{
        items: { kind: string; actorName: string; details: Record<string, unknown> }[];
      }>(await admin.get('/api/v1/audit-log?kind=webhook_subscription&limit=100'), 200);
      const mine = log.items.filter((i) => i.details.subscriptionId === created.id).reverse();
      expect(mine.map((i) => i.kind)).toEqual([
        'webhook_subscription.created',
        'webhook_subscription.updated',
        'webhook_subscription.disabled',
        'webhook_subscription.enabled',
        'webhook_subscription.secret_rotated',
        'webhook_subscription.deleted',
      ]);
      expect(mine[1]!.details).toMatchObject({
        changed: 'description eventTypes',
        eventTypes: 'agreement.approved statement.approved',
      });
      expect(mine[0]!.details.url).toBe(`${receiver.url}/audited`);
      expect(mine.every((i) => i.actorName)).toBe(true); // who did it
      const text = JSON.stringify(log);
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(6)); // nor its base64 without the prefix
      }
      expect(text).not.toContain('s3cr3t-in-query');
      // the raw rows hold no secret either
      const raw = await t.db.query<{ details: unknown }>(
        `select details from audit_log where kind like 'webhook_subscription.%'`,
      );
      for (const secret of secrets) expect(JSON.stringify(raw.rows)).not.toContain(secret.slice(6));
    });

    it('purges delivered deliveries after 30 days, dead letters after 90, bare events, never pending ones', async () => {
      const { id: sub } = await json<Created>(
        await admin.send('POST', '/api/v1/webhooks', {
          url: `${receiver.url}/retention`,
          eventTypes: ['agreement.approved'],
        }),
        201,
      );
      await json(await admin.send('PATCH', `/api/v1/webhooks/${sub}`, { isEnabled: false }), 200);
      /** An outbox row `age` days old, with a delivery in `state` (last touched `touched` days ago). */
      async function event(
        name: string,
        age: number,
        delivery?: { state: 'delivered' | 'dead' | 'pending'; touched: number },
      ) {
        const { rows } = await t.db.query<{ id: string }>(
          `insert into outbox (event_type, dealer_id, entity_type, entity_id, payload, created_at)
           values ('agreement.approved', null, 'retention', $1, '{"version":1}', now() - make_interval(days => $2))
           returning id::text`,
          [name, age],
        );
        const outboxId = rows[0]!.id;
        if (delivery) {
          const d = await t.db.query<{ id: string }>(
            `insert into webhook_deliveries (subscription_id, outbox_id, entity_key, state, attempts, created_at, delivered_at)
             values ($1, $2, 'retention:' || $3, $4, 1, now() - make_interval(days => $5),
                     case when $4 = 'delivered' then now() - make_interval(days => $6) end)
             returning id::text`,
            [sub, outboxId, name, delivery.state, age, delivery.touched],
          );
          await t.db.query(
            `insert into webhook_attempts (delivery_id, attempt, status_code, duration_ms, created_at)
             values ($1, 1, 500, 3, now() - make_interval(days => $2))`,
            [d.rows[0]!.id, delivery.touched],
          );
        }
      }
      await event('delivered-old', 40, { state: 'delivered', touched: 31 });
      await event('delivered-recent', 40, { state: 'delivered', touched: 10 });
      await event('dead-old', 100, { state: 'dead', touched: 91 });
      await event('dead-recent', 100, { state: 'dead', touched: 40 });
      await event('pending-old', 200, { state: 'pending', touched: 199 });
      await event('bare-old', 31);
      await event('bare-recent', 5);

      const job = await t.services.jobs.start({ actor: null, kind: PURGE_JOB_KIND, params: {} });
      await t.services.jobs.startWorkers();
      await t.services.jobs.settle(PURGE_JOB_KIND);
      const done = await t.services.jobs.getJob({ id: job.id });
      expect(done.status).toBe('succeeded');
      expect(done.result).toEqual({ deliveries: 2, outbox: 3 });

      const left = await t.db.query<{ entity_id: string; state: string | null; attempts: number }>(
        `select o.entity_id, d.state,
                (select count(*)::int from webhook_attempts a where a.delivery_id = d.id) as attempts
           from outbox o left join webhook_deliveries d on d.outbox_id = o.id
          where o.entity_type = 'retention' order by o.entity_id`,
      );
      expect(left.rows).toEqual([
        { entity_id: 'bare-recent', state: null, attempts: 0 },
        { entity_id: 'dead-recent', state: 'dead', attempts: 1 },
        { entity_id: 'delivered-recent', state: 'delivered', attempts: 1 },
        { entity_id: 'pending-old', state: 'pending', attempts: 1 },
      ]);
      const orphans = await t.db.query<{ n: number }>(
        `select count(*)::int as n from webhook_attempts a
          where not exists (select 1 from webhook_deliveries d where d.id = a.delivery_id)`,
      );
      expect(orphans.rows[0]!.n).toBe(0);
      // a second run finds nothing more
      expect(await t.services.webhooks.purge()).toEqual({ deliveries: 0, outbox: 0 });
    });
  });
}
