import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  engines,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { PASSWORD, txRow, USERS } from './helpers/fixtures';
import {
  MARKERS_OF_A,
  PARAMS_POINTING_AT_A,
  QUERY_POINTING_AT_A,
  STREAMING_ROUTES,
} from './helpers/route-targets';
import { firstMoment, seedRouteTargets } from './helpers/route-walk';

const A_ROWS = [
  txRow({ dealerCode: 'DLR-ALPHA', externalId: 'ALPHA-EXT-1', vin: '1ALPHA0V1N0000001' }),
  txRow({
    dealerCode: 'DLR-ALPHA',
    externalId: 'ALPHA-EXT-2',
    sku: 'AURA-EX-BEV',
    amount: '45000.00',
  }),
];

async function snapshotOfA(t: TestApp): Promise<string> {
  const { rows } = await t.db.query<{ s: string }>(
    `select concat_ws('|',
       (select string_agg(concat_ws(',', code, name, status, region_id, dealer_group_id, erp_vendor_id), ';') from dealers where code = 'DLR-ALPHA'),
       (select string_agg(concat_ws(',', id, kind, quantity, amount::text, external_id), ';' order by id) from transactions t where dealer_id = (select id from dealers where code = 'DLR-ALPHA')),
       (select string_agg(concat_ws(',', dealer_id, month, sku_id, kind, quantity, amount::text), ';' order by month, sku_id, kind) from monthly_actuals where dealer_id = (select id from dealers where code = 'DLR-ALPHA')),
       (select string_agg(concat_ws(',', id, email, is_active, password_hash), ';' order by id) from users where dealer_id = (select id from dealers where code = 'DLR-ALPHA')),
       (select string_agg(concat_ws(',', id, revoked_at), ';' order by id) from api_keys),
       (select string_agg(concat_ws(',', id, status, row_version, approved_version, planned_by_period::text), ';' order by id) from agreements),
       (select string_agg(concat_ws(',', id, status), ';' order by id) from agreement_revisions),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from agreement_expectations x),
       (select count(*)::text from ledger_entries),
       (select md5(coalesce(string_agg(c::text, ';' order by c::text), '')) from forecast_cells c where dealer_id = (select id from dealers where code = 'DLR-ALPHA')),
       (select string_agg(concat_ws(',', id, status), ';' order by id) from forecast_cycles),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from incentive_statements x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from incentive_claims x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from incentive_disputes x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from payout_batches x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from program_versions x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from vehicles x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from vehicle_events x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from allocation_results x),
       (select md5(coalesce(string_agg(x::text, ';' order by x::text), '')) from dealer_allocation_profiles x)
     ) as s`,
  );
  return rows[0]!.s;
}

describe.each(engines())('every route is guarded (%s)', (engine) => {
  let t: TestApp;
  let dealerB: Client;
  let keyB: Client;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const seeded = await seedRouteTargets(t, { rows: A_ROWS });
    ids = seeded.ids;
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    keyB = bearer(t.url, seeded.keyB.key);
  });
  afterAll(async () => t?.close());

  it('declares a permission on every API route; only login is public', () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1'));
    expect(api.length).toBeGreaterThan(20);
    const undeclared = api.filter((r) => r.access === undefined);
    expect(undeclared).toEqual([]);
    const publicRoutes = api
      .filter((r) => r.access === 'public')
      .map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes).toEqual(['POST /api/v1/auth/login']);
  });

  it('answers 401 to every guarded API route without credentials', async () => {
    for (const route of t.app.routeTable.filter(
      (r) => r.url.startsWith('/api/v1') && r.access !== 'public',
    )) {
      const url = fillParams(route.url, ids);
      const res = await fetch(t.url + url, {
        method: route.method,
        headers: route.method === 'GET' ? {} : { 'content-type': 'application/json' },
        body: route.method === 'GET' ? undefined : '{}',
      });
      expect(res.status, `${route.method} ${route.url}`).toBe(401);
      expect(((await res.json()) as { code: string }).code).toMatch(
        /UNAUTHENTICATED|SESSION_EXPIRED/,
      );
    }
  });

  it('answers 400 naming the parameter to an unknown query parameter, on every GET route', async () => {
    const admin = await login(t.url, USERS.admin, PASSWORD);
    const routes = t.app.routeTable.filter(
      (r) => r.url.startsWith('/api/v1') && r.method === 'GET' && !STREAMING_ROUTES.has(r.url),
    );
    for (const route of routes) {
      const url = fillParams(route.url, ids);
      const res = await admin.get(`${url}${url.includes('?') ? '&' : '?'}dealerr=DLR-ALPHA`);
      const label = `GET ${url}`;
      expect(res.status, label).toBe(400);
      const body = (await res.json()) as {
        code: string;
        details: { problems: { path: string }[] };
      };
      expect(body.code, label).toBe('VALIDATION_FAILED');
      expect(
        body.details.problems.map((p) => p.path),
        label,
      ).toContain('querystring.dealerr');
    }
  });

  it("never shows or changes dealer A's data for dealer B (session and API key), on every route", async () => {
    const before = await snapshotOfA(t);
    const routes = t.app.routeTable.filter(
      (r) =>
        r.url.startsWith('/api/v1') && r.access !== 'public' && r.url !== '/api/v1/auth/logout',
    );
    for (const route of routes) {
      const hasParams = route.url.includes(':');
      if (hasParams)
        expect(
          PARAMS_POINTING_AT_A,
          `add ${route.url} to tests/helpers/route-targets.ts`,
        ).toHaveProperty([route.url]);
      const url = fillParams(route.url, ids) + (QUERY_POINTING_AT_A[route.url] ?? '');
      for (const [who, client] of [
        ['dealer B user', dealerB],
        ['dealer B key', keyB],
      ] as const) {
        const label = `${who}: ${route.method} ${url}`;
        if (route.method === 'GET') {
          const res = await client.get(url);
          const text = STREAMING_ROUTES.has(route.url) ? await firstMoment(res) : await res.text();
          expect(res.status, label).toBeLessThan(500);
          // An error may echo the code that was asked for, nothing else of A's.
          const markers =
            res.status >= 400 ? MARKERS_OF_A.filter((m) => !url.includes(m)) : MARKERS_OF_A;
          for (const marker of markers) expect(text, label).not.toContain(marker);
          if (res.status >= 400) expect(JSON.parse(text), label).toHaveProperty('code');
        } else {
          const body =
            route.url === '/api/v1/transactions'
              ? [txRow({ dealerCode: 'DLR-ALPHA', externalId: 'B-SNEAK-1' })]
              : writeBodyAimedAtA(route.url);
          const res = await client.send(route.method, url, body);
          expect(res.status, label).toBeGreaterThanOrEqual(400);
          expect(res.status, label).toBeLessThan(500);
        }
      }
    }
    expect(await snapshotOfA(t)).toBe(before);
  });
});

function fillParams(url: string, ids: Record<string, string>): string {
  const params = PARAMS_POINTING_AT_A[url] ?? {};
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name] ?? '';
    return encodeURIComponent(ids[value] ?? value);
  });
}

/** A plausible body for a write, aimed at dealer A where it names a dealer. */
function writeBodyAimedAtA(url: string): unknown {
  if (url.includes('dealers'))
    return {
      name: 'Taken over',
      status: 'inactive',
      code: 'DLR-ALPHA',
      regionCode: 'US-E',
      stateProvince: 'NY',
      country: 'US',
    };
  if (url.includes('users')) return { isActive: false, password: 'hijacked-password-1' };
  return { dealerCode: 'DLR-ALPHA', name: 'x', code: 'X1' };
}
