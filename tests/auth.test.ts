import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, engines, login, startTestApp, type TestApp } from './helpers/test-app';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';

type ErrorBody = {
  code: string;
  message: string;
  details: { problems?: { path?: string; code: string }[] };
};

async function tryLogin(url: string, email: string, password: string) {
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

describe.each(engines())('accounts, sessions and keys (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { LOGIN_RATE_LIMIT_PER_MINUTE: '8' });
    await seedFixtures(t.db);
  });
  afterAll(async () => t?.close());

  it('stores argon2id hashes and refuses a wrong password with 401', async () => {
    const { rows } = await t.db.query<{ password_hash: string }>(
      'select password_hash from users where email = $1',
      [USERS.admin],
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    const res = await tryLogin(t.url, USERS.admin, 'wrong-password');
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).code).toBe('INVALID_CREDENTIALS');
    const unknown = await tryLogin(t.url, 'nobody@test.local', 'whatever-123');
    expect(unknown.status).toBe(401);
  });

  it('sets an HttpOnly SameSite cookie and demands the CSRF token on cookie writes', async () => {
    const res = await tryLogin(t.url, USERS.channel, PASSWORD);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const session = cookie.split(';')[0]!;
    const me = (await res.json()) as { csrfToken: string; role: string; permissions: string[] };
    expect(me.role).toBe('channel_manager');
    expect(me.permissions).toContain('network:write');
    const body = JSON.stringify({ code: 'G9', name: 'New Group' });
    const without = await fetch(`${t.url}/api/v1/dealer-groups`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/json' },
      body,
    });
    expect(without.status).toBe(403);
    expect(((await without.json()) as ErrorBody).code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await fetch(`${t.url}/api/v1/dealer-groups`, {
      method: 'POST',
      headers: { cookie: session, 'x-csrf-token': 'nope', 'content-type': 'application/json' },
      body,
    });
    expect(wrong.status).toBe(403);
    const withToken = await fetch(`${t.url}/api/v1/dealer-groups`, {
      method: 'POST',
      headers: {
        cookie: session,
        'x-csrf-token': me.csrfToken,
        'content-type': 'application/json',
      },
      body,
    });
    expect(withToken.status).toBe(201);
  });

  it('expires sessions and ends them on logout', async () => {
    const client = await login(t.url, USERS.analyst, PASSWORD);
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
    await t.db.query(
      `update sessions set expires_at = now() - interval '1 minute' where user_id = (select id from users where email = $1)`,
      [USERS.analyst],
    );
    // a change made outside the app reaches the credential cache through its LISTEN: wait for it
    await t.services.auth.settle();
    const expired = await client.get('/api/v1/auth/me');
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as ErrorBody).code).toBe('SESSION_EXPIRED');
    const again = await login(t.url, USERS.analyst, PASSWORD);
    expect((await again.send('POST', '/api/v1/auth/logout')).status).toBe(200);
    expect((await again.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('refuses writes a role may not do, with the permission named', async () => {
    const analyst = await login(t.url, USERS.analyst, PASSWORD);
    const res = await analyst.send('POST', '/api/v1/dealer-groups', { code: 'G8', name: 'x' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      code: 'FORBIDDEN',
      details: { permission: 'network:write' },
    });
  });

  it('keeps a regional manager inside the region and a group principal on its group', async () => {
    const west = await login(t.url, USERS.regionalWest, PASSWORD);
    const dealers = (await (await west.get('/api/v1/dealers')).json()) as {
      items: { code: string }[];
    };
    expect(dealers.items.map((d) => d.code)).toEqual(['DLR-ALPHA', 'DLR-CHARLIE']);
    expect((await west.get('/api/v1/dealers/DLR-BRAVO')).status).toBe(404);
    const group = await login(t.url, USERS.groupAC, PASSWORD);
    const mine = (await (await group.get('/api/v1/dealers')).json()) as {
      items: { code: string }[];
    };
    expect(mine.items.map((d) => d.code)).toEqual(['DLR-ALPHA', 'DLR-CHARLIE']);
    const me = (await (await group.get('/api/v1/auth/me')).json()) as {
      scope: { kind: string; dealerCodes: string[] };
    };
    expect(me.scope).toMatchObject({ kind: 'dealers', dealerCodes: ['DLR-ALPHA', 'DLR-CHARLIE'] });
  });

  it('creates an API key shown once, stored hashed, usable as Bearer and revocable', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    const created = (await (
      await admin.send('POST', '/api/v1/api-keys', { name: 'ERP feed', role: 'integration' })
    ).json()) as { id: number; key: string; prefix: string };
    expect(created.key).toMatch(/^fc_[a-z0-9]{8}_/);
    const stored = await t.db.query<{ key_hash: string }>(
      'select key_hash from api_keys where id = $1',
      [created.id],
    );
    expect(stored.rows[0]!.key_hash).not.toContain(created.key);
    const listed = await (await admin.get('/api/v1/api-keys')).text();
    expect(listed).not.toContain(created.key);
    const client = bearer(t.url, created.key);
    expect((await client.get('/api/v1/dealers')).status).toBe(200);
    expect(
      (await client.send('POST', '/api/v1/dealer-groups', { code: 'G7', name: 'x' })).status,
    ).toBe(403);
    expect((await admin.send('POST', `/api/v1/api-keys/${created.id}/revoke`)).status).toBe(200);
    const revoked = await client.get('/api/v1/dealers');
    expect(revoked.status).toBe(401);
    expect(
      (await bearer(t.url, 'fc_abcdefgh_notarealkeyatallnotreal').get('/api/v1/dealers')).status,
    ).toBe(401);
  });

  it('validates user creation: role and scope must fit', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    const res = await admin.send('POST', '/api/v1/users', {
      email: 'x@test.local',
      name: 'X',
      password: 'long-enough-pw',
      role: 'dealer_sales',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).details.problems).toEqual([
      expect.objectContaining({ path: 'body.dealerCode', code: 'scope_required' }),
    ]);
    const ok = await admin.send('POST', '/api/v1/users', {
      email: 'x@test.local',
      name: 'X',
      password: 'long-enough-pw',
      role: 'dealer_sales',
      dealerCode: 'DLR-BRAVO',
    });
    expect(ok.status).toBe(201);
    const dup = await admin.send('POST', '/api/v1/users', {
      email: 'x@test.local',
      name: 'X',
      password: 'long-enough-pw',
      role: 'analyst',
    });
    expect(dup.status).toBe(409);
    const short = await admin.send('POST', '/api/v1/users', {
      email: 'y@test.local',
      name: 'Y',
      password: 'short',
      role: 'analyst',
    });
    expect(((await short.json()) as ErrorBody).details.problems![0]).toMatchObject({
      path: 'body.password',
    });
  });

  it('rate-limits login attempts', async () => {
    let last = 0;
    for (let i = 0; i < 10; i++)
      last = (await tryLogin(t.url, USERS.finance, 'wrong-password')).status;
    expect(last).toBe(429);
    const res = await tryLogin(t.url, USERS.finance, PASSWORD);
    expect(res.status).toBe(429);
    expect(((await res.json()) as ErrorBody).code).toBe('RATE_LIMITED');
  });
});
