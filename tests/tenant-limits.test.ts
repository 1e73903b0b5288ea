/**
 * One tenant must not disturb another: every API route has a cost (http/route-costs.ts), one
 * caller's requests in flight are capped (http/caller-limits.ts), so are its live event streams,
 * a request's statements time out on the PostgreSQL server (db/scope.ts), and every page size
 * and offset a route takes has a maximum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COSTLY_ROUTES, ROUTE_COSTS } from '../src/server/http/route-costs';
import { runAsSystem, runInScope, UNSET_DB_SCOPE } from '../src/server/db/scope';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type ErrorBody = { code: string; message: string; details: Record<string, unknown> };

const INCENTIVES = '/api/v1/dealers/DLR-ALPHA/incentives';

/** Holds every call of a service function until released; counts the calls that entered. */
function holdCalls<T extends object, K extends keyof T>(target: T, name: K) {
  const original = target[name] as (...args: unknown[]) => Promise<unknown>;
  let release = () => undefined as void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const state = { entered: 0 };
  target[name] = (async (...args: unknown[]) => {
    state.entered += 1;
    await gate;
    return original.apply(target, args);
  }) as T[K];
  return {
    state,
    /** lets every held and later call through */
    open: () => release(),
    /** holds later calls again */
    close: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    restore: () => {
      release();
      target[name] = original as T[K];
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(engines())('one tenant does not disturb another (%s)', (engine) => {
  let t: TestApp;
  let dealerA: Client;
  let dealerASales: Client;
  let analyst: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, {
      REQUEST_CONCURRENCY_PER_CALLER: '3',
      COSTLY_CONCURRENCY_PER_CALLER: '2',
      LIVE_STREAMS_PER_CALLER: '2',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    });
    await seedFixtures(t.db);
    [dealerA, dealerASales, analyst] = await Promise.all([
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerASales, PASSWORD),
      login(t.url, USERS.analyst, PASSWORD),
    ]);
  });
  afterAll(async () => t?.close());

  it('classifies every API route by cost, and names only routes that exist', () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1'));
    expect(api.length).toBeGreaterThan(150);
    const unclassified = api.filter((r) => r.cost === undefined).map((r) => `${r.method} ${r.url}`);
    // add each to ROUTE_COSTS in src/server/http/route-costs.ts, or declare config.cost on it
    expect(unclassified).toEqual([]);
    const routes = new Set(api.map((r) => `${r.method} ${r.url}`));
    const stale = Object.keys(ROUTE_COSTS).filter((r) => !routes.has(r));
    expect(stale).toEqual([]);
    // what the issue named: exports, documents, statements, simulations, scans and fan-outs
    for (const route of [
      'GET /api/v1/transactions/export',
      'GET /api/v1/programs/:code/statements/:dealerCode/pdf',
      'GET /api/v1/programs/:code/reconciliation',
      'POST /api/v1/programs/:code/periods/approve',
      'POST /api/v1/allocation/what-if',
      'POST /api/v1/allocation/runs',
      'GET /api/v1/availability/supply-demand',
      'GET /api/v1/insights/risks',
      'GET /api/v1/insights/risks/:code',
      'GET /api/v1/insights/integrity',
      'GET /api/v1/insights/performance/dealers/:code/export',
      'POST /api/v1/webhooks/deliveries/:id/replay',
      'GET /api/v1/payouts/:code/pain001',
      'GET /api/v1/ledger/verify',
      // found slow for a network or region by the route sweep (bench/route-sweep.ts)
      'GET /api/v1/transactions',
      'GET /api/v1/availability/vehicles',
    ])
      expect(COSTLY_ROUTES, route).toContain(route);
    expect(api.filter((r) => r.cost === 'stream').map((r) => r.url)).toEqual(['/api/v1/events']);
    expect(
      api
        .filter((r) => r.cost === 'ingest')
        .map((r) => r.url)
        .sort(),
    ).toEqual([
      '/api/v1/availability/pipeline',
      '/api/v1/connected/telematics',
      '/api/v1/market/registrations',
      '/api/v1/rdr',
      '/api/v1/transactions',
    ]);
  });

  it('caps one caller at N costly requests in flight (429 with Retry-After); other callers go on', async () => {
    const held = holdCalls(t.services.incentives, 'getDealerIncentives');
    try {
      const first = [dealerA.get(INCENTIVES), dealerA.get(INCENTIVES)];
      await until(() => held.state.entered === 2, 'two held requests');
      const refused = await dealerA.get(INCENTIVES);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await refused.json()) as ErrorBody;
      expect(body.code).toBe('CONCURRENCY_LIMITED');
      expect(body.message).toMatch(/costly requests in progress/);
      expect(body.details).toMatchObject({ limit: 2, retryAfterSeconds: 1 });
      // another costly route counts against the same cap
      const whatIf = await dealerA.send('POST', `${INCENTIVES}/what-if`, {
        programCode: 'NONE',
        sku: 'AURA-LX-ICE',
        quantity: 1,
      });
      expect(whatIf.status).toBe(429);
      // a light request of the same caller still runs
      expect((await dealerA.get('/api/v1/auth/me')).status).toBe(200);
      // another user of the same dealer, and another role, are not affected
      const other = dealerASales.get(INCENTIVES);
      await until(() => held.state.entered === 3, "the other user's request");
      expect((await analyst.get('/api/v1/forecasts/accuracy')).status).toBe(200);
      held.open();
      for (const res of await Promise.all([...first, other])) expect(res.status).toBe(200);
      // the places are free again
      expect((await dealerA.get(INCENTIVES)).status).toBe(200);
    } finally {
      held.restore();
    }
  });

  it('keeps the place of a request whose client hung up until the server has finished it', async () => {
    const held = holdCalls(t.services.incentives, 'getDealerIncentives');
    try {
      const aborts = [new AbortController(), new AbortController()];
      const gone = aborts.map((a) =>
        fetch(t.url + INCENTIVES, {
          headers: { cookie: dealerA.cookie! },
          signal: a.signal,
        }).catch(() => null),
      );
      await until(() => held.state.entered === 2, 'two held requests');
      for (const a of aborts) a.abort();
      await Promise.all(gone);
      await new Promise((r) => setTimeout(r, 100));
      // the server still works for them: no new costly request for this caller yet
      expect((await dealerA.get(INCENTIVES)).status).toBe(429);
      held.open();
      // once their work has finished, their places are free
      await until(async () => {
        const answers = await Promise.all([dealerA.get(INCENTIVES), dealerA.get(INCENTIVES)]);
        return answers.every((res) => res.status === 200);
      }, 'both places free');
    } finally {
      held.restore();
    }
  });

  it('caps all requests in flight per caller, costly or not', async () => {
    const heldIncentives = holdCalls(t.services.incentives, 'getDealerIncentives');
    const heldDealer = holdCalls(t.services.network, 'getDealer');
    try {
      const pending = [
        dealerA.get(INCENTIVES),
        dealerA.get(INCENTIVES),
        dealerA.get('/api/v1/dealers/DLR-ALPHA'),
      ];
      await until(
        () => heldIncentives.state.entered === 2 && heldDealer.state.entered === 1,
        'three held requests',
      );
      const refused = await dealerA.get('/api/v1/auth/me');
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as ErrorBody;
      expect(body).toMatchObject({ code: 'CONCURRENCY_LIMITED', details: { limit: 3 } });
      expect(body.message).toMatch(/3 requests in progress/);
      expect((await dealerASales.get('/api/v1/auth/me')).status).toBe(200);
      heldIncentives.open();
      heldDealer.open();
      for (const res of await Promise.all(pending)) expect(res.status).toBe(200);
      expect((await dealerA.get('/api/v1/auth/me')).status).toBe(200);
    } finally {
      heldIncentives.restore();
      heldDealer.restore();
    }
  });

  it('caps the live event streams one caller keeps open; another caller opens its own', async () => {
    const open = (client: Client, signal: AbortSignal) =>
      fetch(`${t.url}/api/v1/events`, { headers: { cookie: client.cookie! }, signal });
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    try {
      const [s1, s2] = await Promise.all([
        open(dealerA, controllers[0]!.signal),
        open(dealerA, controllers[1]!.signal),
      ]);
      expect([s1!.status, s2!.status]).toEqual([200, 200]);
      const third = await fetch(`${t.url}/api/v1/events`, { headers: { cookie: dealerA.cookie! } });
      expect(third.status).toBe(429);
      expect(((await third.json()) as ErrorBody).code).toBe('CONCURRENCY_LIMITED');
      // the streams are not requests in flight: the caller's other requests run
      expect((await dealerA.get('/api/v1/auth/me')).status).toBe(200);
      const other = await open(dealerASales, controllers[2]!.signal);
      expect(other.status).toBe(200);
      // closing a stream frees its place
      controllers[0]!.abort();
      await until(async () => {
        const c = new AbortController();
        controllers.push(c);
        const again = await open(dealerA, c.signal);
        return again.status === 200;
      }, 'a stream again');
    } finally {
      for (const c of controllers) c.abort();
    }
  });
});

