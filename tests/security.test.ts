/**
 * The second wall (issue 12): security headers on every response, Secure cookies over HTTPS
 * (through a trusted proxy too), the audit log of sign-ins and permission changes, the login
 * limit per account across addresses, and per-user limits on costly routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app';
import { COSTLY_ROUTES } from '../src/server/http/costly-routes';
import { CONTENT_SECURITY_POLICY } from '../src/server/http/security-headers';
import type { AuditPage } from '../src/shared/schemas/audit';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, testEnv, type TestApp } from './helpers/test-app';

type ErrorBody = { code: string; message: string; details: Record<string, unknown> };

let address = 0;
/** A sign-in from a new client address each call (X-Forwarded-For, trusted here). */
function signInFrom(
  url: string,
  email: string,
  password: string,
  extra: Record<string, string> = {},
) {
  address += 1;
  return fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': `203.0.113.${address % 250}, 10.0.0.${address % 250}`,
      'user-agent': 'security-test/1.0',
      ...extra,
    },
    body: JSON.stringify({ email, password }),
  });
}

describe.each(engines())('second wall (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, {
      TRUST_PROXY: 'true',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      LOGIN_ACCOUNT_MAX_FAILURES: '4',
      LOGIN_ACCOUNT_WINDOW_MINUTES: '15',
      COSTLY_RATE_LIMIT_PER_MINUTE: '3',
    });
    await seedFixtures(t.db);
  });
  afterAll(async () => t?.close());

  it('sends the security headers on every response: API, errors, 404s and the web app', async () => {
    const answers = [
      await fetch(`${t.url}/healthz`),
      await fetch(`${t.url}/api/v1/dealers`), // 401
      await fetch(`${t.url}/api/v1/nothing-here`), // 404
      await (await login(t.url, USERS.analyst, PASSWORD)).get('/api/v1/dealers'),
    ];
    for (const res of answers) {
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    // The web app's page itself (served from dist/web) carries the policy.
    const web = await buildApp({ env: testEnv(), services: t.services, logger: false });
    try {
      const page = await web.inject({ method: 'GET', url: '/overview' });
      expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(page.headers['x-frame-options']).toBe('DENY');
      // no inline script in the built page (script-src 'self' would block it)
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    } finally {
      await web.close();
    }
  });

  it('sets Secure on the session cookie when the request came over HTTPS through a trusted proxy', async () => {
    const plain = await signInFrom(t.url, USERS.channel, PASSWORD);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    const https = await signInFrom(t.url, USERS.channel, PASSWORD, {
      'x-forwarded-proto': 'https',
    });
    expect(https.status).toBe(200);
    expect(https.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    // Without TRUST_PROXY the header is not believed (anyone could send it).
    const untrusting = await buildApp({ env: testEnv(), services: t.services, logger: false });
    try {
      const res = await untrusting.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        payload: JSON.stringify({ email: USERS.channel, password: PASSWORD }),
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
    } finally {
      await untrusting.close();
    }
    // Or only the proxies named: the header counts when the connection comes from one of them.
    const env = testEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' });
    expect(env.TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    const named = await buildApp({ env, services: t.services, logger: false });
    try {
      const from = async (remoteAddress: string) =>
        String(
          (
            await named.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              remoteAddress,
              headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
              payload: JSON.stringify({ email: USERS.channel, password: PASSWORD }),
            })
          ).headers['set-cookie'],
        );
      expect(await from('10.1.2.3')).toMatch(/;\s*Secure/i);
      expect(await from('192.0.2.7')).not.toMatch(/;\s*Secure/i);
    } finally {
      await named.close();
    }
  });

  it('limits failed sign-ins per account across addresses, for a while only', async () => {
    // Four wrong passwords for finance, each from another address: the per-address limit never
    // sees more than one.
    for (let i = 0; i < 4; i++) {
      expect((await signInFrom(t.url, USERS.finance, 'guess-' + i)).status).toBe(401);
    }
    // The fifth attempt, from yet another address and even with the right password, waits.
    const limited = await signInFrom(t.url, USERS.finance, PASSWORD);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as ErrorBody;
    expect(body.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(body.details.retryAfterSeconds).toBe(retryAfter);
    // Unknown accounts are limited the same way (the answer does not tell them apart).
    for (let i = 0; i < 4; i++)
      expect((await signInFrom(t.url, 'nobody@test.local', 'x' + i)).status).toBe(401);
    expect((await signInFrom(t.url, 'nobody@test.local', 'x')).status).toBe(429);
    // Another account is not affected.
    expect((await signInFrom(t.url, USERS.analyst, PASSWORD)).status).toBe(200);
    // Refused attempts do not extend the window: once the failures are 15 minutes old, the
    // account opens again.
    await t.db.query(
      `update audit_log set at = at - interval '15 minutes 1 second' where email = $1`,
      [USERS.finance],
    );
    expect((await signInFrom(t.url, USERS.finance, PASSWORD)).status).toBe(200);
  });

  it('records sign-ins and permission changes in the audit log, for administrators only', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    expect((await signInFrom(t.url, USERS.dealerB, 'wrong-password')).status).toBe(401);
    expect((await signInFrom(t.url, USERS.dealerB, PASSWORD)).status).toBe(200);

    const created = await json<{ id: number }>(
      await admin.send('POST', '/api/v1/users', {
        email: 'audited@test.local',
        name: 'Audited',
        password: 'violet-harbor-quartz-91',
        role: 'dealer_sales',
        dealerCode: 'DLR-BRAVO',
      }),
      201,
    );
    // A refused change writes nothing (duplicate e-mail).
    const duplicate = await admin.send('POST', '/api/v1/users', {
      email: 'audited@test.local',
      name: 'Again',
      password: 'violet-harbor-quartz-91',
      role: 'analyst',
    });
    expect(duplicate.status).toBe(409);
    await json(
      await admin.send('PATCH', `/api/v1/users/${created.id}`, {
        isActive: false,
        password: 'amber-glacier-lantern-47',
      }),
      200,
    );
    const key = await json<{ id: number }>(
      await admin.send('POST', '/api/v1/api-keys', {
        name: 'Audited key',
        role: 'integration',
        dealerCode: 'DLR-BRAVO',
      }),
      201,
    );
    await json(await admin.send('POST', `/api/v1/api-keys/${key.id}/revoke`), 200);

    const bId = (
      await t.db.query<{ id: number }>('select id from users where email = $1', [USERS.dealerB])
    ).rows[0]!.id;
    const signIns = await json<AuditPage>(
      await admin.get(`/api/v1/audit-log?kind=sign_in&user=${bId}`),
      200,
    );
    expect(signIns.items.map((e) => e.kind)).toEqual(['sign_in.succeeded', 'sign_in.failed']);
    expect(signIns.items[1]).toMatchObject({
      userId: bId,
      userName: 'B Principal',
      email: USERS.dealerB,
      userAgent: 'security-test/1.0',
      details: { reason: 'wrong_password' },
    });
    expect(signIns.items[1]!.address).toMatch(/^203\.0\.113\.\d+$/);

    const changes = await json<AuditPage>(await admin.get('/api/v1/audit-log?kind=user'), 200);
    expect(changes.items.map((e) => e.kind)).toEqual([
      'user.disabled',
      'user.password_reset',
      'user.created',
    ]);
    expect(changes.items[2]).toMatchObject({
      userId: created.id,
      actorName: 'Admin',
      details: { role: 'dealer_sales', dealerCode: 'DLR-BRAVO' },
    });
    const keys = await json<AuditPage>(await admin.get('/api/v1/audit-log?kind=api_key'), 200);
    expect(keys.items.map((e) => [e.kind, e.apiKeyId, e.apiKeyName])).toEqual([
      ['api_key.revoked', key.id, 'Audited key'],
      ['api_key.created', key.id, 'Audited key'],
    ]);

    // Paged, and bounded by time.
    const paged = await json<AuditPage>(await admin.get('/api/v1/audit-log?limit=2&offset=1'), 200);
    expect(paged.items).toHaveLength(2);
    expect(paged.total).toBeGreaterThan(5);
    const future = await json<AuditPage>(
      await admin.get('/api/v1/audit-log?from=2999-01-01T00:00:00Z'),
      200,
    );
    expect(future).toMatchObject({ items: [], total: 0 });
    const past = await json<AuditPage>(
      await admin.get('/api/v1/audit-log?to=2000-01-01T00:00:00Z'),
      200,
    );
    expect(past.total).toBe(0);
    expect((await admin.get('/api/v1/audit-log?kind=nonsense')).status).toBe(400);

    // Not for anyone else.
    const channel = await login(t.url, USERS.channel, PASSWORD);
    expect((await channel.get('/api/v1/audit-log')).status).toBe(403);
  });

  it('writes a permission change and its audit entry in one transaction', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    // Make the audit insert of a user creation fail: the user must not be created either.
    await t.db.query(
      `alter table audit_log add constraint refuse_user_created check (kind <> 'user.created') not valid`,
    );
    try {
      const res = await admin.send('POST', '/api/v1/users', {
        email: 'half-written@test.local',
        name: 'Half',
        password: 'violet-harbor-quartz-91',
        role: 'analyst',
      });
      expect(res.status).toBe(500);
    } finally {
      await t.db.query('alter table audit_log drop constraint refuse_user_created');
    }
    const { rows } = await t.db.query('select 1 from users where email = $1', [
      'half-written@test.local',
    ]);
    expect(rows).toHaveLength(0);
  });

  it('limits costly routes per user: one user limited does not limit another', async () => {
    const a = await login(t.url, USERS.dealerA, PASSWORD);
    const aSales = await login(t.url, USERS.dealerASales, PASSWORD);
    const path = '/api/v1/dealers/DLR-ALPHA/incentives';
    for (let i = 0; i < 3; i++) expect((await a.get(path)).status).toBe(200);
    const limited = await a.get(path);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as ErrorBody).code).toBe('RATE_LIMITED');
    // Another user of the same dealer, from the same address, is not limited.
    expect((await aSales.get(path)).status).toBe(200);
    // Each costly route counts on its own: what-if is still open to the limited user.
    const whatIf = await a.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
      programCode: 'NONE',
      sku: 'AURA-LX-ICE',
      quantity: 1,
    });
    expect(whatIf.status).toBe(404);

    const analyst = await login(t.url, USERS.analyst, PASSWORD);
    const finance = await login(t.url, USERS.finance, PASSWORD);
    for (let i = 0; i < 3; i++)
      expect((await analyst.get('/api/v1/forecasts/accuracy')).status).toBeLessThan(429);
    expect((await analyst.get('/api/v1/forecasts/accuracy')).status).toBe(429);
    expect((await finance.get('/api/v1/forecasts/accuracy')).status).toBeLessThan(429);
    for (let i = 0; i < 3; i++)
      expect((await analyst.get('/api/v1/transactions/export')).status).toBe(200);
    expect((await analyst.get('/api/v1/transactions/export')).status).toBe(429);
    // HEAD runs the same handler: limited the same way
    const head = () => finance.send('HEAD', '/api/v1/agreements/export');
    for (let i = 0; i < 3; i++) expect((await head()).status).toBe(200);
    expect((await head()).status).toBe(429);
  });

  it('names only routes that exist as costly', () => {
    const routes = new Set(t.app.routeTable.map((r) => `${r.method} ${r.url}`));
    for (const route of COSTLY_ROUTES) expect(routes.has(route), route).toBe(true);
  });
});
