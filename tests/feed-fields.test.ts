/**
 * The feed's receivedAt, ingestedAt and originalExternalId (issue 11, "What the feed must
 * carry"): stored, validated per row, listed and exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';

type Problem = { row?: number; field?: string; code: string; message: string };
type ErrorBody = { code: string; details: { problems: Problem[] } };
type Listed = {
  externalId: string;
  receivedAt: string;
  ingestedAt: string;
  originalExternalId: string | null;
};

describe.each(engines())('feed fields receivedAt and originalExternalId (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  const count = async () =>
    (await t.db.query<{ n: number }>('select count(*)::int as n from transactions')).rows[0]!.n;
  const listed = async (dealer = 'DLR-ALPHA') =>
    (
      await json<{ items: Listed[] }>(
        await admin.get(`/api/v1/transactions?dealer=${dealer}&limit=200`),
        200,
      )
    ).items;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
  });
  afterAll(async () => t?.close());

  it('stores receivedAt (date or timestamp), defaults it to the POST, and keeps ingestedAt', async () => {
    const before = Date.now();
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({ externalId: 'R-1', occurredOn: '2026-03-14', receivedAt: '2026-03-20' }),
        txRow({
          externalId: 'R-2',
          occurredOn: '2026-03-14',
          receivedAt: '2026-03-15T23:30:00-05:00',
        }),
        txRow({ externalId: 'R-3', occurredOn: '2026-03-14' }),
      ]),
      200,
    );
    const after = Date.now();
    const byId = new Map((await listed()).map((r) => [r.externalId, r]));
    expect(Date.parse(byId.get('R-1')!.receivedAt)).toBe(Date.parse('2026-03-20T00:00:00Z'));
    expect(Date.parse(byId.get('R-2')!.receivedAt)).toBe(Date.parse('2026-03-16T04:30:00Z'));
    const defaulted = Date.parse(byId.get('R-3')!.receivedAt);
    expect(defaulted).toBeGreaterThanOrEqual(before - 1000);
    expect(defaulted).toBeLessThanOrEqual(after + 1000);
    for (const id of ['R-1', 'R-2', 'R-3']) {
      const ingested = Date.parse(byId.get(id)!.ingestedAt);
      expect(ingested).toBeGreaterThanOrEqual(before - 5000);
      expect(ingested).toBeLessThanOrEqual(after + 5000);
    }
    const csv = await (await admin.get('/api/v1/transactions/export?dealer=DLR-ALPHA')).text();
    const [header, ...rows] = csv.trim().split('\n');
    expect(header).toBe(
      'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt,ingestedAt,originalExternalId',
    );
    const r1 = rows.find((l) => l.includes(',R-1,'))!.split(',');
    expect(Date.parse(r1[10]!)).toBe(Date.parse('2026-03-20T00:00:00Z'));
    expect(Number.isNaN(Date.parse(r1[11]!))).toBe(false);
  });

  it('rejects a receivedAt in the future, before occurredOn or malformed, row by row', async () => {
    const n = await count();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const res = await admin.send('POST', '/api/v1/transactions', [
      txRow({ externalId: 'F-1' }),
      txRow({ externalId: 'F-2', receivedAt: future }),
      txRow({ externalId: 'F-3', occurredOn: '2026-03-14', receivedAt: '2026-03-13T23:59:59Z' }),
      txRow({ externalId: 'F-4', receivedAt: '2026-03-14T10:00' }),
      txRow({ externalId: 'F-5', receivedAt: '2026-02-30' }),
    ]);
    const body = await json<ErrorBody>(res, 400);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [2, 'receivedAt', 'received_in_future'],
      [3, 'receivedAt', 'received_before_occurred'],
      [4, 'receivedAt', 'invalid_timestamp'],
      [5, 'receivedAt', 'invalid_timestamp'],
    ]);
    expect(await count()).toBe(n);
  });

  it('stores an unwind’s originalExternalId when it names a sale of the same dealer and source', async () => {
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({ externalId: 'S-1', occurredOn: '2026-03-02' }),
      ]),
      200,
    );
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        // a sale in the same batch counts as known
        txRow({ externalId: 'S-2', occurredOn: '2026-03-03' }),
        txRow({
          externalId: 'U-1',
          kind: 'unwind',
          quantity: -1,
          amount: '-31000.00',
          occurredOn: '2026-03-10',
          originalExternalId: 'S-1',
        }),
        txRow({
          externalId: 'U-2',
          kind: 'unwind',
          quantity: -1,
          amount: '-31000.00',
          occurredOn: '2026-03-10',
          originalExternalId: 'S-2',
        }),
      ]),
      200,
    );
    const byId = new Map((await listed()).map((r) => [r.externalId, r]));
    expect(byId.get('U-1')!.originalExternalId).toBe('S-1');
    expect(byId.get('U-2')!.originalExternalId).toBe('S-2');
    expect(byId.get('S-1')!.originalExternalId).toBeNull();
  });

  it('rejects an unwind naming an unknown sale, another dealer’s sale, or a sale with a reference', async () => {
    const n = await count();
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({ externalId: 'B-1', dealerCode: 'DLR-BRAVO' }),
      ]),
      200,
    );
    const unwind = (externalId: string, originalExternalId: string, extra = {}) =>
      txRow({
        externalId,
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
        originalExternalId,
        ...extra,
      });
    const res = await admin.send('POST', '/api/v1/transactions', [
      unwind('UX-1', 'NO-SUCH-SALE'),
      unwind('UX-2', 'B-1'), // dealer Bravo's sale, posted for Alpha
      unwind('UX-3', 'S-1', { source: 'other-dms' }), // another source
      txRow({ externalId: 'UX-4', originalExternalId: 'S-1' }), // a sale cannot name one
    ]);
    const body = await json<ErrorBody>(res, 400);
    expect(body.details.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [4, 'originalExternalId', 'original_on_sale'],
    ]);
    const res2 = await admin.send('POST', '/api/v1/transactions', [
      unwind('UX-1', 'NO-SUCH-SALE'),
      unwind('UX-2', 'B-1'),
      unwind('UX-3', 'S-1', { source: 'other-dms' }),
      unwind('UX-5', 'S-1'),
    ]);
    const body2 = await json<ErrorBody>(res2, 400);
    expect(body2.details.problems.map((p) => [p.row, p.field, p.code])).toEqual([
      [1, 'originalExternalId', 'unknown_original'],
      [2, 'originalExternalId', 'unknown_original'],
      [3, 'originalExternalId', 'unknown_original'],
    ]);
    expect(await count()).toBe(n + 1);
  });

  it('reads receivedAt and originalExternalId from CSV (both columns optional)', async () => {
    const csv = [
      'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId,receivedAt,originalExternalId',
      'retail_delivery,DLR-CHARLIE,AURA-LX-ICE,,1,31000.00,USD,2026-04-01,dms-test,C-1,2026-04-03T08:00:00Z,',
      'unwind,DLR-CHARLIE,AURA-LX-ICE,,-1,-31000.00,USD,2026-04-05,dms-test,C-2,,C-1',
    ].join('\n');
    await json(
      await admin.send('POST', '/api/v1/transactions', csv, { 'content-type': 'text/csv' }),
      200,
    );
    const byId = new Map((await listed('DLR-CHARLIE')).map((r) => [r.externalId, r]));
    expect(Date.parse(byId.get('C-1')!.receivedAt)).toBe(Date.parse('2026-04-03T08:00:00Z'));
    expect(byId.get('C-2')!.originalExternalId).toBe('C-1');
    const bad = [
      'kind,dealerCode,sku,quantity,amount,currency,occurredOn,source,externalId,originalExternalId',
      'unwind,DLR-CHARLIE,AURA-LX-ICE,-1,-31000.00,USD,2026-04-05,dms-test,C-3,C-404',
    ].join('\n');
    const res = await admin.send('POST', '/api/v1/transactions', bad, {
      'content-type': 'text/csv',
    });
    expect((await json<ErrorBody>(res, 400)).details.problems[0]).toMatchObject({
      row: 1,
      field: 'originalExternalId',
      code: 'unknown_original',
    });
  });
});
