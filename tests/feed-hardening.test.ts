/**
 * The feed under a hostile or careless sender (issue 12, items 2 and 9): the idempotency key is
 * per dealer, a key repeated inside one batch with different content is a row error, and bodies
 * built to make the readers slow neither block the server nor get past the record limit.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, engines, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { createDealerFeedKey, seedFixtures, txRow } from './helpers/fixtures';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createEventBus } from '../src/server/events';
import { MAX_RECORD_CHARS } from '../src/server/modules/transactions/ingest-parsers';
import { createTransactionsService } from '../src/server/modules/transactions/transactions.service';

type Problem = { row?: number; field?: string; code: string; message: string };
type ErrorBody = { code: string; message: string; details: { problems?: Problem[] } };

const HEADER = 'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId';
const CSV_LINE = 'retail_delivery,DLR-ALPHA,AURA-LX-ICE,,1,31000.00,USD,2026-03-14,dms-csv';

/** Ingests JSON rows straight through a transactions service as the system (rows from 1). */
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

/** How much of a hostile body goes out before the sender waits for the server to answer others. */
const PART_BYTES = 16 * 1024;

/**
 * POSTs `body` in parts of PART_BYTES, and between two parts waits until `between()` (a request to
 * the same server) has its answer: the server answers other requests while the body is still being
 * read and parsed, or this never returns. Stops sending once the POST is answered. Gives the answer,
 * how many parts went out and how many `between()` answers came while the POST was unanswered.
 */
async function postInParts(
  url: string,
  body: string,
  headers: Record<string, string>,
  between: () => Promise<void>,
): Promise<{
  status: number;
  text: string;
  partsSent: number;
  parts: number;
  interleaved: number;
}> {
  const bytes = Buffer.from(body);
  const parts = Math.ceil(bytes.length / PART_BYTES);
  let answer: { status: number; text: string } | null = null;
  const req = request(url, { method: 'POST', headers });
  const answered = new Promise<{ status: number; text: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve((answer = { status: res.statusCode ?? 0, text })));
    });
    // the server may close the connection once it has answered
    req.on('error', (e) => resolve((answer ??= { status: 0, text: String(e) })));
  });
  let partsSent = 0;
  let interleaved = 0;
  while (partsSent < parts && !answer) {
    const part = bytes.subarray(partsSent * PART_BYTES, (partsSent + 1) * PART_BYTES);
    await new Promise<void>((resolve) => req.write(part, () => resolve()));
    partsSent += 1;
    await between();
    if (!answer) interleaved += 1;
  }
  if (!answer) req.end();
  const result = await answered;
  req.destroy();
  return { ...result, partsSent, parts, interleaved };
}

