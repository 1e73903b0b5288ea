/**
 * Events and webhooks (issue 15, part 1) through the API on each engine: a local receiver verifies
 * every Standard Webhooks signature; changes made in the app arrive signed and in order per
 * entity; a 500 is retried; a 410 disables the subscription and dead-letters the delivery; a
 * subscriber scoped to dealer group G never receives another dealer's event; an event exists only
 * if its change committed; unsafe targets are refused at creation and at send time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createWebhooksService } from '../src/server/modules/webhooks/webhooks.service';
import { postWebhook } from '../src/server/modules/webhooks/sender';
import { WEBHOOK_EVENT_TYPES } from '../src/shared/schemas/webhooks';
import { activeAgreementForA, DRAFTER } from './helpers/agreements';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { startReceiver, type Receiver } from './helpers/webhook-receiver';

type Created = { id: number; secret: string; url: string; isEnabled: boolean };

for (const engine of engines()) {
  describe(`webhooks (${engine})`, () => {
    let t: TestApp;
    let admin: Client;
    let receiver: Receiver;

    /** Subscribes `path` of the receiver and registers its secret there. */
    async function subscribe(
      path: string,
      eventTypes: string[],
      extra: Record<string, unknown> = {},
    ): Promise<Created> {
      const created = await json<Created>(
        await admin.send('POST', '/api/v1/webhooks', {
          url: receiver.url + path,
          eventTypes,
          description: path,
          ...extra,
        }),
        201,
      );
      receiver.secrets.set(path, created.secret);
      return created;
    }

    let year = 2030;
    /** A proposed agreement (each in a year of its own: agreements of a dealer may not overlap). */
    async function draftAndPropose(dealerCode: string) {
      year += 1;
      const a = await t.services.agreements.createAgreement({
        actor: DRAFTER,
        data: {
          dealerCode,
          startMonth: `${year}-01`,
          months: 12,
          frequency: 'monthly',
          countedKinds: ['retail_delivery', 'unwind'],
          lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 12, spread: 'even' }],
        },
      });
      return t.services.agreements.transition({
        actor: DRAFTER,
        id: a.id,
        transition: 'propose',
        version: a.version,
      });
    }

    beforeAll(async () => {
      t = await startTestApp(engine, {
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_MAX_ATTEMPTS: '3',
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

    it('shows the whsec_ secret once, and only administrators manage subscriptions', async () => {
      const created = await subscribe('/ping', ['agreement.approved']);
      expect(created.secret).toMatch(/^whsec_/);
      const list = await json<{ items: Record<string, unknown>[] }>(
        await admin.get('/api/v1/webhooks'),
        200,
      );
      expect(JSON.stringify(list)).not.toContain(created.secret);
      const one = await json(await admin.get(`/api/v1/webhooks/${created.id}`), 200);
      expect(one).not.toHaveProperty('secret');
      const finance = await login(t.url, USERS.finance, PASSWORD);
      expect((await finance.get('/api/v1/webhooks')).status).toBe(403);
      const dealer = await login(t.url, USERS.dealerA, PASSWORD);
      expect((await dealer.get(`/api/v1/webhooks/${created.id}`)).status).toBe(403);

      // the test ping arrives signed
      const ping = await json<{ eventId: string }>(
        await admin.send('POST', `/api/v1/webhooks/${created.id}/ping`),
        202,
      );
      await receiver.waitFor((r) => r.some((x) => x.id === ping.eventId));
      const got = receiver.received.find((x) => x.id === ping.eventId)!;
      expect(got).toMatchObject({ path: '/ping', type: 'webhook.ping', isVerified: true });
      await json(await admin.send('DELETE', `/api/v1/webhooks/${created.id}`), 200);
    });

    it('delivers an approval made in the app, signed, and retries a 500 in order per entity', async () => {
      const types = [
        'agreement.proposed',
        'agreement.accepted',
        'agreement.approved',
        'agreement.activated',
      ];
      await subscribe('/all', types);
      receiver.behaviour.set('/flaky', 'flaky');
      const flaky = await subscribe('/flaky', types);
      const agreement = await activeAgreementForA(t.services);
      // its term has started, so the approval makes it active at once
      expect(agreement.status).toBe('active');
      const expected = ['agreement.proposed', 'agreement.accepted', 'agreement.activated'];
      const ofAgreement = (path: string) =>
        receiver.received.filter(
          (r) => r.path === path && r.data.agreementId === agreement.id && r.status === 200,
        );
      await receiver.waitFor(
        () => ofAgreement('/all').length === 3 && ofAgreement('/flaky').length === 3,
      );
      for (const path of ['/all', '/flaky']) {
        const got = ofAgreement(path);
        expect(got.map((r) => r.type)).toEqual(expected); // in the order of the changes
        expect(got.every((r) => r.isVerified)).toBe(true);
        expect(got[2]!.data).toMatchObject({
          version: 1,
          agreementCode: agreement.code,
          dealerCode: 'DLR-ALPHA',
          status: 'active',
          links: { agreement: `/api/v1/agreements/${agreement.id}` },
        });
      }
      // every flaky delivery was answered 500 once, then 200: same webhook-id both times
      const flakyAll = receiver.received.filter(
        (r) => r.path === '/flaky' && r.data.agreementId === agreement.id,
      );
      expect(flakyAll.map((r) => r.status)).toEqual([500, 200, 500, 200, 500, 200]);
      expect(flakyAll[0]!.id).toBe(flakyAll[1]!.id);

      // the delivery log has both attempts with their status codes and the answer's body
      // (the receiver answers before the sender records the answer: read until recorded)
      let log = { items: [] as { id: number; state: string; attempts: number }[] };
      for (let i = 0; i < 100; i++) {
        log = await json(await admin.get(`/api/v1/webhooks/${flaky.id}/deliveries`), 200);
        if (log.items.every((d) => d.state !== 'pending')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(log.items.map((d) => [d.state, d.attempts])).toEqual([
        ['delivered', 2],
        ['delivered', 2],
        ['delivered', 2],
      ]);
      const detail = await json<{ attemptLog: { statusCode: number; responseBody: string }[] }>(
        await admin.get(`/api/v1/webhooks/deliveries/${log.items[0]!.id}`),
        200,
      );
      expect(detail.attemptLog.map((a) => [a.statusCode, a.responseBody])).toEqual([
        [500, 'try later'],
        [200, 'ok'],
      ]);
    });

    it('disables the subscription on 410, dead-letters the delivery, and replays it', async () => {
      receiver.behaviour.set('/gone', 'gone');
      const gone = await subscribe('/gone', ['agreement.proposed']);
      const a = await draftAndPropose('DLR-BRAVO');
      await receiver.waitFor((r) =>
        r.some((x) => x.path === '/gone' && x.data.agreementId === a.id),
      );
      let sub = await json<{ isEnabled: boolean; disabledReason: string }>(
        await admin.get(`/api/v1/webhooks/${gone.id}`),
        200,
      );
      for (let i = 0; sub.isEnabled && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        sub = await json(await admin.get(`/api/v1/webhooks/${gone.id}`), 200);
      }
      expect(sub.isEnabled).toBe(false);
      expect(sub.disabledReason).toMatch(/410/);
      const dead = await json<{
        items: { id: number; subscriptionId: number; lastStatusCode: number }[];
      }>(await admin.get('/api/v1/webhooks/dead-letters'), 200);
      const letter = dead.items.find((d) => d.subscriptionId === gone.id)!;
      expect(letter.lastStatusCode).toBe(410);

      // replay after the receiver is back and the subscription enabled again: same webhook-id
      receiver.behaviour.set('/gone', 'ok');
      await json(
        await admin.send('PATCH', `/api/v1/webhooks/${gone.id}`, { isEnabled: true }),
        200,
      );
      const replayed = await json<{ state: string; eventId: string }>(
        await admin.send('POST', `/api/v1/webhooks/deliveries/${letter.id}/replay`),
        200,
      );
      expect(replayed.state).toBe('pending');
      await receiver.waitFor((r) =>
        r.some((x) => x.path === '/gone' && x.id === replayed.eventId && x.status === 200),
      );
    });

    it('gives up after the last attempt: the delivery is a dead letter', async () => {
      receiver.behaviour.set('/down', 'gone');
      const down = await subscribe('/down', ['agreement.proposed']);
      // 500 forever: the flaky mode answers 500 only once, so point at a closed port instead
      await json(
        await admin.send('PATCH', `/api/v1/webhooks/${down.id}`, {
          url: 'http://127.0.0.1:9/closed',
        }),
        200,
      );
      await draftAndPropose('DLR-ALPHA');
      let items: { state: string; attempts: number }[] = [];
      for (let i = 0; i < 200; i++) {
        ({ items } = await json(await admin.get(`/api/v1/webhooks/${down.id}/deliveries`), 200));
        if (items[0]?.state === 'dead') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(items[0]).toMatchObject({ state: 'dead', attempts: 3 });
    });

    it("never sends another dealer's event to a subscriber scoped to dealer group G1", async () => {
      const types = [
        'agreement.proposed',
        'payout_batch.built',
        'allocation_run.published',
        'allocation.declined',
        'integrity_flag.opened',
        'integrity_flag.dismissed',
      ];
      const scoped = await subscribe('/g1', types, { dealerGroupCode: 'G1' });
      await subscribe('/every', types);
      const ofA = await draftAndPropose('DLR-ALPHA');
      const ofB = await draftAndPropose('DLR-BRAVO');
      const ofC = await draftAndPropose('DLR-CHARLIE'); // in G1 too
      // a network event (no dealer) goes to unscoped subscriptions only
      await t.db.query(
        `select forecourt_emit_event('payout_batch.built', null, 'payout_batch', '999', '{"version":1}'::jsonb)`,
      );
      // allocations and integrity flags of Alpha (in G1) and Bravo (not), by their triggers
      await t.db.query(
        `insert into allocation_runs (code, month, model_line_id, status, supply, formula, created_by)
         values ('AL-G1', '2026-06-01', (select id from model_lines where code = 'ML-AURA'), 'published', '[]', '{}', 't')`,
      );
      await t.db.query(
        `insert into allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, inputs, explanation)
         select r.id, 0, d.id, s.id, 2, 2, '{}', 'x' from allocation_runs r, dealers d, skus s
          where r.code = 'AL-G1' and d.code in ('DLR-ALPHA', 'DLR-BRAVO') and s.code = 'AURA-LX-ICE'`,
      );
      await t.db.query(
        `insert into allocation_rounds (run_id, round, supply, accept_until, published_by)
         select id, 0, '[]', '2026-06-10', 't' from allocation_runs where code = 'AL-G1'`,
      );
      await t.db.query(`update allocation_results set decision = 'declined'`);
      for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO'])
        await t.db.query(
          `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
           values ((select id from dealers where code = $1), 'unwind_rate', 'scope-' || $1, '2026-03-31', 's', '{}', 10)`,
          [dealer],
        );
      await t.db.query(`update integrity_flags set status = 'dismissed', reason = 'x'`);
      /** What arrived at `path`, once per webhook-id (delivery is at least once). */
      const got = (path: string) => [
        ...new Map(
          receiver.received
            .filter((x) => x.path === path && x.status === 200)
            .map((x) => [x.id, `${x.type} ${String(x.data.dealerCode)}`]),
        ).values(),
      ];
      const later = [
        'allocation_run.published',
        'allocation.declined',
        'integrity_flag.opened',
        'integrity_flag.dismissed',
      ];
      const bravo = later.map((type) => `${type} DLR-BRAVO`);
      await receiver.waitFor(
        (r) =>
          [ofA.id, ofB.id, ofC.id].every((id) =>
            r.some((x) => x.path === '/every' && x.data.agreementId === id),
          ) &&
          r.some((x) => x.path === '/every' && x.type === 'payout_batch.built') &&
          bravo.every((b) => got('/every').includes(b)),
      );
      await receiver.waitFor(() => got('/g1').length >= 6);
      expect(got('/g1').sort()).toEqual(
        [
          'agreement.proposed DLR-ALPHA',
          'agreement.proposed DLR-CHARLIE',
          ...later.map((type) => `${type} DLR-ALPHA`),
        ].sort(),
      );
      // and nothing is even queued for it
      const { rows } = await t.db.query<{ n: number }>(
        `select count(*)::int as n from webhook_deliveries d join outbox o on o.id = d.outbox_id
          where d.subscription_id = $1 and (o.dealer_id is null or o.dealer_id not in
                (select id from dealers where dealer_group_id = (select id from dealer_groups where code = 'G1')))`,
        [scoped.id],
      );
      expect(rows[0]!.n).toBe(0);
    });

    it('writes no event when the change rolls back', async () => {
      const a = await draftAndPropose('DLR-BRAVO');
      const count = async () =>
        (
          await t.db.query<{ n: number }>(
            `select count(*)::int as n from outbox where entity_type = 'agreement' and entity_id = $1`,
            [String(a.id)],
          )
        ).rows[0]!.n;
      const before = await count();
      expect(before).toBe(1); // agreement.proposed
      await expect(
        t.db.transaction(async (tx) => {
          await tx.query(`update agreements set status = 'cancelled' where id = $1`, [a.id]);
          expect(
            (
              await tx.query<{ n: number }>(
                `select count(*)::int as n from outbox where entity_type = 'agreement' and entity_id = $1`,
                [String(a.id)],
              )
            ).rows[0]!.n,
          ).toBe(before + 1); // written in the change's transaction…
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await count()).toBe(before); // …and gone with it
      await t.services.agreements.transition({
        actor: DRAFTER,
        id: a.id,
        transition: 'cancel',
        version: a.version,
        comment: 'no longer needed',
      });
      expect(await count()).toBe(before + 1);
    });

    it('documents every event type and its payload in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as {
        webhooks: Record<
          string,
          {
            post: {
              parameters: { name: string }[];
              requestBody: {
                content: Record<
                  string,
                  { schema: { properties: { data: { properties: Record<string, unknown> } } } }
                >;
              };
            };
          }
        >;
      };
      expect(Object.keys(doc.webhooks).sort()).toEqual(
        [...WEBHOOK_EVENT_TYPES, 'webhook.ping'].sort(),
      );
      const approved = doc.webhooks['agreement.approved']!.post;
      expect(approved.parameters.map((p) => p.name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ]);
      const data = approved.requestBody.content['application/json']!.schema.properties.data;
      expect(Object.keys(data.properties)).toEqual(
        expect.arrayContaining(['version', 'links', 'agreementId', 'dealerCode']),
      );
    });

    it('refuses unsafe targets at creation and at send time', async () => {
      const strict = createWebhooksService({
        db: t.db,
        config: {
          timeoutMs: 1000,
          retryBaseMs: 50,
          maxAttempts: 1,
          allowPrivate: false,
          concurrency: 1,
          idlePollMs: 1000,
        },
      });
      for (const url of [
        `${receiver.url}/x`,
        'http://localhost/x',
        'http://[::1]/x',
        'http://169.254.169.254/latest/meta-data',
        'ftp://example.com/x',
      ])
        await expect(
          strict.createSubscription({
            actor: SYSTEM_ACTOR,
            data: { url, eventTypes: ['agreement.approved'], description: '' },
          }),
          url,
        ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const sent = await postWebhook({
        url: `${receiver.url}/x`,
        headers: {},
        body: '{}',
        timeoutMs: 1000,
        allowPrivate: false,
      });
      expect(sent.statusCode).toBeNull();
      expect(sent.error).toMatch(/refused/);
      const byName = await postWebhook({
        url: `${receiver.url.replace('127.0.0.1', 'localhost')}/x`,
        headers: {},
        body: '{}',
        timeoutMs: 1000,
        allowPrivate: false,
      });
      expect(byName.error).toMatch(/refused|private/);
      expect(receiver.received.filter((r) => r.path === '/x')).toEqual([]);
      // bad input through the API is a 400 naming the field
      const bad = await json<{ code: string }>(
        await admin.send('POST', '/api/v1/webhooks', {
          url: 'gopher://x',
          eventTypes: ['agreement.approved'],
        }),
        400,
      );
      expect(bad.code).toBe('VALIDATION_FAILED');
    });
  });
}
