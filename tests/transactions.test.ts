import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  engines,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { createDealerFeedKey, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createTransactionsService } from '../src/server/modules/transactions/transactions.service';
import { createEventBus } from '../src/server/events';

type Problem = { row?: number; field?: string; code: string; message: string };
type ErrorBody = {
  code: string;
  message: string;
  details: { problems?: Problem[]; problemCount?: number };
};

/** Ingests JSON rows straight through a transactions service (row numbers from 1). */
function ingestJson(service: ReturnType<typeof createTransactionsService>, list: unknown[]) {
  return service.ingest({
    actor: SYSTEM_ACTOR,
    format: 'json',
    body: (async function* () {
      for (const [i, value] of list.entries()) yield { row: i + 1, value };
    })(),
    byteLimit: 1e6,
  });
}

describe.each(engines())('the actuals feed (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  const count = async () =>
    (await t.db.query<{ n: number }>('select count(*)::int as n from transactions')).rows[0]!.n;

  beforeAll(async () => {
    t = await startTestApp(engine, { INGEST_LIMIT_MB: '0.05' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
  });
  afterAll(async () => t?.close());

  it('ingests a JSON array and is idempotent on (source, externalId)', async () => {
    const rows = [
      txRow({ externalId: 'J-1' }),
      txRow({
        externalId: 'J-2',
        dealerCode: 'DLR-BRAVO',
        sku: 'BOLT-XL-HEV',
        quantity: 2,
        amount: '104000.00',
      }),
    ];
    const first = await admin.send('POST', '/api/v1/transactions', rows);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      received: 2,
      inserted: 2,
      duplicates: 0,
      dealers: 2,
      rolledUp: true,
    });
    const again = await admin.send('POST', '/api/v1/transactions', rows);
    expect(await again.json()).toMatchObject({ received: 2, inserted: 0, duplicates: 2 });
  });

  it('ingests NDJSON and CSV with the same columns', async () => {
    const nd =
      [txRow({ externalId: 'N-1' }), txRow({ externalId: 'N-2' })]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n';
    const res = await admin.send('POST', '/api/v1/transactions', nd, {
      'content-type': 'application/x-ndjson',
    });
    expect(await res.json()).toMatchObject({ inserted: 2 });
    const csv = [
      'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId',
      'retail_delivery,DLR-ALPHA,AURA-EX-BEV,5YJ3E1EA7KF317000,1,45500.00,USD,2026-04-02,dms-csv,C-1',
      'unwind,DLR-ALPHA,AURA-EX-BEV,5YJ3E1EA7KF317000,-1,-45500.00,USD,2026-05-10,dms-csv,C-2',
      '"retail_delivery","DLR-CHARLIE","AURA-LX-ICE",,1,"31,000.00",USD,2026-04-03,dms-csv,C-3',
    ].join('\n');
    const bad = await admin.send('POST', '/api/v1/transactions', csv, {
      'content-type': 'text/csv',
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorBody;
    expect(body.details.problems).toEqual([
      expect.objectContaining({ row: 3, field: 'amount', code: 'invalid_amount' }),
    ]);
    const good = csv.replace('"31,000.00"', '31000.00');
    const ok = await admin.send('POST', '/api/v1/transactions', good, {
      'content-type': 'text/csv',
    });
    expect(await ok.json()).toMatchObject({ received: 3, inserted: 3 });
  });

  it('rejects a batch with any invalid row whole, listing every problem by row and field', async () => {
    const before = await count();
    const rows = [
      txRow({ externalId: 'B-1' }),
      txRow({ externalId: 'B-2', dealerCode: 'NOPE' }),
      txRow({ externalId: 'B-3', sku: 'NOPE-SKU' }),
      txRow({ externalId: 'B-4', occurredOn: '2026-02-30' }),
      txRow({ externalId: 'B-5', quantity: 0 }),
      txRow({ externalId: 'B-6', amount: 12.5 }),
      txRow({ externalId: 'B-7', kind: 'lease' }),
      txRow({ externalId: 'B-8', kind: 'unwind', quantity: 1 }),
      txRow({ externalId: '', currency: 'XXX' }),
      'not an object',
    ];
    const res = await admin.send('POST', '/api/v1/transactions', rows);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.code).toBe('VALIDATION_FAILED');
    const got = body.details.problems!.map((p) => `${p.row}:${p.field ?? ''}:${p.code}`);
    expect(got).toEqual([
      '2:dealerCode:unknown_dealer',
      '3:sku:unknown_sku',
      '4:occurredOn:invalid_date',
      '5:quantity:zero_quantity',
      '6:amount:amount_not_string',
      '7:kind:invalid_kind',
      '8:quantity:unwind_sign',
      '9:currency:invalid_currency',
      '9:externalId:required',
      '10::not_an_object',
    ]);
    expect(await count()).toBe(before);
  });

  it('answers malformed bodies, wrong media types and oversized bodies with a clear 4xx', async () => {
    const broken = await admin.send(
      'POST',
      '/api/v1/transactions',
      '[{"kind": "retail_delivery",',
      { 'content-type': 'application/json' },
    );
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as ErrorBody).code).toBe('MALFORMED_BODY');
    const badLine = await admin.send(
      'POST',
      '/api/v1/transactions',
      `${JSON.stringify(txRow())}\n{oops}\n`,
      { 'content-type': 'application/x-ndjson' },
    );
    expect(badLine.status).toBe(400);
    expect(((await badLine.json()) as ErrorBody).details.problems![0]).toMatchObject({
      row: 2,
      code: 'malformed_json',
    });
    const header = await admin.send(
      'POST',
      '/api/v1/transactions',
      'kind,dealer,sku\nretail_delivery,DLR-ALPHA,X\n',
      { 'content-type': 'text/csv' },
    );
    expect(header.status).toBe(400);
    expect(((await header.json()) as ErrorBody).details.problems!.map((p) => p.code)).toContain(
      'missing_column',
    );
    const xml = await admin.send('POST', '/api/v1/transactions', '<rows/>', {
      'content-type': 'application/xml',
    });
    expect(xml.status).toBe(415);
    const big = Array.from({ length: 400 }, (_, i) => txRow({ externalId: `BIG-${i}` }));
    const tooLarge = await admin.send('POST', '/api/v1/transactions', big);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as ErrorBody).code).toBe('PAYLOAD_TOO_LARGE');
    const empty = await admin.send('POST', '/api/v1/transactions', []);
    expect(empty.status).toBe(400);
  });

  it("lets a dealer-scoped key post only its own dealer's rows", async () => {
    const key = await createDealerFeedKey(t.services, 'DLR-BRAVO', 'Bravo DMS');
    const client = bearer(t.url, key.key);
    const before = await count();
    const mixed = await client.send('POST', '/api/v1/transactions', [
      txRow({ dealerCode: 'DLR-BRAVO', externalId: 'K-1' }),
      txRow({ dealerCode: 'DLR-ALPHA', externalId: 'K-2' }),
    ]);
    expect(mixed.status).toBe(403);
    expect(((await mixed.json()) as ErrorBody).details.problems).toEqual([
      expect.objectContaining({ row: 2, code: 'dealer_not_allowed' }),
    ]);
    expect(await count()).toBe(before);
    const own = await client.send('POST', '/api/v1/transactions', [
      txRow({ dealerCode: 'DLR-BRAVO', externalId: 'K-1' }),
    ]);
    expect(own.status).toBe(200);
    const list = (await (await client.get('/api/v1/transactions')).json()) as {
      items: { dealerCode: string }[];
    };
    expect(new Set(list.items.map((i) => i.dealerCode))).toEqual(new Set(['DLR-BRAVO']));
  });

  it('streams new rows straight in and sends segments with stored or repeated keys through staging', async () => {
    // segments of two rows: rows 6-7 hold a stored key and rows 8-9 repeat row 5; the others are new
    const service = createTransactionsService({
      db: t.db,
      events: createEventBus(),
      segmentChars: 150,
      chunkLines: 1,
      smallBatchChars: 100,
    });
    const stored = txRow({ externalId: 'SEG-STORED', dealerCode: 'DLR-CHARLIE' });
    await ingestJson(service, [stored]);
    const rows = Array.from({ length: 12 }, (_, i) =>
      txRow({
        externalId: i === 7 ? 'SEG-STORED' : i === 9 ? 'SEG-5' : `SEG-${i}`,
        dealerCode: 'DLR-CHARLIE',
        occurredOn: '2025-03-03',
        quantity: 1,
        amount: '1000.10',
      }),
    );
    const result = await ingestJson(service, rows);
    expect(result).toMatchObject({ received: 12, inserted: 10, duplicates: 2 });
    const feed = await t.db.query<{ n: number; amount: string }>(
      `select count(*)::int as n, sum(amount)::text as amount from transactions
       where external_id like 'SEG-%' and occurred_on = '2025-03-03'`,
    );
    expect(feed.rows[0]).toMatchObject({ n: 10, amount: '10001.00' });
    const rollup = await t.db.query<{ quantity: number; amount: string; rows: number }>(
      `select quantity, amount::text as amount, row_count as rows from monthly_actuals m
       join dealers d on d.id = m.dealer_id where d.code = 'DLR-CHARLIE' and m.month = '2025-03-01'`,
    );
    expect(rollup.rows).toEqual([{ quantity: 10, amount: '10001.00', rows: 10 }]);
    const batch = await t.db.query<{ row_count: number; inserted: number; duplicates: number }>(
      'select row_count, inserted, duplicates from ingest_batches where id = $1',
      [result.batchId],
    );
    expect(batch.rows[0]).toEqual({ row_count: 12, inserted: 10, duplicates: 2 });
    const again = await ingestJson(service, rows);
    expect(again).toMatchObject({ received: 12, inserted: 0, duplicates: 12 });
  });

  it('takes concurrent batches with the same new keys in different orders: each key stored once', async () => {
    const events = createEventBus();
    // "large" batches stream straight in (exclusive lock), small ones merge in key order (shared)
    const large = createTransactionsService({
      db: t.db,
      events,
      segmentChars: 4000,
      chunkLines: 5,
      smallBatchChars: 500,
    });
    const small = createTransactionsService({ db: t.db, events, chunkLines: 5 });
    const rows = Array.from({ length: 200 }, (_, i) =>
      txRow({ externalId: `RACE-${i}`, dealerCode: 'DLR-CHARLIE', occurredOn: '2025-04-04' }),
    );
    const reversed = [...rows].reverse();
    const shuffled = rows.filter((_, i) => i % 2 === 1).concat(rows.filter((_, i) => i % 2 === 0));
    const results = await Promise.all([
      ingestJson(large, rows),
      ingestJson(large, reversed),
      ingestJson(small, reversed),
      ingestJson(small, shuffled),
    ]);
    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(200);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(600);
    const stored = await t.db.query<{ n: number }>(
      `select count(*)::int as n from transactions where external_id like 'RACE-%'`,
    );
    expect(stored.rows[0]!.n).toBe(200);
    // the roll-up counts each stored row once, whether tallied by a large batch or read back
    const rollup = await t.db.query<{ rows: number }>(
      `select sum(row_count)::int as rows from monthly_actuals m join dealers d on d.id = m.dealer_id
       where d.code = 'DLR-CHARLIE' and m.month = '2025-04-01'`,
    );
    expect(rollup.rows[0]!.rows).toBe(200);
  });

  describe('a batch of many new rows, rolled up right after its commit', () => {
    // the threshold is 100,000 new rows; these services lower it to 5
    const monthOf = async (month: string) =>
      (
        await t.db.query<{ rows: number | null }>(
          `select sum(row_count)::int as rows from monthly_actuals m
           join dealers d on d.id = m.dealer_id where d.code = 'DLR-CHARLIE' and m.month = $1`,
          [month],
        )
      ).rows[0]!.rows ?? 0;
    const batchOf = async (id: number) =>
      (
        await t.db.query<{ inserted: number; isRolledUp: boolean; dealers: string[] }>(
          `select inserted, rolled_up_at is not null as "isRolledUp",
                  array(select code from dealers where id = any(dealer_ids) order by code) as dealers
           from ingest_batches where id = $1`,
          [id],
        )
      ).rows[0];
    const rowsOf = (prefix: string, occurredOn: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        txRow({ externalId: `${prefix}-${i}`, dealerCode: 'DLR-CHARLIE', occurredOn }),
      );

    it('stores the rows, then rolls them up with the after-merge hooks and tells live pages', async () => {
      const events = createEventBus();
      const announced: { batchId: number; inserted: number }[] = [];
      events.on('transactions.ingested', (e) => announced.push(e));
      const service = createTransactionsService({
        db: t.db,
        events,
        rollUpAfterCommitRows: 5,
        segmentChars: 400,
        chunkLines: 2,
        smallBatchChars: 100,
      });
      const hookSaw: number[] = [];
      service.onAfterMerge(async (tx) => {
        const { rows } = await tx.query<{ n: number }>(
          'select sum(row_count)::int as n from ingest_delta',
        );
        hookSaw.push(rows[0]!.n);
      });
      const rows = rowsOf('LATE', '2025-05-05', 8);
      await ingestJson(service, rows.slice(0, 2));
      const result = await ingestJson(service, rows);
      expect(result).toMatchObject({ received: 8, inserted: 6, duplicates: 2, rolledUp: false });
      // the rows are stored when the call returns
      const stored = await t.db.query<{ n: number }>(
        `select count(*)::int as n from transactions where external_id like 'LATE-%'`,
      );
      expect(stored.rows[0]!.n).toBe(8);
      await service.rollUpsSettled();
      expect(await monthOf('2025-05-01')).toBe(8);
      expect(await batchOf(result.batchId)).toEqual({
        inserted: 6,
        isRolledUp: true,
        dealers: ['DLR-CHARLIE'],
      });
      // the small first batch ran its hooks in its own commit; the large one in its roll-up
      expect(hookSaw).toEqual([2, 6]);
      expect(announced.filter((e) => e.batchId === result.batchId)).toEqual([
        { batchId: result.batchId, inserted: 6 },
      ]);
    });

    it('keeps a batch whose roll-up failed pending, and rolls it up once when the server starts again', async () => {
      const errors: unknown[] = [];
      const failing = createTransactionsService({
        db: t.db,
        events: createEventBus(),
        rollUpAfterCommitRows: 5,
        onRollUpError: (error) => errors.push(error),
      });
      failing.onAfterMerge(async () => {
        throw new Error('the power went out');
      });
      const result = await ingestJson(failing, rowsOf('CUT', '2025-06-06', 6));
      expect(result).toMatchObject({ inserted: 6, rolledUp: false });
      await failing.rollUpsSettled();
      expect(errors).toEqual([expect.objectContaining({ message: 'the power went out' })]);
      // the feed holds the rows; the roll-up holds none of them
      const stored = await t.db.query<{ n: number }>(
        `select count(*)::int as n from transactions where external_id like 'CUT-%'`,
      );
      expect(stored.rows[0]!.n).toBe(6);
      expect(await monthOf('2025-06-01')).toBe(0);
      expect(await batchOf(result.batchId)).toMatchObject({ inserted: 6, isRolledUp: false });

      // two processes start at once: each pending batch is rolled up by one of them
      const restarted = [1, 2].map(() =>
        createTransactionsService({ db: t.db, events: createEventBus() }),
      );
      await Promise.all(restarted.map((s) => s.resumeRollUps()));
      expect(await monthOf('2025-06-01')).toBe(6);
      expect(await batchOf(result.batchId)).toMatchObject({ inserted: 6, isRolledUp: true });
      await restarted[0]!.resumeRollUps();
      expect(await monthOf('2025-06-01')).toBe(6);
    });
  });

  it('shows posted rows in the monthly actuals right after the post returns, net of unwinds', async () => {
    const post = await admin.send('POST', '/api/v1/transactions', [
      txRow({
        externalId: 'M-1',
        dealerCode: 'DLR-CHARLIE',
        occurredOn: '2026-06-01',
        sku: 'AURA-EX-BEV',
      }),
      txRow({
        externalId: 'M-2',
        dealerCode: 'DLR-CHARLIE',
        occurredOn: '2026-06-20',
        sku: 'AURA-EX-BEV',
      }),
      txRow({
        externalId: 'M-3',
        dealerCode: 'DLR-CHARLIE',
        occurredOn: '2026-06-21',
        sku: 'AURA-LX-ICE',
      }),
      txRow({
        externalId: 'M-4',
        dealerCode: 'DLR-CHARLIE',
        occurredOn: '2026-07-02',
        sku: 'AURA-EX-BEV',
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
      }),
    ]);
    expect(post.status).toBe(200);
    const res = await admin.get(
      '/api/v1/dealers/DLR-CHARLIE/actuals/monthly?from=2026-05&to=2026-07',
    );
    const body = (await res.json()) as {
      months: string[];
      totals: { quantity: number; amount: string }[];
      modelLines: { code: string; quantities: number[] }[];
      bevShare: (number | null)[];
    };
    expect(body.months).toEqual(['2026-05', '2026-06', '2026-07']);
    expect(body.totals.map((x) => x.quantity)).toEqual([0, 3, -1]);
    expect(body.totals[1]!.amount).toBe('93000.00');
    expect(body.modelLines).toEqual([{ code: 'ML-AURA', name: 'Aura', quantities: [0, 3, -1] }]);
    expect(body.bevShare[1]).toBe(66.7);
  });

  it('lists and exports transactions with filters', async () => {
    const list = (await (
      await admin.get('/api/v1/transactions?dealer=DLR-ALPHA&kind=unwind')
    ).json()) as { items: { externalId: string }[]; total: number };
    expect(list.items.map((i) => i.externalId)).toEqual(['C-2']);
    expect(list.total).toBe(1);
    const csv = await (
      await admin.get('/api/v1/transactions/export?dealer=DLR-ALPHA&from=2026-04-01&to=2026-04-30')
    ).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt,ingestedAt,originalExternalId',
    );
    expect(lines.slice(1).map((l) => l.split(',')[9])).toEqual(['C-1']);
    // the feed's own field names and the batch read back what one POST stored
    const same = (await (
      await admin.get('/api/v1/transactions?dealerCode=DLR-ALPHA&kind=unwind')
    ).json()) as { items: { externalId: string }[] };
    expect(same.items.map((i) => i.externalId)).toEqual(['C-2']);
    const byId = (await (
      await admin.get('/api/v1/transactions?source=dms-csv&externalId=C-2')
    ).json()) as { items: { externalId: string }[]; total: number };
    expect(byId.items.map((i) => i.externalId)).toEqual(['C-2']);
    const bad = await admin.get('/api/v1/transactions?from=2026-13-01');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).details.problems![0]).toMatchObject({
      path: 'querystring.from',
    });
  });
});
