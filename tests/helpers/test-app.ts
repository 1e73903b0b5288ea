/**
 * Test harness: a fresh database (PGlite in memory, or a new database on the PostgreSQL server
 * named by TEST_DATABASE_URL), migrated, with the app listening on a real port.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/server/app';
import type { Db } from '../../src/server/db/db';
import { migrate } from '../../src/server/db/migrate';
import { openPglite } from '../../src/server/db/pglite';
import { openPostgres } from '../../src/server/db/postgres';
import { parseEnv, type Env } from '../../src/server/env';
import { createServices, type Services } from '../../src/server/services';

export type Engine = 'pglite' | 'postgres';

/** The engines to run database tests on: PGlite always, the server when TEST_DATABASE_URL is set. */
export function engines(): Engine[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** `url`: the PostgreSQL server's database (absent for PGlite, which lives in this process). */
export type TestDb = { db: Db; url?: string; drop: () => Promise<void> };

export async function createTestDb(engine: Engine): Promise<TestDb> {
  if (engine === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `forecourt_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 5);
  await migrate(db);
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * The test app's settings. The per-minute limit of costly routes is lifted: whether a test reaches
 * it depends on how fast the machine runs it (a property test reads many statements a minute);
 * the tests of the limits (security, tenant-limits) set their own.
 */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_DEALERS: '0',
    COSTLY_RATE_LIMIT_PER_MINUTE: '1000000',
    ...overrides,
  });
}

export type TestApp = {
  app: FastifyInstance;
  services: Services;
  db: Db;
  /** the database's URL on the PostgreSQL server (absent for PGlite) */
  dbUrl?: string;
  url: string;
  close: () => Promise<void>;
};

/** Serves `services` on a free port of 127.0.0.1. */
async function serve(env: Env, services: Services, serveWeb = false) {
  const app = await buildApp({ env, services, logger: false, serveWeb });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}` };
}

/**
 * Another API process on the same database: its own services and server, and on the PostgreSQL
 * server its own connections (PGlite lives in this process, so the two share it).
 */
export async function startSecondApp(
  t: TestApp,
): Promise<{ url: string; services: Services; close: () => Promise<void> }> {
  const db = t.dbUrl ? await openPostgres(t.dbUrl, 3) : t.db;
  const env = testEnv();
  const services = createServices({ db, env });
  const { app, url } = await serve(env, services);
  return {
    url,
    services,
    close: async () => {
      await app.close();
      if (db !== t.db) await db.close();
    },
  };
}

export async function startTestApp(
  engine: Engine,
  envOverrides: Record<string, string> = {},
  /** `today`: a fixed date, or a clock the test moves; `serveWeb`: the built web app too */
  options: { today?: string | (() => string); serveWeb?: boolean } = {},
): Promise<TestApp> {
  const { db, url: dbUrl, drop } = await createTestDb(engine);
  const env = testEnv(envOverrides);
  const today = options.today;
  const services = createServices({
    db,
    env,
    today: typeof today === 'string' ? () => today : today,
  });
  const { app, url } = await serve(env, services, options.serveWeb);
  return {
    app,
    services,
    db,
    dbUrl,
    url,
    close: async () => {
      await app.close();
      await drop();
    },
  };
}

/** A signed-in HTTP client: keeps the session cookie and sends the CSRF token on writes. */
export type Client = {
  get: (path: string) => Promise<Response>;
  send: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Response>;
  csrfToken: string | null;
  cookie: string | null;
};

export function anonymous(base: string): Client {
  return bearer(base, null);
}

export function bearer(base: string, key: string | null): Client {
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return {
    csrfToken: null,
    cookie: null,
    get: (path) => fetch(base + path, { headers: auth }),
    send: (method, path, body, headers = {}) =>
      fetch(base + path, {
        method,
        headers: {
          ...auth,
          ...(body === undefined || typeof body === 'string'
            ? {}
            : { 'content-type': 'application/json' }),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

export async function login(base: string, email: string, password: string): Promise<Client> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200)
    throw new Error(`login ${email} failed: ${res.status} ${await res.text()}`);
  const me = (await res.json()) as { csrfToken: string };
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const client: Client = {
    csrfToken: me.csrfToken,
    cookie,
    get: (path) => fetch(base + path, { headers: { cookie } }),
    send: (method, path, body, headers = {}) =>
      fetch(base + path, {
        method,
        headers: {
          cookie,
          'x-csrf-token': client.csrfToken ?? '',
          ...(body === undefined || typeof body === 'string'
            ? {}
            : { 'content-type': 'application/json' }),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
  return client;
}

/** The body of a response as JSON, after checking its status (the body is the failure message). */
export async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/**
 * Drafts an incentive program from `definition` (expects 201) and publishes it (expects 200),
 * unless `publish` is false.
 */
export async function createProgram(
  client: Client,
  definition: Record<string, unknown> & { code: string },
  { publish = true }: { publish?: boolean } = {},
): Promise<void> {
  await json(await client.send('POST', '/api/v1/programs', definition), 201);
  if (publish)
    await json(await client.send('POST', `/api/v1/programs/${definition.code}/publish`), 200);
}