describe.each(engines())('the feed under hostile senders (%s)', (engine) => {
  let t: TestApp;
  let alpha: Client;
  let alphaKey: string;
  let bravo: Client;
  const stored = async (externalId: string) =>
    (
      await t.db.query<{ dealer: string; amount: string; batchRow: number }>(
        `select d.code as dealer, t.amount::text as amount, t.batch_row as "batchRow"
         from transactions t join dealers d on d.id = t.dealer_id
         where t.external_id = $1 order by d.code`,
        [externalId],
      )
    ).rows;
  const count = async () =>
    (await t.db.query<{ n: number }>('select count(*)::int as n from transactions')).rows[0]!.n;
  const post = (client: Client, rows: unknown[]) =>
    client.send('POST', '/api/v1/transactions', rows);

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    alphaKey = (await createDealerFeedKey(t.services, 'DLR-ALPHA', 'Alpha DMS')).key;
    alpha = bearer(t.url, alphaKey);
    bravo = bearer(t.url, (await createDealerFeedKey(t.services, 'DLR-BRAVO', 'Bravo DMS')).key);
  });
  afterAll(async () => t?.close());

  describe('the idempotency key is (dealer, source, externalId)', () => {
    it("takes an id another dealer already used as new: the other dealer's row stays hidden", async () => {
      const bravos = txRow({ dealerCode: 'DLR-BRAVO', source: 'dms', externalId: 'SHARED-1' });
      expect(await (await post(bravo, [bravos])).json()).toMatchObject({ inserted: 1 });
      const alphas = txRow({ dealerCode: 'DLR-ALPHA', source: 'dms', externalId: 'SHARED-1' });
      const res = await post(alpha, [alphas]);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ received: 1, inserted: 1, duplicates: 0 });
      expect((await stored('SHARED-1')).map((r) => r.dealer)).toEqual(['DLR-ALPHA', 'DLR-BRAVO']);
      // sent again, a row is a duplicate of its own dealer's row only
      expect(await (await post(alpha, [alphas])).json()).toMatchObject({
        inserted: 0,
        duplicates: 1,
      });
    });

    it("stores a dealer's row whose id another dealer sent first (no squatting)", async () => {
      const squat = txRow({ dealerCode: 'DLR-ALPHA', source: 'dms', externalId: 'SQUAT-1' });
      expect(await (await post(alpha, [squat])).json()).toMatchObject({ inserted: 1 });
      const later = txRow({
        dealerCode: 'DLR-BRAVO',
        source: 'dms',
        externalId: 'SQUAT-1',
        amount: '52000.00',
      });
      const res = await post(bravo, [later]);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ inserted: 1, duplicates: 0 });
      expect(await stored('SQUAT-1')).toEqual([
        { dealer: 'DLR-ALPHA', amount: '31000.00', batchRow: 1 },
        { dealer: 'DLR-BRAVO', amount: '52000.00', batchRow: 1 },
      ]);
    });

    it("streams a large batch straight in when only another dealer's rows share its ids", async () => {
      // segments of about three rows, copied straight into the feed (no staging)
      const service = createTransactionsService({
        db: t.db,
        events: createEventBus(),
        segmentChars: 300,
        chunkLines: 1,
        smallBatchChars: 100,
      });
      const ids = Array.from({ length: 9 }, (_, i) => `BIG-${i}`);
      await ingestJson(
        service,
        ids.map((externalId) => txRow({ dealerCode: 'DLR-BRAVO', source: 'dms', externalId })),
      );
      const result = await ingestJson(
        service,
        ids.map((externalId) => txRow({ dealerCode: 'DLR-CHARLIE', source: 'dms', externalId })),
      );
      expect(result).toMatchObject({ received: 9, inserted: 9, duplicates: 0, rolledUp: true });
      expect((await stored('BIG-4')).map((r) => r.dealer)).toEqual(['DLR-BRAVO', 'DLR-CHARLIE']);
    });
  });

  describe('a key repeated inside one batch', () => {
    it('with different content: a row error naming both rows, nothing written', async () => {
      const before = await count();
      const res = await post(alpha, [
        txRow({ externalId: 'REP-1' }),
        txRow({ externalId: 'REP-2' }),
        txRow({ externalId: 'REP-1', amount: '30500.00' }),
      ]);
      const body = (await res.json()) as ErrorBody;
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details.problems).toEqual([
        {
          row: 3,
          field: 'externalId',
          code: 'repeated_key',
          message:
            'row 3 repeats source "dms-test" and externalId "REP-1" of row 1 with different content',
        },
      ]);
      expect(await count()).toBe(before);
    });

    it('with different content in a later segment of a large batch than the stored first row', async () => {
      const service = createTransactionsService({
        db: t.db,
        events: createEventBus(),
        segmentChars: 300,
        chunkLines: 1,
        smallBatchChars: 100,
      });
      const before = await count();
      const rows = Array.from({ length: 10 }, (_, i) =>
        txRow({ dealerCode: 'DLR-CHARLIE', externalId: `REP-L-${i}` }),
      );
      rows[8] = txRow({ dealerCode: 'DLR-CHARLIE', externalId: 'REP-L-1', quantity: 2 });
      await expect(ingestJson(service, rows)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          problems: [
            expect.objectContaining({
              row: 9,
              code: 'repeated_key',
              message: expect.stringContaining('of row 2'),
            }),
          ],
        },
      });
      expect(await count()).toBe(before);
    });

    it('with different content, when an earlier batch stored the key: still a row error', async () => {
      const old = txRow({ externalId: 'REP-OLD' });
      expect(await (await post(alpha, [old])).json()).toMatchObject({ inserted: 1 });
      const res = await post(alpha, [
        txRow({ externalId: 'REP-NEW' }),
        old,
        { ...old, occurredOn: '2026-03-15' },
      ]);
      const body = (await res.json()) as ErrorBody;
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(body.details.problems).toEqual([
        expect.objectContaining({
          row: 3,
          code: 'repeated_key',
          message: expect.stringContaining('of row 2'),
        }),
      ]);
      expect(await stored('REP-NEW')).toEqual([]);
    });

    it('with the same content: stored once and counted as a duplicate', async () => {
      const row = txRow({ externalId: 'REP-SAME' });
      const res = await post(alpha, [row, txRow({ externalId: 'REP-OTHER' }), row]);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ received: 3, inserted: 2, duplicates: 1 });
      expect(await stored('REP-SAME')).toEqual([
        { dealer: 'DLR-ALPHA', amount: '31000.00', batchRow: 1 },
      ]);
    });

    it("for two dealers: each dealer's row is stored", async () => {
      const result = await ingestJson(
        createTransactionsService({ db: t.db, events: createEventBus() }),
        [
          txRow({ dealerCode: 'DLR-ALPHA', externalId: 'REP-TWO' }),
          txRow({ dealerCode: 'DLR-BRAVO', externalId: 'REP-TWO', amount: '1.00' }),
        ],
      );
      expect(result).toMatchObject({ inserted: 2, duplicates: 0 });
    });
  });

  describe('bodies built to be slow to read', () => {
    const hostile: { name: string; type: string; body: () => string; row: number }[] = [
      {
        name: 'a CSV quote left open, then 1 MB of lines',
        type: 'text/csv',
        body: () =>
          `${HEADER}\n${CSV_LINE},Q-0\nretail_delivery,"DLR-ALPHA,AURA-LX-ICE,,1,31000.00,USD,2026-03-14,dms-csv,Q-1\n` +
          Array.from({ length: 14_000 }, (_, i) => `${CSV_LINE},Q-${i + 2}`).join('\n'),
        row: 2,
      },
      {
        name: 'one NDJSON line of 16 MB',
        type: 'application/x-ndjson',
        body: () =>
          `${JSON.stringify(txRow({ externalId: 'L-1' }))}\n{"kind":"${'x'.repeat(16 * 1024 * 1024)}"}\n`,
        row: 2,
      },
      {
        name: 'one CSV line of 16 MB',
        type: 'text/csv',
        body: () => `${HEADER}\n${CSV_LINE},${'x'.repeat(16 * 1024 * 1024)}\n`,
        row: 1,
      },
      {
        name: 'one JSON array element of 16 MB',
        type: 'application/json',
        body: () => `[{"kind":"${'x'.repeat(16 * 1024 * 1024)}"}]`,
        row: 1,
      },
    ];
    it.each(hostile)(
      '$name: the server answers others while it reads it; a 400 names the row, nothing is written',
      async ({ body, type, row }) => {
        const before = await count();
        // Between two parts of the body: the liveness check always (the event loop is free); on a
        // PostgreSQL server the readiness check too (the ingest holds one pooled connection, not the
        // database; the embedded engine has one connection, which the ingest's transaction holds).
        const between = async () => {
          const live = await fetch(`${t.url}/healthz`);
          expect(live.status).toBe(200);
          await live.text();
          if (engine === 'postgres') {
            const ready = await fetch(`${t.url}/readyz`);
            expect(ready.status).toBe(200);
            await ready.text();
          }
        };
        const answer = await postInParts(
          `${t.url}/api/v1/transactions`,
          body(),
          {
            authorization: `Bearer ${alphaKey}`,
            'content-type': type,
          },
          between,
        );
        expect(answer.status, answer.text.slice(0, 300)).toBe(400);
        expect((JSON.parse(answer.text) as ErrorBody).details.problems).toEqual([
          expect.objectContaining({ row, code: 'record_too_large' }),
        ]);
        // The offending record cannot be judged before MAX_RECORD_CHARS of it arrived, so the other
        // requests were answered between at least that many parts while the POST was open …
        expect(answer.interleaved).toBeGreaterThanOrEqual(
          Math.floor(MAX_RECORD_CHARS / PART_BYTES),
        );
        // … and the read stopped at the record limit: the answer came before the body was all sent.
        expect(answer.partsSent).toBeLessThan(answer.parts);
        expect(await count()).toBe(before);
        // and the sender is served as before
        expect((await alpha.get('/api/v1/transactions?limit=1')).status).toBe(200);
        const ready = await fetch(`${t.url}/readyz`);
        expect(ready.status).toBe(200);
      },
      120_000,
    );
  });
});
