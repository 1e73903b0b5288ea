/**
 * Issue 18: each API process keeps a signed-in actor for a few seconds (modules/auth/
 * credential-cache.ts), and revocation stays immediate: a logout, a deactivation, a password
 * reset or a revoked key answers 401 on the very next request to the process that made the
 * change, and on every other process as soon as the change's announcement reaches it (PostgreSQL
 * signals every listener at the commit; delivery is asynchronous, so the test waits for the other
 * process to have heard it, `settle()`, before asking there: CI once asked first and got 200).
 * Two apps on one database; on the PostgreSQL server each has its own connections and LISTEN.
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

describe.each(engines())('signed-in actors kept in process, revoked at once (%s)', (engine) => {
  let t: TestApp;
  let second: Awaited<ReturnType<typeof startSecondApp>>;
  let admin: Client;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    second = await startSecondApp(t);
    admin = await login(t.url, USERS.admin, PASSWORD);
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  const on = (base: string, headers: Record<string, string>) =>
    fetch(`${base}/api/v1/auth/me`, { headers }).then((res) => res.status);
  const cookieOf = (client: Client) => ({ cookie: client.cookie! });
  /** Waits until the process that did not make the change has heard its announcement. */
  const heardBy = (app: { services: TestApp['services'] }) => app.services.auth.settle();

  /** Signs in and reads once on each process, so both keep the actor. */
  async function signedInOnBoth(email: string) {
    const client = await login(t.url, email, PASSWORD);
    expect(await on(t.url, cookieOf(client))).toBe(200);
    expect(await on(second.url, cookieOf(client))).toBe(200);
    return client;
  }

  async function userId(email: string) {
    const { rows } = await t.db.query<{ id: number }>('select id from users where email = $1', [
      email,
    ]);
    return rows[0]!.id;
  }

  it('serves a kept actor without the session row (the control: no announcement, no drop)', async () => {
    const client = await signedInOnBoth(USERS.analyst);
    expect(t.services.auth.cachedActors).toBeGreaterThan(0);
    expect(second.services.auth.cachedActors).toBeGreaterThan(0);
    // the session goes without its announcement: both processes still serve the kept actor
    await t.db.exec('alter table sessions disable trigger sessions_notify_auth');
    try {
      await t.db.query(
        'delete from sessions where user_id = (select id from users where email = $1)',
        [USERS.analyst],
      );
    } finally {
      await t.db.exec('alter table sessions enable trigger sessions_notify_auth');
    }
    expect(await on(t.url, cookieOf(client))).toBe(200);
    expect(await on(second.url, cookieOf(client))).toBe(200);
    // an announcement to drop everything (any change of what scopes are made of) reaches both
    await t.db.query(`select pg_notify('forecourt_auth', '*')`);
    await t.services.auth.settle();
    await second.services.auth.settle();
    expect(await on(t.url, cookieOf(client))).toBe(401);
    expect(await on(second.url, cookieOf(client))).toBe(401);
  });

  it('answers 401 on the next request after a logout, on both processes', async () => {
    const client = await signedInOnBoth(USERS.dealerA);
    const other = await signedInOnBoth(USERS.dealerA); // another session of the same user
    await json(await client.send('POST', '/api/v1/auth/logout'), 200);
    expect(await on(t.url, cookieOf(client))).toBe(401);
    await heardBy(second);
    expect(await on(second.url, cookieOf(client))).toBe(401);
    // the other session stays
    expect(await on(second.url, cookieOf(other))).toBe(200);
    expect(await on(t.url, cookieOf(other))).toBe(200);

    // signed out through the other process
    await json(
      await fetch(`${second.url}/api/v1/auth/logout`, {
        method: 'POST',
        headers: { ...cookieOf(other), 'x-csrf-token': other.csrfToken! },
      }),
      200,
    );
    expect(await on(second.url, cookieOf(other))).toBe(401);
    await heardBy(t);
    expect(await on(t.url, cookieOf(other))).toBe(401);
  });

  it('answers 401 at once after a deactivation or a password reset, on both processes', async () => {
    const id = await userId(USERS.dealerB);
    const client = await signedInOnBoth(USERS.dealerB);
    await json(await admin.send('PATCH', `/api/v1/users/${id}`, { isActive: false }), 200);
    expect(await on(t.url, cookieOf(client))).toBe(401);
    await heardBy(second);
    expect(await on(second.url, cookieOf(client))).toBe(401);
    await json(await admin.send('PATCH', `/api/v1/users/${id}`, { isActive: true }), 200);

    const again = await signedInOnBoth(USERS.dealerB);
    const password = 'Another-long-passphrase-for-b-42';
    await json(await admin.send('PATCH', `/api/v1/users/${id}`, { password }), 200);
    expect(await on(t.url, cookieOf(again))).toBe(401);
    await heardBy(second);
    expect(await on(second.url, cookieOf(again))).toBe(401);
  });

  it('sees a role changed in SQL once the change is announced, on both processes', async () => {
    const client = await signedInOnBoth(USERS.finance);
    await t.db.query(`update users set role = 'analyst' where email = $1`, [USERS.finance]);
    await t.services.auth.settle();
    await second.services.auth.settle();
    for (const base of [t.url, second.url]) {
      const me = await json<{ role: string }>(
        await fetch(`${base}/api/v1/auth/me`, { headers: cookieOf(client) }),
        200,
      );
      expect(me.role).toBe('analyst');
    }
    await t.db.query(`update users set role = 'finance' where email = $1`, [USERS.finance]);
  });

  it('answers 401 at once for a revoked API key, on both processes', async () => {
    const key = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed');
    const kept = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed, kept');
    const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
    const path = '/api/v1/transactions?limit=1';
    const status = (base: string, k: string) =>
      fetch(base + path, { headers: bearer(k) }).then((res) => res.status);
    for (const base of [t.url, second.url]) {
      expect(await status(base, key.key)).toBe(200);
      expect(await status(base, kept.key)).toBe(200);
    }
    await json(await admin.send('POST', `/api/v1/api-keys/${key.id}/revoke`), 200);
    await heardBy(second);
    for (const base of [t.url, second.url]) {
      expect(await status(base, key.key)).toBe(401);
      expect(await status(base, kept.key)).toBe(200);
    }
  });
});
