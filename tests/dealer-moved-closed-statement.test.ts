/**
 * A dealer moved out of a program's eligibility after its period was closed but before its
 * statement was approved (program-visibility.ts): a closed statement (closed, approved or paid)
 * keeps the program visible to the dealer it concerns, so it sees the program and its closed
 * statement and can dispute it. Before, only an approved or paid statement did: the moved
 * dealer got 404 on its own statement awaiting approval. It still cannot see a program where it
 * never had a closed statement, and another dealer still sees nothing of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram, startSettlementApp } from './helpers/settlement';

const code = 'MOVED-CLS';
const never = 'MOVED-OPEN';
const dealer = 'DLR-ALPHA';

describe.each(engines())('a dealer moved before its statement was approved (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;

  beforeAll(async () => {
    ({ t, admin, finance, dealerA, dealerB } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code, { eligibility: { regions: ['US-W'] } }));
    await createProgram(admin, monthlyUnitsProgram(never, { eligibility: { regions: ['US-W'] } }));
    await deliverOn(admin, dealer, [['MVC-1', '2026-01-10']]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('sees the program and its closed statement and disputes it; nothing else changes', async () => {
    // January of `code` closed: A's statement is closed, not approved; `never` stays open
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-01' }),
      200,
    );
    await json(
      await admin.send('PATCH', `/api/v1/dealers/${dealer}`, {
        regionCode: 'US-E',
        dealerGroupCode: null,
      }),
      200,
    );
    await t.services.auth.settle();

    const list = await json<{ items: { code: string }[] }>(
      await dealerA.get('/api/v1/programs'),
      200,
    );
    expect(list.items.map((p) => p.code)).toEqual([code]);
    expect((await dealerA.get(`/api/v1/programs/${code}`)).status).toBe(200);
    const statement = await json<{
      status: string;
      amountDue: string;
      lines: { transactionId: string | null }[];
    }>(await dealerA.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-01`), 200);
    expect([statement.status, statement.amountDue]).toEqual(['closed', '100.00']);
    const dispute = await json<{ id: number; status: string }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: code,
        dealerCode: dealer,
        period: '2026-01',
        transactionId: statement.lines[0]!.transactionId,
        comment: 'this unit should be paid at a higher rate',
      }),
      201,
    );
    expect(dispute.id).toBeGreaterThan(0);
    expect((await dealerA.get(`/api/v1/disputes/${dispute.id}`)).status).toBe(200);

    // a program where A never had a closed statement stays out of sight
    expect((await dealerA.get(`/api/v1/programs/${never}`)).status).toBe(404);
    expect(
      (await dealerA.get(`/api/v1/programs/${never}/statements/${dealer}?period=2026-01`)).status,
    ).toBe(404);
    // another dealer (of A's new region) sees nothing of it
    expect((await dealerB.get(`/api/v1/programs/${code}`)).status).toBe(404);
    expect(
      (await dealerB.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-01`)).status,
    ).toBe(404);
    expect((await dealerB.get(`/api/v1/disputes/${dispute.id}`)).status).toBe(404);
    const seenByB = await json<{ items: { code: string }[] }>(
      await dealerB.get('/api/v1/programs'),
      200,
    );
    expect(seenByB.items.map((p) => p.code)).toEqual([]);
  }, 300_000);
});
