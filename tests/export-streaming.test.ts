/**
 * Issue 18: the transactions export streams one `COPY (select …) TO STDOUT` (PGlite: the same
 * COPY over windows of ids). Checked here on each engine: an export of more rows than one page of
 * the old keyset export (5,000) comes out complete and in id order, byte for byte what the old
 * export wrote (cells formatted by exportCell and formatMinor in this process, the reference
 * below); a dealer sees only its rows; abandoned exports give their connections back; and the SQL
 * forms of the cell rules (literals, neutralising, minor units) agree with the JavaScript ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../src/server/auth/actor';
import { inlineParams, sqlLiteral } from '../src/server/db/sql-literal';
import { createEventBus } from '../src/server/events';
import {
  exportCell,
  minorUnitSql,
  neutraliseCell,
  neutraliseSql,
} from '../src/server/http/csv-export';
import { createTransactionsService } from '../src/server/modules/transactions/transactions.service';
import { formatMinor } from '../src/shared/money';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

const OLD_PAGE = 5000;
const ROWS_A = 4200;
const ROWS_B = 2100;
const ROWS_C = 1000;

const HEADER =
  'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt,ingestedAt,originalExternalId';

/** Values a cell must survive: formula starts, CSV specials, plain numbers, empty text. */
const TRICKY = [
  '=1+2',
  '+cmd|x',
  '-2+3',
  '-5',
  '-2.50',
  '@SUM(A1)',
  '\tx',
  '\rx',
  '＝1',
  '＋1',
  '－1',
  '＠1',
  'a,b',
  'say "hi"',
  'two\nlines',
  "it's",
  'back\\slash',
  '',
  '1e5',
  '-',
  '- 3',
  '３',
  'plain',
];

/** The old export's cells, formatted here (exportCell, formatMinor), in id order. */
async function referenceCsv(t: TestApp, where: string, params: unknown[]): Promise<string> {
  const { rows } = await t.db.query<Record<string, string | number | null>>(
    `select t.kind, d.code as "dealerCode", s.code as sku, t.vin, t.quantity, t.amount::text as amount, t.currency,
            t.occurred_on as "occurredOn", t.source, t.external_id as "externalId",
            to_json(t.received_at)#>>'{}' as "receivedAt",
            to_json(coalesce(t.ingested_at, t.received_at))#>>'{}' as "ingestedAt",
            t.original_external_id as "originalExternalId"
     from transactions t join dealers d on d.id = t.dealer_id join skus s on s.id = t.sku_id
     where ${where} order by t.id`,
    params,
  );
  const lines = rows.map(
    (r) =>
      [
        r.kind,
        r.dealerCode,
        r.sku,
        r.vin,
        r.quantity,
        formatMinor(r.amount as string, r.currency as string),
        r.currency,
        r.occurredOn,
        r.source,
        r.externalId,
        r.receivedAt,
        r.ingestedAt,
        r.originalExternalId,
      ]
        .map(exportCell)
        .join(',') + '\n',
  );
  return `${HEADER}\n${lines.join('')}`;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

describe.each(engines())('the transactions export streams (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let dealerA: Client;
  let dealerIds: Record<string, number>;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const rows: Record<string, unknown>[] = [];
    // interleaved dealers, so a dealer's rows are spread over the id range
    for (let i = 0; i < ROWS_A + ROWS_B + ROWS_C; i++) {
      const dealerCode =
        i % 7 === 3 ? 'DLR-CHARLIE' : i % 3 === 1 && i < 3 * ROWS_B ? 'DLR-BRAVO' : 'DLR-ALPHA';
      rows.push(
        txRow({
          dealerCode,
          externalId: `E-${i}`,
          occurredOn: `2026-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, '0')}`,
          vin: i % 5 === 0 ? `VXN${String(i).padStart(14, '0')}` : null,
          amount: `${31000 + (i % 97)}.${String(i % 100).padStart(2, '0')}`,
        }),
      );
    }
    await ingestRows(t.services, rows);
    await ingestRows(t.services, [
      txRow({ kind: 'unwind', quantity: -1, amount: '-31000.00', externalId: 'U-1' }),
    ]);
    // cells no sender would send but the export must still write right
    const { rows: few } = await t.db.query<{ id: number }>(
      `select id from transactions order by id limit $1`,
      [TRICKY.length],
    );
    for (const [i, value] of TRICKY.entries()) {
      await t.db.query(
        `update transactions set external_id = $2, source = $3, original_external_id = $2 where id = $1`,
        [few[i]!.id, value, `src-${value}`],
      );
    }
    // minor units other than 2, with a half to round (stored amounts never carry one, but the
    // one rounding rule must agree all the same)
    await t.db.query(
      `update transactions set currency = 'JPY', amount = case when id % 2 = 0 then 23524.50 else -100.50 end
       where id in (select id from transactions order by id desc limit 4)`,
    );
    await t.db.query(
      `update transactions set received_at = occurred_on + interval '1 day 3 hours'`,
    );
    dealerIds = Object.fromEntries(
      (await t.db.query<{ code: string; id: number }>('select code, id from dealers')).rows.map(
        (r) => [r.code, r.id],
      ),
    );
    admin = await login(t.url, USERS.admin, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
  }, 300_000);
  afterAll(async () => t?.close());

  it('writes every row of a large export, in id order, exactly as the paged export did', async () => {
    const res = await admin.get('/api/v1/transactions/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await res.text();
    const expected = await referenceCsv(t, 'true', []);
    expect(expected.split('\n').length - 2).toBeGreaterThan(OLD_PAGE);
    expect(csv).toBe(expected);
    // the filters still apply (and their values cannot break out of their literals)
    const filtered = await admin.get(
      `/api/v1/transactions/export?from=2026-02-01&to=2026-02-28&source=${encodeURIComponent('dms-test')}`,
    );
    expect(await filtered.text()).toBe(
      await referenceCsv(
        t,
        `t.occurred_on between '2026-02-01' and '2026-02-28' and t.source = 'dms-test'`,
        [],
      ),
    );
    const hostile = await admin.get(
      `/api/v1/transactions/export?externalId=${encodeURIComponent("x' or '1'='1")}`,
    );
    expect(await hostile.text()).toBe(`${HEADER}\n`);
    const tricky = await admin.get(
      `/api/v1/transactions/export?externalId=${encodeURIComponent("it's")}&source=${encodeURIComponent("src-it's")}`,
    );
    expect((await tricky.text()).split('\n')).toHaveLength(3);
  });

  it('crosses PGlite windows and keeps the order (small windows)', async () => {
    const service = createTransactionsService({
      db: t.db,
      events: createEventBus(),
      exportWindowIds: 997,
    });
    const csv = await collect(service.exportTransactions({ actor: SYSTEM_ACTOR, filter: {} }));
    expect(csv).toBe(await referenceCsv(t, 'true', []));
  });

  it('gives a dealer only its own rows, whatever it filters by', async () => {
    const own = await dealerA.get('/api/v1/transactions/export');
    expect(own.status).toBe(200);
    const text = await own.text();
    expect(text).toBe(await referenceCsv(t, 't.dealer_id = $1', [dealerIds['DLR-ALPHA']]));
    expect(text.split('\n').length - 2).toBeGreaterThan(OLD_PAGE / 2);
    const other = await dealerA.get('/api/v1/transactions/export?dealer=DLR-BRAVO');
    expect(await other.text()).toBe(`${HEADER}\n`);
    // a dealer group's scope (A and C) through the service, with windows
    const group: Actor = {
      ...SYSTEM_ACTOR,
      role: 'dealer_principal',
      scope: {
        kind: 'dealers',
        dealerIds: [dealerIds['DLR-ALPHA']!, dealerIds['DLR-CHARLIE']!],
        dealerCodes: ['DLR-ALPHA', 'DLR-CHARLIE'],
        label: 'G1',
      },
    };
    const service = createTransactionsService({
      db: t.db,
      events: createEventBus(),
      exportWindowIds: 1500,
    });
    const csv = await collect(service.exportTransactions({ actor: group, filter: {} }));
    expect(csv).toBe(
      await referenceCsv(t, 't.dealer_id = any($1::int[])', [
        [dealerIds['DLR-ALPHA'], dealerIds['DLR-CHARLIE']],
      ]),
    );
    expect(csv).not.toContain('DLR-BRAVO');
  });

  it('gives connections back when readers walk away mid-export', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await admin.get('/api/v1/transactions/export');
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
    }
    const res = await dealerA.get('/api/v1/transactions/export?kind=unwind');
    expect((await res.text()).split('\n')).toHaveLength(3);
  });
});

