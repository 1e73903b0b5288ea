/**
 * Fuzzes every operation of the OpenAPI document with requests generated from its own parameter
 * and body schemas (tests/helpers/schema-arbitrary.ts), hostile values mixed in, as an OEM admin
 * (session with CSRF) and as a dealer. No answer may be a 5xx; every 4xx is `{ code, message }`.
 * Path parameters come from tests/helpers/route-targets.ts (sometimes hostile) so handlers run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, txRow, USERS } from './helpers/fixtures';
import { PARAMS_POINTING_AT_A, STREAMING_ROUTES } from './helpers/route-targets';
import { seedRouteTargets } from './helpers/route-walk';
import { arbitraryOf, resolverOf, type JsonSchema } from './helpers/schema-arbitrary';
import type { Problem } from '../src/shared/errors';
import {
  anonymous,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Parameter = { in: string; name: string; required?: boolean; schema: JsonSchema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

/** Routes the fuzzer leaves out: the endless event stream and logout (it ends the session). */
const SKIPPED = new Set([...STREAMING_ROUTES, '/api/v1/auth/logout']);
/** A fixed seed in CI; FUZZ_SEED and FUZZ_RUNS explore further by hand. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const RUNS = Number(process.env.FUZZ_RUNS ?? 0) || undefined;

/** Path values that are not what the route expects, already URL-encoded as a client may send them. */
const HOSTILE_PATH = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%C0%80',
  '0000-01-01',
  '99999999999999999999',
  '-1',
  '1.5',
  '2147483648',
  '9007199254740991',
  '%20',
  'x'.repeat(2000),
];

/** Bodies that are not what their content type says. */
const MALFORMED_BODIES = [
  '{',
  '[',
  '{"a":1}{',
  '\u0000',
  '"\\ud800"',
  'null',
  '[[[[[[[[]]]]]]]]',
  '\ufeff{}',
  'a,b\n"1',
];

type Request = { method: string; url: string; body?: string; contentType?: string };

