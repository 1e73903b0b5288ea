/**
 * Issue 12 item 5: an open event stream (GET /api/v1/events) ends within seconds when its
 * session is signed out or expires, or its API key is revoked, on whichever API process the
 * stream is open. Streams of other credentials stay open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDealerFeedKey, PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import {
  engines,
  json,
  login,
  startSecondApp,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

/** Within how long a stream must end after its credential goes ("within seconds"). */
const WITHIN_MS = 5_000;

/** An open stream; `ended` resolves when the server ends it. */
async function openStream(base: string, headers: Record<string, string>) {
  const res = await fetch(`${base}/api/v1/events`, { headers });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let isEnded = false;
  const ended = (async () => {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
    isEnded = true;
  })();
  return {
    isEnded: () => isEnded,
    /** Whether the stream ended within `ms`. */
    async endsWithin(ms: number) {
      const timeout = new Promise<'open'>((r) => setTimeout(() => r('open'), ms));
      return (await Promise.race([ended.then(() => 'ended' as const), timeout])) === 'ended';
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}

const asCookie = (client: Client) => ({ cookie: client.cookie! });
const asKey = (key: string) => ({ authorization: `Bearer ${key}` });

describe.each(engines())('revocation ends open event streams (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let bystander: Awaited<ReturnType<typeof openStream>>;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    bystander = await openStream(t.url, asCookie(await login(t.url, USERS.analyst, PASSWORD)));
  });
  afterAll(async () => {
    await bystander?.close();
    await t?.close();
  });

  it('ends the stream of a session that signs out', async () => {
    const dealer = await login(t.url, USERS.dealerA, PASSWORD);
    const other = await login(t.url, USERS.dealerA, PASSWORD); // a second session of the same user
    const stream = await openStream(t.url, asCookie(dealer));
    const otherStream = await openStream(t.url, asCookie(other));
    await json(await dealer.send('POST', '/api/v1/auth/logout'), 200);
    expect(await stream.endsWithin(WITHIN_MS)).toBe(true);
    expect(otherStream.isEnded()).toBe(false);
    expect(bystander.isEnded()).toBe(false);
    await otherStream.close();
  });

  it('ends the stream of a session that expires', async () => {
    const dealer = await login(t.url, USERS.dealerB, PASSWORD);
    const stream = await openStream(t.url, asCookie(dealer));
    expect(await stream.endsWithin(2_500)).toBe(false);
    await t.db.query(
      `update sessions set expires_at = now() - interval '1 second'
       where user_id = (select id from users where email = $1)`,
      [USERS.dealerB],
    );
    expect(await stream.endsWithin(WITHIN_MS)).toBe(true);
    expect(bystander.isEnded()).toBe(false);
  });

  it('ends the stream of a revoked API key, on another API process too', async () => {
    const second = await startSecondApp(t);
    try {
      const key = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed');
      const kept = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed, kept');
      const here = await openStream(t.url, asKey(key.key));
      const there = await openStream(second.url, asKey(key.key));
      const keptThere = await openStream(second.url, asKey(kept.key));
      await json(await admin.send('POST', `/api/v1/api-keys/${key.id}/revoke`), 200);
      expect(await here.endsWithin(WITHIN_MS)).toBe(true);
      expect(await there.endsWithin(WITHIN_MS)).toBe(true);
      expect(keptThere.isEnded()).toBe(false);
      await keptThere.close();
    } finally {
      await second.close();
    }
  });
});