describe.each(engines())('page sizes and offsets (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(async () => t?.close());

  it('gives every limit, page size and offset a route takes a maximum', () => {
    type Parameter = { in: string; name: string; schema?: { maximum?: number } };
    type Schema = { properties?: Record<string, { maximum?: number }> };
    const doc = t.app.swagger() as unknown as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Parameter[];
            requestBody?: { content: Record<string, { schema: Schema }> };
          }
        >
      >;
    };
    const paging = /^(limit|offset|pageSize|perPage|page|top|first)$/;
    // (a bare integer schema says 2^53 - 1: not a maximum anyone chose)
    const ceiling = (name: string) => (/^(offset|page)$/.test(name) ? 10_000_000 : 10_000);
    const unbounded: string[] = [];
    let seen = 0;
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        for (const p of op.parameters ?? [])
          if (p.in === 'query' && paging.test(p.name)) {
            seen += 1;
            if (!((p.schema?.maximum ?? Infinity) <= ceiling(p.name)))
              unbounded.push(`${method} ${path} ?${p.name}`);
          }
        for (const content of Object.values(op.requestBody?.content ?? {}))
          for (const [name, prop] of Object.entries(content.schema.properties ?? {}))
            if (paging.test(name)) {
              seen += 1;
              if (!((prop.maximum ?? Infinity) <= ceiling(name)))
                unbounded.push(`${method} ${path} body.${name}`);
            }
      }
    expect(seen).toBeGreaterThan(20);
    expect(unbounded).toEqual([]);
  });
});

