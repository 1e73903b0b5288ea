/**
 * The retail delivery report in (issue 15, part 2): POST /api/v1/rdr maps each delivery onto the
 * actuals feed with the same guarantees (all or nothing, idempotent per dealer on source + deal
 * number, row-located problems) and stores the report's own fields beside the feed row in the
 * same transaction. Every conformance fixture in fixtures/rdr/ runs through the API, in name
 * order, against one database seeded with the test network (tests/helpers/fixtures.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createDealerFeedKey, seedFixtures } from './helpers/fixtures';
import { bearer, engines, startTestApp, type Client, type TestApp } from './helpers/test-app';

const DIR = new URL('../fixtures/rdr/', import.meta.url);
/** Every report: NAME.json (JSON) or NAME.xml (STAR XML), with NAME.expected.json. */
const FIXTURES = readdirSync(DIR)
  .filter((f) => (f.endsWith('.json') && !f.endsWith('.expected.json')) || f.endsWith('.xml'))
  .sort();

type Expected = {
  status: number;
  code?: string;
  result?: Record<string, unknown>;
  problems?: { row: number; field: string; code: string }[];
};

const read = (name: string) => JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as unknown;

describe.each(engines())('retail delivery report (%s)', (engine) => {
  let t: TestApp;
  let dms: Client;
  let alphaDms: Client;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    const network = await t.services.accounts.createApiKey({
      actor: SYSTEM_ACTOR,
      data: {
        name: 'DMS hub',
        role: 'integration',
        regionCode: null,
        dealerCode: null,
        dealerGroupCode: null,
      },
    });
    dms = bearer(t.url, network.key);
    alphaDms = bearer(t.url, (await createDealerFeedKey(t.services, 'DLR-ALPHA', 'Alpha DMS')).key);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has valid and invalid fixtures, JSON and XML, each with its expected result', () => {
    for (const ext of ['.json', '.xml']) {
      expect(FIXTURES.some((f) => f.includes('-valid-') && f.endsWith(ext))).toBe(true);
      expect(FIXTURES.some((f) => f.includes('-invalid-') && f.endsWith(ext))).toBe(true);
    }
  });

  it.each(FIXTURES)('fixture %s gives its expected result', async (file) => {
    const name = file.replace(/\.(json|xml)$/, '');
    const expected = read(`${name}.expected.json`) as Expected;
    const before = await t.db.query<{ n: number }>('select count(*)::int as n from transactions');
    const res = file.endsWith('.xml')
      ? await dms.send('POST', '/api/v1/rdr', readFileSync(new URL(file, DIR), 'utf8'), {
          'content-type': 'application/xml',
        })
      : await dms.send('POST', '/api/v1/rdr', read(file));
    const body = (await res.json()) as {
      code?: string;
      details?: { problems?: { row: number; field: string; code: string }[] };
    };
    expect(res.status, JSON.stringify(body)).toBe(expected.status);
    if (expected.result) expect(body).toMatchObject(expected.result);
    if (expected.code) expect(body.code).toBe(expected.code);
    if (expected.problems) {
      expect(
        body.details?.problems?.map((p) => ({ row: p.row, field: p.field, code: p.code })),
      ).toEqual(expected.problems);
      // all or nothing: a rejected report writes no row
      const after = await t.db.query<{ n: number }>('select count(*)::int as n from transactions');
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    }
  });

  it('stores the report fields beside the feed rows', async () => {
    const { rows } = await t.db.query<Record<string, unknown>>(
      `select t.kind, t.quantity, t.amount::text as amount, to_char(t.occurred_on, 'YYYY-MM-DD') as occurred_on,
              r.sale_category, r.buyer_type, r.buyer_postcode, r.buyer_state, r.buyer_country,
              r.salesperson_id, r.odometer_km, to_char(r.sale_date, 'YYYY-MM-DD') as sale_date
       from rdr_sales r join transactions t
         on t.dealer_id = r.dealer_id and t.source = r.source and t.external_id = r.external_id
       where r.external_id in ('RDR-1002', 'RDR-2002', 'RDR-1001-C') order by r.external_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'unwind',
        quantity: -1,
        amount: '-31250.00',
        sale_category: 'retail',
      }),
      expect.objectContaining({
        kind: 'retail_delivery',
        quantity: 1,
        amount: '49800.00',
        occurred_on: '2026-03-04',
        sale_date: '2026-03-02',
        sale_category: 'fleet',
        buyer_type: 'business',
        buyer_postcode: '93721',
        buyer_state: 'CA',
        buyer_country: 'US',
        salesperson_id: 'SP-017',
        odometer_km: 12,
      }),
      expect.objectContaining({
        sale_category: 'demonstrator',
        buyer_type: 'dealer',
        odometer_km: 2300,
      }),
    ]);
    const count = await t.db.query<{ feed: number; details: number }>(
      `select (select count(*)::int from transactions where source = 'dms-star') as feed,
              (select count(*)::int from rdr_sales where source = 'dms-star') as details`,
    );
    expect(count.rows[0]).toEqual({ feed: 8, details: 8 });
  });

  it("refuses a dealer's DMS reporting another dealer's delivery, writing nothing", async () => {
    const report = read('03-valid-every-sale-category.json') as {
      source: string;
      deliveries: Record<string, unknown>[];
    };
    const res = await alphaDms.send('POST', '/api/v1/rdr', {
      source: 'alpha-dms',
      deliveries: report.deliveries.slice(3),
    });
    const body = (await res.json()) as { details: { problems: { row: number; code: string }[] } };
    expect(res.status).toBe(403);
    expect(body.details.problems).toEqual([
      expect.objectContaining({ row: 2, code: 'dealer_not_allowed' }),
    ]);
    const stored = await t.db.query(`select 1 from transactions where source = 'alpha-dms'`);
    expect(stored.rows).toHaveLength(0);
  });

  it('writes the feed rows and their details in one transaction', async () => {
    // a detail row the database refuses takes the feed rows of the report down with it
    await t.db.exec(
      `alter table rdr_sales add constraint test_no_loaners check (sale_category <> 'loaner') not valid`,
    );
    try {
      const report = read('03-valid-every-sale-category.json') as {
        deliveries: Record<string, unknown>[];
      };
      const res = await dms.send('POST', '/api/v1/rdr', {
        source: 'dms-atomic',
        deliveries: report.deliveries,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      const stored = await t.db.query(`select 1 from transactions where source = 'dms-atomic'`);
      expect(stored.rows).toHaveLength(0);
    } finally {
      await t.db.exec('alter table rdr_sales drop constraint test_no_loaners');
    }
  });
  it('stores an XML report exactly as its JSON twin: miles in km, entities decoded', async () => {
    const { rows } = await t.db.query<Record<string, unknown>>(
      `select r.external_id, r.sale_category, r.buyer_type, r.salesperson_id, r.odometer_km,
              t.kind, t.amount::text as amount, t.currency
         from rdr_sales r join transactions t
           on t.dealer_id = r.dealer_id and t.source = r.source and t.external_id = r.external_id
        where r.source = 'dms-star-xml' order by r.external_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        external_id: 'RDR-X1001',
        sale_category: 'retail',
        salesperson_id: 'SP-017 & A',
        odometer_km: 12,
        kind: 'retail_delivery',
        amount: '31250.00',
      }),
      // 10 miles, rounded to whole kilometres
      expect.objectContaining({
        external_id: 'RDR-X1002',
        sale_category: 'lease',
        odometer_km: 16,
      }),
    ]);
  });

  it('locates XML problems by element path, and answers bad XML with a 4xx, never a 500', async () => {
    const xml = readFileSync(new URL('12-invalid-star-xml-fields.xml', DIR), 'utf8');
    const post = (body: string, type = 'application/xml') =>
      dms.send('POST', '/api/v1/rdr', body, { 'content-type': type });
    const res = await post(xml, 'text/xml; charset=utf-8');
    const body = (await res.json()) as { details: { problems: { path: string }[] } };
    expect(res.status).toBe(400);
    expect(body.details.problems[0]!.path).toBe(
      '/ProcessRetailDeliveryReporting/DataArea/RetailDeliveryReporting[1]/Vehicle/TrimColour',
    );
    expect(body.details.problems[3]!.path).toBe(
      '/ProcessRetailDeliveryReporting/DataArea/RetailDeliveryReporting[2]/VehicleSalePrice/@currencyID',
    );
    const valid = readFileSync(new URL('10-valid-star-xml.xml', DIR), 'utf8');
    const cases: [string, number, string?][] = [
      ['<a>', 400, 'malformed_xml'],
      ['', 400],
      ['<Other xmlns="x"/>', 400, 'unexpected_root'],
      [valid.replace(/<Sender>.*<\/Sender>/, '<Sender/>'), 400, 'required'],
      [
        valid.replace(/<RetailDeliveryReporting>[\s\S]*<\/RetailDeliveryReporting>/, ''),
        400,
        'too_small',
      ],
      ['<?xml version="1.0" encoding="ISO-8859-1"?><a/>', 400, 'unsupported_encoding'],
      [`${'<a>'.repeat(50)}${'</a>'.repeat(50)}`, 400],
      [
        '<ProcessRetailDeliveryReporting><__proto__>1</__proto__></ProcessRetailDeliveryReporting>',
        400,
      ],
      [
        '<!--&nbsp;<!DOCTYPE x>-->' +
          valid.replace(/^<\?xml[^>]*>/, '').replace(/RDR-X100/g, 'RDR-Y100'),
        200,
      ],
    ];
    for (const [doc, status, code] of cases) {
      const answer = await post(doc);
      const text = await answer.text();
      expect(answer.status, `${doc.slice(0, 60)}: ${text}`).toBe(status);
      if (code) expect(text).toContain(`"code":"${code}"`);
    }
    // only JSON and XML are taken: plain text is refused (the route's body check)
    expect((await post(valid, 'text/plain')).status).toBe(400);
    expect((await post(valid, 'application/octet-stream')).status).toBe(415);
  });

  it('refuses an XML report over the size limit with 413, writing nothing', async () => {
    const small = await startTestApp(engine, { BODY_LIMIT_MB: '0.125' });
    try {
      await seedFixtures(small.db);
      const key = await small.services.accounts.createApiKey({
        actor: SYSTEM_ACTOR,
        data: {
          name: 'hub',
          role: 'integration',
          regionCode: null,
          dealerCode: null,
          dealerGroupCode: null,
        },
      });
      const xml = readFileSync(new URL('10-valid-star-xml.xml', DIR), 'utf8');
      const big = xml.replace('<!--', `<!--${'x'.repeat(300_000)}`);
      const res = await bearer(small.url, key.key).send('POST', '/api/v1/rdr', big, {
        'content-type': 'application/xml',
      });
      expect(res.status).toBe(413);
      // within twice the JSON limit it is taken
      const ok = await bearer(small.url, key.key).send(
        'POST',
        '/api/v1/rdr',
        xml.replace('<!--', `<!--${'x'.repeat(150_000)}`),
        {
          'content-type': 'application/xml',
        },
      );
      expect(ok.status, await ok.text()).toBe(200);
      const stored = await small.db.query<{ n: number }>(
        'select count(*)::int as n from transactions',
      );
      expect(stored.rows[0]!.n).toBe(2);
    } finally {
      await small.close();
    }
  });
});