describe.each(engines())('fuzzing every route of the OpenAPI document (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let dealer: Client;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(engine);
    ({ ids } = await seedRouteTargets(t, {
      rows: [txRow(), txRow({ sku: 'AURA-EX-BEV', amount: '45000.00' })],
      userOfA: USERS.dealerASales,
    }));
    admin = await login(t.url, USERS.admin, PASSWORD);
    dealer = await login(t.url, USERS.dealerA, PASSWORD);
  });
  afterAll(async () => t?.close());

  it('answers every generated request below 500, every 4xx as { code, message }, and refuses bad values before the database', async () => {
    const doc = t.app.swagger() as unknown as Doc;
    const runs = RUNS ?? (engine === 'pglite' ? 20 : 10);
    const failures: string[] = [];
    let operations = 0;
    let sent = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      const route = path.replace(/\{(\w+)\}/g, ':$1');
      if (SKIPPED.has(route)) continue;
      for (const [method, operation] of Object.entries(methods)) {
        operations++;
        const requests = fc.sample(requestsOf(method.toUpperCase(), path, route, operation), {
          seed: SEED + operations,
          numRuns: runs,
        });
        const callers: [string, Client][] =
          route === '/api/v1/auth/login'
            ? [['anonymous', anonymous(t.url)]]
            : [
                ['OEM admin', admin],
                ['dealer', dealer],
              ];
        for (const request of requests) {
          for (const [who, client] of callers) {
            sent++;
            const res =
              request.method === 'GET'
                ? await client.get(request.url)
                : await client.send(
                    request.method,
                    request.url,
                    request.body,
                    request.contentType ? { 'content-type': request.contentType } : {},
                  );
            const text = await res.text();
            const label = `${who}: ${request.method} ${request.url.slice(0, 200)} ${request.body?.slice(0, 300) ?? ''} → ${res.status} ${text.slice(0, 300)}`;
            if (res.status >= 500) failures.push(label);
            else if (res.status >= 400 && !isError(text))
              failures.push(`not { code, message }: ${label}`);
            else if (text.includes('"sqlState"'))
              failures.push(`refused by the database, not the schema: ${label}`);
          }
        }
      }
    }
    expect(operations).toBeGreaterThan(90);
    expect(sent).toBeGreaterThan(operations * runs);
    if (failures.length) console.error(failures.join('\n'));
    expect(failures).toEqual([]);
  }, 300_000);

  /** The problems of a 400 VALIDATION_FAILED answer. */
  async function problemsOf(res: Response) {
    const body = await json<{ code: string; details: { problems: Problem[] } }>(res, 400);
    expect(body.code).toBe('VALIDATION_FAILED');
    return body.details.problems;
  }

  it('refuses NUL bytes and lone surrogates in bodies, paths and query strings, naming the place', async () => {
    for (const name of ['Aura\u0000', 'Aura \ud800', '\udc00 Aura']) {
      const res = await admin.send('POST', '/api/v1/model-lines', {
        code: 'ML-X',
        name,
        segment: 's',
      });
      expect(await problemsOf(res)).toEqual([expect.objectContaining({ path: 'body.name' })]);
    }
    const paired = await admin.send('POST', '/api/v1/model-lines', {
      code: 'ML-EMOJI',
      name: 'Aura 🚗',
      segment: 's',
    });
    expect(paired.status).toBe(201);
    const nested = await admin.send('POST', '/api/v1/product-groups', {
      code: 'PG-X',
      name: 'x',
      filter: { segments: ['ok', 'a\u0000b'] },
    });
    expect(await problemsOf(nested)).toEqual([
      expect.objectContaining({ path: 'body.filter.segments.1', code: 'nul_byte' }),
    ]);
    expect(await problemsOf(await admin.get('/api/v1/programs/a%00b'))).toEqual([
      expect.objectContaining({ path: 'params.code' }),
    ]);
    expect(await problemsOf(await dealer.get('/api/v1/ledger/entries?entityType=%00'))).toEqual([
      expect.objectContaining({ path: 'querystring.entityType' }),
    ]);
    expect(await problemsOf(await admin.get('/api/v1/payouts/%00'))).toEqual([
      expect.objectContaining({ path: 'params.code' }),
    ]);
  });

  it('refuses year 0 and other dates outside 1900–9999, prices and ids beyond their columns, naming the field', async () => {
    const sku = (launchDate: string) =>
      admin.send('POST', '/api/v1/skus', {
        code: `SKU-${launchDate}`,
        modelLineCode: 'ML-AURA',
        name: 'x',
        trim: 'x',
        powertrain: 'ICE',
        segment: 's',
        msrp: '1.00',
        co2GramsPerKm: 0,
        launchDate,
      });
    for (const date of ['0000-01-01', '0000-02-29', '1899-12-31'])
      expect(await problemsOf(await sku(date))).toEqual([
        expect.objectContaining({ path: 'body.launchDate' }),
      ]);
    expect((await sku('1900-01-01')).status).toBe(201);
    expect((await sku('2024-02-29')).status).toBe(201);
    const monthly = await dealer.get('/api/v1/dealers/DLR-ALPHA/actuals/monthly?from=0000-06');
    expect(await problemsOf(monthly)).toEqual([
      expect.objectContaining({ path: 'querystring.from' }),
    ]);
    // msrp is numeric(12, 2): a larger price overflowed (a 500), a finer one was rounded
    for (const msrp of ['422620513588', '1.005']) {
      const res = await admin.send('PATCH', '/api/v1/skus/AURA-LX-ICE', { msrp });
      expect(await problemsOf(res)).toEqual([expect.objectContaining({ path: 'body.msrp' })]);
    }
    // the largest price the column holds is taken (as a future price: the MSRP has a history)
    const top = await admin.send('POST', '/api/v1/skus/AURA-LX-ICE/prices', {
      validFrom: '2099-01-01',
      msrp: '9999999999.99',
    });
    expect(top.status).toBeLessThan(300);
    expect(await problemsOf(await admin.get('/api/v1/agreements/2147483648'))).toEqual([
      expect.objectContaining({ path: 'params.id' }),
    ]);
    expect(
      await problemsOf(await admin.get('/api/v1/forecasts/accuracy?cycleId=3000000000')),
    ).toEqual([expect.objectContaining({ path: 'querystring.cycleId' })]);
  });

  it('refuses NUL bytes and lone surrogates in feed rows (JSON, NDJSON, CSV) with the row and field', async () => {
    const before = await t.db.query<{ n: number }>('select count(*)::int as n from transactions');
    const rows = [
      txRow({ externalId: 'OK-1' }),
      txRow({ externalId: 'NUL-\u0000' }),
      txRow({ source: 'dms\ud800' }),
      txRow({ externalId: 'LONE-\udfff' }),
      txRow({ occurredOn: '0000-01-01' }),
    ];
    const expected = [
      expect.objectContaining({ row: 2, field: 'externalId', code: 'nul_byte' }),
      expect.objectContaining({ row: 3, field: 'source', code: 'lone_surrogate' }),
      expect.objectContaining({ row: 4, field: 'externalId', code: 'lone_surrogate' }),
      expect.objectContaining({ row: 5, field: 'occurredOn' }),
    ];
    for (const type of ['application/json', 'application/x-ndjson', 'text/csv']) {
      const { body } = serialize(type, rows);
      const res = await admin.send('POST', '/api/v1/transactions', body, { 'content-type': type });
      // CSV is UTF-8 text, which cannot carry a lone surrogate (the client sends U+FFFD instead)
      const expectedOf = type === 'text/csv' ? [expected[0], expected[3]] : expected;
      expect(await problemsOf(res), type).toEqual(expectedOf);
    }
    const after = await t.db.query<{ n: number }>('select count(*)::int as n from transactions');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  /** Requests for one operation: path parameters from the route targets, the rest generated. */
  function requestsOf(method: string, path: string, route: string, op: Operation) {
    const resolve = resolverOf(t.app.swagger() as unknown as Doc);
    const params = op.parameters ?? [];
    const pathArb = fc.record(
      Object.fromEntries(
        params
          .filter((p) => p.in === 'path')
          .map((p) => {
            const target = PARAMS_POINTING_AT_A[route]?.[p.name] ?? '1';
            const value = encodeURIComponent(ids[target] ?? target);
            return [
              p.name,
              fc.oneof(
                { weight: 5, arbitrary: fc.constant(value) },
                fc.constantFrom(...HOSTILE_PATH),
              ),
            ];
          }),
      ),
    );
    const query = params.filter((p) => p.in === 'query');
    const queryArb = fc.record(
      Object.fromEntries(query.map((p) => [p.name, arbitraryOf(p.schema, resolve)])),
      { requiredKeys: [] },
    );
    const contents = Object.entries(op.requestBody?.content ?? {});
    const bodyArb =
      contents.length === 0
        ? fc.constant(undefined)
        : fc.oneof(
            ...contents.map(([type, { schema }]) =>
              arbitraryOf(schema, resolve).map((value) => serialize(type, value)),
            ),
            fc
              .tuple(
                fc.constantFrom(...MALFORMED_BODIES),
                fc.constantFrom(...contents.map(([type]) => type)),
              )
              .map(([body, contentType]) => ({ body, contentType })),
          );
    return fc.tuple(pathArb, queryArb, bodyArb).map(([p, q, b]): Request => {
      const url =
        path.replace(/\{(\w+)\}/g, (_, name: string) => p[name] as string) + queryString(q);
      return { method, url, ...(b ?? {}) };
    });
  }
});