describe.each(engines())('the SQL forms of the export cell rules (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  }, 180_000);
  afterAll(async () => t?.close());

  it('round-trips every literal and neutralises as neutraliseCell does', async () => {
    const values = [...TRICKY, "'; drop table dealers; --", "\\'", 'E\\n', '$1', 'Ω✓ 🚗'];
    const sql = `select v, ${neutraliseSql('v')} as n from unnest(array[${values.map(sqlLiteral).join(', ')}]::text[]) v`;
    const { rows } = await t.db.query<{ v: string; n: string }>(sql);
    expect(rows.map((r) => r.v)).toEqual(values);
    expect(rows.map((r) => r.n)).toEqual(values.map(neutraliseCell));
    const inlined = inlineParams('select $1::int as a, $2 as b, $3::int[] as c, $4::int[] as d', [
      -7,
      "x'y",
      [],
      [1, 2],
    ]);
    const [row] = (await t.db.query<{ a: number; b: string; c: number[]; d: number[] }>(inlined))
      .rows;
    expect(row).toEqual({ a: -7, b: "x'y", c: [], d: [1, 2] });
    expect(() => inlineParams('select $2', [1])).toThrow(RangeError);
    expect(() => sqlLiteral({})).toThrow(TypeError);
  });

  it('rounds to the minor unit as formatMinor does', async () => {
    const cases: [string, string][] = [
      ['20.00', 'USD'],
      ['-20.00', 'USD'],
      ['23524.00', 'JPY'],
      ['23524.50', 'JPY'],
      ['-100.50', 'JPY'],
      ['-0.40', 'KRW'],
      ['0.00', 'EUR'],
      ['99999999999999.99', 'GBP'],
    ];
    for (const [amount, currency] of cases) {
      const { rows } = await t.db.query<{ v: string }>(
        `select ${minorUnitSql('$1::numeric(16,2)', '$2::char(3)')} as v`,
        [amount, currency],
      );
      expect(rows[0]!.v, `${amount} ${currency}`).toBe(formatMinor(amount, currency));
    }
  });
});
