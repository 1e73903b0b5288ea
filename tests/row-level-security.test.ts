/**
 * Row-level security, the second wall (migration 0017, src/server/db/scope.ts): the policies
 * restrict what the application role sees to the request's scope, whatever the SQL asked for.
 *
 * The route walk here runs with every service-level scope filter removed (scopeSql and
 * scopeDealerIdSql mocked to 'true'): dealer B still reads and changes nothing of dealer A's. The
 * same walk with the requests' database scope switched to the system's (no row-level security)
 * finds leaks in reads and a write, so the walk can fail and it is the database that stops them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor, Scope } from '../src/server/auth/actor';
import {
  dbScopeOf,
  runAsSystem,
  runInScope,
  SYSTEM_DB_SCOPE,
  UNSET_DB_SCOPE,
  type DbScope,
} from '../src/server/db/scope';
import type { Db } from '../src/server/db/db';
import {
  bearer,
  createTestDb,
  engines,
  login,
  startTestApp,
  testEnv,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  MARKERS_OF_A,
  PARAMS_POINTING_AT_A,
  QUERY_POINTING_AT_A,
  STREAMING_ROUTES,
} from './helpers/route-targets';
import { firstMoment, seedRouteTargets } from './helpers/route-walk';
import { activeAgreementForA } from './helpers/agreements';
import { createServices } from '../src/server/services';

const control = vi.hoisted(() => ({ isRlsOff: false }));

// A build without the service-level scope filters: every repository query sees the whole network.
vi.mock('../src/server/auth/actor', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/server/auth/actor')>();
  return { ...actual, scopeSql: () => 'true', scopeDealerIdSql: () => 'true' };
});
// The control: requests run with the system's database scope (no row-level security).
vi.mock('../src/server/db/scope', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/server/db/scope')>();
  return {
    ...actual,
    dbScopeOf: (scope: Scope) =>
      control.isRlsOff ? actual.SYSTEM_DB_SCOPE : actual.dbScopeOf(scope),
  };
});

const dealers = (ids: number[]): Scope => ({
  kind: 'dealers',
  dealerIds: ids,
  dealerCodes: [],
  label: 'test',
});

function inScope<T>(scope: DbScope, fn: () => Promise<T>): Promise<T> {
  return runInScope({ current: scope }, fn);
}

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params);
  return rows[0]!.n;
}

describe.each(engines())('row-level security (%s)', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  let a: number;
  let b: number;
  let c: number;
  let west: number;

  beforeAll(async () => {
    ({ db, drop } = await createTestDb(engine));
    await seedFixtures(db);
    const services = createServices({ db, env: testEnv() });
    await ingestRows(services, [
      txRow({ dealerCode: 'DLR-ALPHA' }),
      txRow({ dealerCode: 'DLR-ALPHA' }),
      txRow({ dealerCode: 'DLR-BRAVO' }),
      txRow({ dealerCode: 'DLR-CHARLIE' }),
    ]);
    const ids = await db.query<{ code: string; id: number }>('select code, id from dealers');
    const id = (code: string) => ids.rows.find((r) => r.code === code)!.id;
    [a, b, c] = [id('DLR-ALPHA'), id('DLR-BRAVO'), id('DLR-CHARLIE')];
    west = (await db.query<{ id: number }>(`select id from regions where code = 'US-W'`)).rows[0]!
      .id;
  });
  afterAll(async () => drop?.());

  it("shows a dealer's scope only its own rows, in and out of transactions", async () => {
    const scopeA = dbScopeOf(dealers([a]));
    const q = `transactions where dealer_id = $1`;
    expect(await inScope(scopeA, () => count(db, q, [b]))).toBe(0);
    expect(await inScope(scopeA, () => count(db, q, [a]))).toBe(2);
    expect(await inScope(scopeA, () => count(db, 'transactions'))).toBe(2);
    expect(
      await inScope(scopeA, () => count(db, 'monthly_actuals where dealer_id = $1', [b])),
    ).toBe(0);
    expect(await inScope(scopeA, () => count(db, 'dealers'))).toBe(1);
    const inTx = await inScope(scopeA, () =>
      db.transaction(async (tx) => {
        const { rows } = await tx.query<{ n: number }>(
          'select count(*)::int as n from transactions where dealer_id = $1',
          [b],
        );
        return rows[0]!.n;
      }),
    );
    expect(inTx).toBe(0);
  });

  it('shows nothing when the scope is unset, everything to the system and to the network', async () => {
    expect(await inScope(UNSET_DB_SCOPE, () => count(db, 'transactions'))).toBe(0);
    expect(await inScope(UNSET_DB_SCOPE, () => count(db, 'dealers'))).toBe(0);
    expect(await inScope(SYSTEM_DB_SCOPE, () => count(db, 'transactions'))).toBe(4);
    expect(await runAsSystem(() => count(db, 'transactions where dealer_id = $1', [b]))).toBe(1);
    const network = dbScopeOf({ kind: 'network' });
    expect(await inScope(network, () => count(db, 'transactions'))).toBe(4);
    // a regional manager of the West: A and C, not B (East)
    const region: Scope = { kind: 'region', regionId: west, regionCode: 'US-W', path: '/US/US-W/' };
    expect(await inScope(dbScopeOf(region), () => count(db, 'transactions'))).toBe(3);
    expect(
      await inScope(dbScopeOf(region), () => count(db, 'transactions where dealer_id = $1', [b])),
    ).toBe(0);
  });

  it("refuses to write rows of a dealer out of scope, and to see its agreements' lines", async () => {
    const write = inScope(dbScopeOf(dealers([a])), () =>
      db.query(
        `insert into monthly_actuals (dealer_id, sku_id, month, kind, quantity, amount, row_count)
         values ($1, (select min(id) from skus), '2026-01-01', 'retail_delivery', 1, 1, 1)`,
        [b],
      ),
    );
    await expect(write).rejects.toMatchObject({ code: '42501' });
    const services = createServices({ db, env: testEnv() });
    await activeAgreementForA(services);
    const lines = 'agreement_lines l join agreements g on g.id = l.agreement_id';
    expect(await inScope(dbScopeOf(dealers([b])), () => count(db, lines))).toBe(0);
    expect(await inScope(dbScopeOf(dealers([b])), () => count(db, 'agreement_lines'))).toBe(0);
    expect(await inScope(dbScopeOf(dealers([a])), () => count(db, 'agreement_lines'))).toBe(1);
    expect(await inScope(dbScopeOf(dealers([c])), () => count(db, 'agreement_events'))).toBe(0);
  });

  it("refuses a feed batch for dealers the database does not count in the writer's scope", async () => {
    // A region code with a LIKE wildcard: the service reads region scope through `path like`
    // (issue 12, item 1), so '/U_/%' takes in '/US/US-W/'. The feed writes as the system, and the
    // database's own reading of the scope (a path prefix) refuses the batch.
    const { rows } = await db.query<{ id: number }>(
      `insert into regions (code, name, parent_id, path) values ('U_', 'Wild', null, '/U_/') returning id`,
    );
    const wild: Actor = {
      kind: 'api_key',
      id: -9,
      name: 'wild key',
      role: 'integration',
      scope: { kind: 'region', regionId: rows[0]!.id, regionCode: 'U_', path: '/U_/' },
      csrfToken: null,
    };
    const services = createServices({ db, env: testEnv() });
    const before = await count(db, 'transactions');
    const batch = services.transactions.ingest({
      actor: wild,
      format: 'json',
      body: (async function* () {
        yield { row: 1, value: txRow({ dealerCode: 'DLR-ALPHA' }) };
      })(),
      byteLimit: Infinity,
    });
    await expect(batch).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await count(db, 'transactions')).toBe(before);
  });

  it('keeps each scope to its own statements when connections are shared and reused', async () => {
    const scopes = [dealers([a]), dealers([b]), { kind: 'network' } as Scope, dealers([c])];
    const expected = [2, 1, 4, 1];
    const runs = Array.from({ length: 40 }, (_, i) => {
      const k = i % scopes.length;
      const work = () =>
        i % 3 === 0
          ? db.transaction(async (tx) => {
              const { rows } = await tx.query<{ n: number }>(
                'select count(*)::int as n from transactions',
              );
              return rows[0]!.n;
            })
          : count(db, 'transactions');
      return inScope(dbScopeOf(scopes[k]!), work).then((n) => [n, expected[k]]);
    });
    for (const [seen, wanted] of await Promise.all(runs)) expect(seen).toBe(wanted);
    // and work outside any scope is the system's again on the same connections
    expect(await count(db, 'transactions')).toBe(4);
  });

  it('protects every table with a dealer column and every table that references a protected one', async () => {
    const { rows } = await db.query<{ name: string }>(
      `with protected as (
         select c.oid from pg_class c
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and c.relrowsecurity
       )
       select c.relname as name from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
         and (exists (select 1 from pg_attribute a where a.attrelid = c.oid and not a.attisdropped
                        and a.attname in ('dealer_id', 'dealer_ids'))
              or exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'f'
                           and k.confrelid in (select oid from protected)
                           and k.confrelid <> 'users'::regclass))
       order by 1`,
    );
    // (a reference to a user, such as created_by, does not make a row a dealer's)
    expect(rows.map((r) => r.name)).toEqual([]);
  });
});

describe.each(engines())('the route walk without service-level scope filters (%s)', (engine) => {
  let t: TestApp;
  let clients: [string, Client][];
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const seeded = await seedRouteTargets(t, {
      rows: [
        txRow({ dealerCode: 'DLR-ALPHA', externalId: 'ALPHA-EXT-1', vin: '1ALPHA0V1N0000001' }),
        txRow({ dealerCode: 'DLR-ALPHA', externalId: 'ALPHA-EXT-2', sku: 'AURA-EX-BEV' }),
      ],
    });
    ids = seeded.ids;
    const keyB = seeded.keyB;
    clients = [
      ['dealer B user', await login(t.url, USERS.dealerB, PASSWORD)],
      ['dealer B key', bearer(t.url, keyB.key)],
    ];
  }, 60_000);
  afterAll(async () => t?.close());

  /** A digest of dealer A's rows in the tables a write could reach (read as the system). */
  async function digestOfA(): Promise<string> {
    const of = (table: string, where: string) =>
      `(select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from ${table} x where ${where})`;
    const a = `(select id from dealers where code = 'DLR-ALPHA')`;
    const agreementsOfA = `agreement_id in (select id from agreements where dealer_id = ${a})`;
    const { rows } = await t.db.query<{ s: string }>(
      `select concat_ws('|', ${[
        of('dealers', `id = ${a}`),
        of('transactions', `dealer_id = ${a}`),
        of('monthly_actuals', `dealer_id = ${a}`),
        of('users', `dealer_id = ${a}`),
        of('api_keys', `dealer_id = ${a}`),
        of('agreements', `dealer_id = ${a}`),
        ...['agreement_lines', 'agreement_revisions', 'agreement_expectations'].map((table) =>
          of(table, agreementsOfA),
        ),
        of('forecast_cells', `dealer_id = ${a}`),
        of('incentive_statements', `dealer_id = ${a}`),
        of('incentive_claims', `dealer_id = ${a}`),
        of('incentive_disputes', `dealer_id = ${a}`),
      ].join(', ')}) as s`,
    );
    return rows[0]!.s;
  }

  /**
   * Every route aimed at dealer A, as dealer B: the GETs whose answers show A's data and, with
   * `writes`, the writes that succeed (the caller compares A's rows before and after).
   */
  async function leaks({ writes = false } = {}): Promise<string[]> {
    const found: string[] = [];
    const routes = t.app.routeTable.filter(
      (r) =>
        r.url.startsWith('/api/v1') &&
        r.access !== 'public' &&
        r.url !== '/api/v1/auth/logout' &&
        (writes || r.method === 'GET'),
    );
    for (const route of routes) {
      const params = PARAMS_POINTING_AT_A[route.url] ?? {};
      const path = route.url.replace(/:(\w+)/g, (_, name: string) => {
        const value = params[name] ?? '';
        return encodeURIComponent(ids[value] ?? value);
      });
      const url = path + (QUERY_POINTING_AT_A[route.url] ?? '');
      for (const [who, client] of clients) {
        if (route.method !== 'GET') {
          const body =
            route.url === '/api/v1/transactions'
              ? [txRow({ dealerCode: 'DLR-ALPHA', externalId: 'B-SNEAK-1' })]
              : { dealerCode: 'DLR-ALPHA', name: 'x', code: 'X1', isActive: false };
          const res = await client.send(route.method, url, body);
          if (res.status < 400) found.push(`${who}: ${route.method} ${url} answered ${res.status}`);
          continue;
        }
        const res = await client.get(url);
        const text = STREAMING_ROUTES.has(route.url) ? await firstMoment(res) : await res.text();
        const markers =
          res.status >= 400 ? MARKERS_OF_A.filter((m) => !url.includes(m)) : MARKERS_OF_A;
        if (markers.some((m) => text.includes(m))) found.push(`${who}: GET ${url}`);
      }
    }
    return found;
  }

  it("finds none of dealer A's data for dealer B on any route: row-level security holds", async () => {
    const before = await digestOfA();
    expect(await leaks({ writes: true })).toEqual([]);
    expect(await digestOfA()).toBe(before);
  });

  it('finds leaks in the same walk when the requests run as the system (the control)', async () => {
    control.isRlsOff = true;
    try {
      const found = await leaks();
      for (const leak of [
        'dealer B key: GET /api/v1/transactions?dealer=DLR-ALPHA',
        'dealer B user: GET /api/v1/dealers/DLR-ALPHA/actuals/monthly',
        'dealer B user: GET /api/v1/agreements/__AGREEMENT_A__/progress',
        'dealer B user: GET /api/v1/forecasts/cycles/1/dealers/DLR-ALPHA',
      ])
        expect(found).toContain(leak.replace('__AGREEMENT_A__', ids.__AGREEMENT_A__!));
      expect(found.length).toBeGreaterThan(10);
      // and a write: dealer B accepts dealer A's pending amendment
      const before = await digestOfA();
      const writes = (await leaks({ writes: true })).filter((w) => !w.includes(': GET '));
      expect(writes).toContain(
        `dealer B user: POST /api/v1/agreements/${ids.__AGREEMENT_A__}/revisions/${ids.__REVISION_A__}/accept answered 200`,
      );
      expect(await digestOfA()).not.toBe(before);
    } finally {
      control.isRlsOff = false;
    }
  });
});
