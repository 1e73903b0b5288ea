/**
 * The incentive list reads beside the calculation: GET /payouts (batches, newest first, paged;
 * OEM finance only), GET /programs/{code}/periods (the engine's settlement periods with their
 * state and the stored statements in the caller's scope) and the currency on disputes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDealerFeedKey,
  ingestRows,
  PASSWORD,
  seedFixtures,
  txRow,
  USERS,
} from './helpers/fixtures';
import {
  bearer,
  createProgram,
  engines,
  login,
  startTestApp,
  type Client,
  type TestApp,
  json,
} from './helpers/test-app';

const base = {
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  graceDays: 5,
  measure: 'units',
  tiers: [{ from: '0', value: '100' }],
  benefit: 'per_unit',
};

type Batch = {
  code: string;
  status: string;
  glAccount: string;
  createdAt: string;
  approvedAt: string | null;
  paidAt: string | null;
  dealerCount: number;
  paymentCount: number;
  totals: { currency: string; amount: string }[];
};
type BatchPage = { items: Batch[]; total: number; limit: number; offset: number };
type Period = {
  period: string;
  start: string;
  end: string;
  graceUntil: string;
  window: { label: string; start: string; end: string };
  isCumulative: boolean;
  hasStarted: boolean;
  isCurrent: boolean;
  status: string;
  closedAt: string | null;
  statements: { closed: number; approved: number; paid: number };
};
type Periods = { programCode: string; currency: string; graceDays: number; items: Period[] };

describe.each(engines())('incentive lists (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;
  let keyA: Client;
  let firstBatch: string;
  let secondBatch: string;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const rows = [
      ...Array.from({ length: 3 }, (_, i) =>
        txRow({ occurredOn: `2026-03-0${i + 1}`, externalId: `ALPHA-L${i}` }),
      ),
      ...Array.from({ length: 2 }, (_, i) =>
        txRow({ dealerCode: 'DLR-BRAVO', occurredOn: `2026-03-1${i}`, externalId: `BRAVO-L${i}` }),
      ),
      txRow({ occurredOn: '2026-02-10', externalId: 'ALPHA-FEB' }),
    ];
    await ingestRows(t.services, rows);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    [channel, finance, dealerA, dealerB] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
    ]);
    const key = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed');
    keyA = bearer(t.url, key.key);

    // LIST: March and February closed; A's February statement paid in batch 1, both dealers'
    // March statements in batch 2 (left unpaid).
    await createProgram(channel, { ...base, code: 'LIST', name: 'List' });
    for (const period of ['2026-02', '2026-03']) {
      await json(
        await finance.send('POST', '/api/v1/programs/LIST/periods/close', { period }),
        200,
      );
    }
    await json(
      await finance.send('POST', '/api/v1/programs/LIST/statements/DLR-ALPHA/approve', {
        period: '2026-02',
      }),
      200,
    );
    firstBatch = (
      await json<{ code: string }>(
        await finance.send('POST', '/api/v1/payouts', { programCode: 'LIST' }),
        201,
      )
    ).code;
    await json(await finance.send('POST', `/api/v1/payouts/${firstBatch}/paid`), 200);
    for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO']) {
      await json(
        await finance.send('POST', `/api/v1/programs/LIST/statements/${dealer}/approve`, {
          period: '2026-03',
        }),
        200,
      );
    }
    secondBatch = (
      await json<{ code: string }>(
        await finance.send('POST', '/api/v1/payouts', {
          programCode: 'LIST',
          glAccount: '2151-REBATES',
        }),
        201,
      )
    ).code;
  }, 60_000);
  afterAll(async () => t?.close());

  it('lists payout batches newest first with dealers, payments, totals and dates', async () => {
    const page = await json<BatchPage>(await finance.get('/api/v1/payouts'), 200);
    expect(page).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(page.items.map((b) => b.code)).toEqual([secondBatch, firstBatch]);
    const [second, first] = page.items as [Batch, Batch];
    expect(second).toMatchObject({
      status: 'exported',
      glAccount: '2151-REBATES',
      dealerCount: 2,
      paymentCount: 2,
      paidAt: null,
      // A: 3 units, B: 2 units at 100.00
      totals: [{ currency: 'USD', amount: '500.00' }],
    });
    expect(second.approvedAt).not.toBeNull();
    expect(first).toMatchObject({
      status: 'paid',
      dealerCount: 1,
      paymentCount: 1,
      totals: [{ currency: 'USD', amount: '100.00' }],
    });
    expect(first.paidAt).not.toBeNull();
    expect(first.createdAt <= second.createdAt).toBe(true);
  });

  it('pages and filters the batch list; bad paging is a 400 with the field path', async () => {
    const one = await json<BatchPage>(await finance.get('/api/v1/payouts?limit=1&offset=1'), 200);
    expect(one).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(one.items.map((b) => b.code)).toEqual([firstBatch]);
    const paid = await json<BatchPage>(await finance.get('/api/v1/payouts?status=paid'), 200);
    expect(paid.items.map((b) => b.code)).toEqual([firstBatch]);
    expect(paid.total).toBe(1);
    const bad = await json<{ code: string; message: string; details: { problems: unknown[] } }>(
      await finance.get('/api/v1/payouts?limit=0&status=lost'),
      400,
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.details)).toContain('querystring.limit');
    expect(JSON.stringify(bad.details)).toContain('querystring.status');
  });

  it('refuses the batch list to dealers (user and API key) and to roles without payouts', async () => {
    for (const client of [dealerA, dealerB, keyA, channel]) {
      const res = await client.get('/api/v1/payouts');
      const body = await json<{ code: string }>(res, 403);
      expect(body.code).toBe('FORBIDDEN');
    }
  });

  it("lists a program's settlement periods with cut-off, grace, state and statements", async () => {
    const list = await json<Periods>(await finance.get('/api/v1/programs/LIST/periods'), 200);
    expect(list).toMatchObject({ programCode: 'LIST', currency: 'USD', graceDays: 5 });
    expect(list.items.map((p) => p.period)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    );
    const byPeriod = new Map(list.items.map((p) => [p.period, p]));
    expect(byPeriod.get('2026-02')).toMatchObject({
      start: '2026-02-01',
      end: '2026-02-28',
      graceUntil: '2026-03-05',
      status: 'closed',
      statements: { closed: 0, approved: 0, paid: 1 },
    });
    expect(byPeriod.get('2026-03')).toMatchObject({
      status: 'closed',
      statements: { closed: 0, approved: 2, paid: 0 },
    });
    expect(byPeriod.get('2026-03')!.closedAt).not.toBeNull();
    expect(byPeriod.get('2026-04')).toMatchObject({
      status: 'open',
      isCurrent: true,
      hasStarted: true,
      closedAt: null,
      statements: { closed: 0, approved: 0, paid: 0 },
    });
    expect(byPeriod.get('2026-05')).toMatchObject({ hasStarted: false, isCurrent: false });
  });

  it('labels quarters and cumulative settlements as the statements do', async () => {
    await createProgram(
      channel,
      {
        ...base,
        code: 'QTR',
        name: 'Quarterly',
        startDate: '2026-02-15',
        measurementPeriod: 'quarter',
        payoutFrequency: 'quarter',
      },
      { publish: false },
    );
    const quarters = await json<Periods>(await channel.get('/api/v1/programs/QTR/periods'), 200);
    expect(quarters.items.map((p) => [p.period, p.start, p.end])).toEqual([
      ['2026-Q1', '2026-02-15', '2026-03-31'],
      ['2026-Q2', '2026-04-01', '2026-06-30'],
      ['2026-Q3', '2026-07-01', '2026-09-30'],
      ['2026-Q4', '2026-10-01', '2026-12-31'],
    ]);
    await createProgram(
      channel,
      {
        ...base,
        code: 'CUMUL',
        name: 'Whole year, paid quarterly',
        measurementPeriod: 'program',
        payoutFrequency: 'quarter',
      },
      { publish: false },
    );
    const cumulative = await json<Periods>(
      await channel.get('/api/v1/programs/CUMUL/periods'),
      200,
    );
    expect(cumulative.items.map((p) => p.period)).toEqual([
      '2026-Q1',
      '2026-Q2',
      '2026-Q3',
      '2026-Q4',
    ]);
    expect(cumulative.items.every((p) => p.isCumulative && p.window.label === 'program')).toBe(
      true,
    );
    expect(cumulative.items[1]).toMatchObject({ start: '2026-04-01', end: '2026-06-30' });
  });

  it("scopes the periods' statements to the dealer and hides drafts from dealers", async () => {
    const a = await json<Periods>(await dealerA.get('/api/v1/programs/LIST/periods'), 200);
    const b = await json<Periods>(await dealerB.get('/api/v1/programs/LIST/periods'), 200);
    const feb = (p: Periods) => p.items.find((x) => x.period === '2026-02')!.statements;
    const mar = (p: Periods) => p.items.find((x) => x.period === '2026-03')!.statements;
    expect(feb(a)).toEqual({ closed: 0, approved: 0, paid: 1 });
    expect(mar(a)).toEqual({ closed: 0, approved: 1, paid: 0 });
    expect(feb(b)).toEqual({ closed: 0, approved: 0, paid: 0 });
    expect(mar(b)).toEqual({ closed: 0, approved: 1, paid: 0 });
    expect(JSON.stringify(b)).not.toContain('DLR-ALPHA');
    // QTR is a draft: the OEM sees its periods, a dealer does not see that it exists.
    const hidden = await json<{ code: string }>(
      await dealerA.get('/api/v1/programs/QTR/periods'),
      404,
    );
    expect(hidden.code).toBe('NOT_FOUND');
    // Without programs:read (an integration key) the route is closed.
    expect((await keyA.get('/api/v1/programs/LIST/periods')).status).toBe(403);
    expect((await finance.get('/api/v1/programs/NOPE/periods')).status).toBe(404);
    const bad = await json<{ code: string; details: unknown }>(
      await finance.get(`/api/v1/programs/${'X'.repeat(41)}/periods`),
      400,
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
  });

  it('gives disputes the currency of their statement, or of the program', async () => {
    await createProgram(channel, { ...base, code: 'EURO', name: 'Euro', currency: 'EUR' });
    const { rows } = await t.db.query<{ id: string }>(
      `select t.id::text as id from transactions t join dealers d on d.id = t.dealer_id
       where d.code = 'DLR-ALPHA' and t.external_id = 'ALPHA-L0'`,
    );
    const transactionId = rows[0]!.id;
    const stored = await json<{ id: number; currency: string }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: 'LIST',
        dealerCode: 'DLR-ALPHA',
        period: '2026-03',
        transactionId,
        comment: 'Paid at the wrong rate',
      }),
      201,
    );
    expect(stored.currency).toBe('USD');
    // People read the dealer's name and the disputed sale (date, VIN/SKU, amount), not ids.
    const truth = await t.db.query<{
      dealerName: string;
      occurredOn: string;
      vin: string | null;
      sku: string;
      amount: string;
    }>(
      `select d.name as "dealerName", to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn", t.vin,
              k.code as sku, t.amount::text as amount
       from transactions t join dealers d on d.id = t.dealer_id join skus k on k.id = t.sku_id
       where t.id = $1`,
      [transactionId],
    );
    const fact = truth.rows[0]!;
    expect(await json(await dealerA.get(`/api/v1/disputes/${stored.id}`), 200)).toMatchObject({
      transactionId,
      dealerName: fact.dealerName,
      transaction: {
        occurredOn: fact.occurredOn,
        vin: fact.vin,
        sku: fact.sku,
        amount: fact.amount,
        currency: 'USD',
      },
    });
    const open = await json<{ id: number; currency: string }>(
      await dealerA.send('POST', '/api/v1/disputes', {
        programCode: 'EURO',
        dealerCode: 'DLR-ALPHA',
        period: '2026-03',
        transactionId,
        comment: 'Missing from the statement',
      }),
      201,
    );
    expect(open.currency).toBe('EUR');
    const list = await json<{ items: { id: number; currency: string }[] }>(
      await dealerA.get('/api/v1/disputes'),
      200,
    );
    expect(list.items.map((d) => [d.id, d.currency])).toEqual([
      [stored.id, 'USD'],
      [open.id, 'EUR'],
    ]);
    expect(
      (await json<{ currency: string }>(await finance.get(`/api/v1/disputes/${open.id}`), 200))
        .currency,
    ).toBe('EUR');
    const answered = await json<{ currency: string; messages: unknown[] }>(
      await finance.send('POST', `/api/v1/disputes/${open.id}/messages`, { body: 'Looking' }),
      200,
    );
    expect(answered).toMatchObject({ currency: 'EUR' });
    const resolved = await json<{ currency: string; status: string }>(
      await finance.send('POST', `/api/v1/disputes/${open.id}/resolve`, {
        outcome: 'reject',
        reason: 'Counted in March',
      }),
      200,
    );
    expect(resolved).toMatchObject({ currency: 'EUR', status: 'rejected' });
    // Dealer B sees neither.
    const b = await json<{ items: unknown[] }>(await dealerB.get('/api/v1/disputes'), 200);
    expect(b.items).toEqual([]);
  });
});