function isError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return typeof body.code === 'string' && typeof body.message === 'string';
  } catch {
    return false;
  }
}

/** A query string; lone surrogates go out as their (invalid) UTF-8 bytes, as a raw client may. */
function queryString(values: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      parts.push(`${key}=${encodeLoose(text)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function encodeLoose(text: string): string {
  return text
    .split(/([\ud800-\udfff])/)
    .map((part) =>
      /^[\ud800-\udfff]$/.test(part)
        ? `%ED%${(0xa0 + ((part.charCodeAt(0) >> 6) & 0x1f)).toString(16)}%${(0x80 + (part.charCodeAt(0) & 0x3f)).toString(16)}`
        : encodeURIComponent(part),
    )
    .join('');
}

/** The generated body in the operation's content type (feed rows also as NDJSON and CSV). */
function serialize(type: string, value: unknown): { body: string; contentType: string } {
  if (type === 'application/json') return { body: JSON.stringify(value), contentType: type };
  if (type === 'text/csv') {
    const rows = Array.isArray(value) ? value : [value];
    const header = [
      ...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : []))),
    ];
    const cell = (v: unknown) => {
      const s =
        v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = rows.map((r) =>
      header
        .map((h) => cell(r && typeof r === 'object' ? (r as Record<string, unknown>)[h] : r))
        .join(','),
    );
    return { body: [header.join(','), ...lines].join('\n') + '\n', contentType: type };
  }
  const rows = Array.isArray(value) ? value : [value];
  return { body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n', contentType: type };
}