// PGlite runs in this thread: a statement cannot be interrupted there (statement_timeout is
// accepted and has no effect, and pg_sleep stops the whole process), so this is the server's.
describe.each(engines().filter((e) => e === 'postgres'))(
  'a runaway statement of one request (%s)',
  (engine) => {
    let t: TestApp;
    let analyst: Client;
    let admin: Client;
    beforeAll(async () => {
      t = await startTestApp(engine, { DATABASE_STATEMENT_TIMEOUT_MS: '300' });
      await seedFixtures(t.db);
      analyst = await login(t.url, USERS.analyst, PASSWORD);
      admin = await login(t.url, USERS.admin, PASSWORD);
    });
    afterAll(async () => t?.close());

    it('is stopped at the statement timeout: a 503 DATABASE_TIMEOUT, nothing written, the server serves on', async () => {
      // every request's read of dealers, and every audit entry written, now sleeps 2 s
      await t.db.exec(`
        create policy slow_reads on dealers as restrictive for select to forecourt_app
          using ((select true from pg_sleep(2)));
        create function slow_audit() returns trigger language plpgsql as
          $$ begin perform pg_sleep(2); return new; end $$;
        create trigger slow_audit before insert on audit_log
          for each row execute function slow_audit();`);
      try {
        const started = Date.now();
        const res = await analyst.get('/api/v1/dealers');
        expect(Date.now() - started).toBeLessThan(1500);
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = (await res.json()) as ErrorBody;
        expect(body.code).toBe('DATABASE_TIMEOUT');
        expect(body.message).not.toMatch(/pg_sleep|statement timeout|\n\s+at /);
        expect(body.details).toHaveProperty('requestId');

        // a user and its audit entry are one transaction: the entry times out, the user goes too
        const write = await admin.send('POST', '/api/v1/users', {
          email: 'slow@test.local',
          name: 'Slow',
          password: 'violet-harbor-quartz-91',
          role: 'analyst',
        });
        expect(write.status).toBe(503);
        expect(((await write.json()) as ErrorBody).code).toBe('DATABASE_TIMEOUT');
        const { rows } = await t.db.query(`select 1 from users where email = 'slow@test.local'`);
        expect(rows).toEqual([]);
      } finally {
        await t.db.exec(`drop policy slow_reads on dealers;
          drop trigger slow_audit on audit_log; drop function slow_audit();`);
      }
      // the same pool answers the next requests
      expect((await analyst.get('/api/v1/dealers')).status).toBe(200);
    });

    it("exempts the system's work (jobs, roll-ups), also when a request started it", async () => {
      const sleep = 'select pg_sleep(0.6)';
      // outside any request: the system's
      await expect(t.db.query(sleep)).resolves.toBeDefined();
      const holder = { current: UNSET_DB_SCOPE, statementTimeoutMs: 300 };
      // a request's own statement is limited…
      await expect(runInScope(holder, () => t.db.query(sleep))).rejects.toMatchObject({
        code: '57014',
      });
      await expect(
        runInScope(holder, () => t.db.transaction((tx) => tx.query(sleep))),
      ).rejects.toMatchObject({ code: '57014' });
      // …what it runs as the system is not, on the same connections
      await expect(
        runInScope(holder, () => runAsSystem(() => t.db.query(sleep))),
      ).resolves.toBeDefined();
      await expect(
        runInScope(holder, () => runAsSystem(() => t.db.transaction((tx) => tx.query(sleep)))),
      ).resolves.toBeDefined();
    });
  },
);
