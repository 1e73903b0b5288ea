/**
 * Issue 13, "Settlement in bulk": a period is offered for closing once its cut-off and grace have
 * passed; the preview states what closing and approving all would do; "approve all" approves
 * every closed statement whose snapshot holds (each through the single approval, its ledger entry
 * included) and lists the disputed, changed-since-close and over-budget ones, which it leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNextDay, monthlyProgram, signIn, startWithFixtures } from './helpers/chargeback';
import { txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';

type Exception = {
  dealerCode: string;
  reason: string;
  amountDue: string;
  message: string;
  details: Record<string, unknown>;
};
type Preview = {
  status: string;
  closable: boolean;
  closableReason: string;
  close: { statements: number; totalAmountDue: string } | null;
  approve: { closed: number; statements: number; totalAmountDue: string; exceptions: Exception[] };
  statements: { closed: number; approved: number; paid: number };
  payout: { statements: number; dealers: number; totals: { currency: string; amount: string }[] };
};
type Approved = {
  approved: { count: number; totalAmountDue: string; dealers: { dealerCode: string }[] };
  exceptions: Exception[];
};
type Period = { period: string; status: string; closable: boolean; closableReason: string };

const program = (code: string, budget: string | null = null) =>
  monthlyProgram(code, { graceDays: 5, budget });

// units sold in March per dealer: 300, 200, 100, 400, 500 a dealer
const UNITS: Record<string, number> = {
  'DLR-ALPHA': 3,
  'DLR-BRAVO': 2,
  'DLR-CHARLIE': 1,
  'DLR-DELTA': 4,
  'DLR-ECHO': 5,
};

describe.each(engines())('settlement in bulk (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let dealerB: Client;

  const preview = async (code: string, period = '2026-03') =>
    json<Preview>(
      await finance.get(`/api/v1/programs/${code}/periods/${period}/settlement-preview`),
      200,
    );
  const approveAll = (code: string) =>
    finance.send('POST', `/api/v1/programs/${code}/periods/approve`, { period: '2026-03' });
  const close = async (code: string) =>
    json<{ statements: number; totalAmountDue: string }>(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-03' }),
      200,
    );

  beforeAll(async () => {
    t = await startWithFixtures(engine, '2026-04-20');
    await t.db.exec(`
      insert into dealers (code, name, region_id, state_province, city, country, erp_vendor_id) values
        ('DLR-DELTA', 'Dealer Delta', (select id from regions where code = 'US-W'), 'WA', 'Tacoma', 'US', 'V400'),
        ('DLR-ECHO', 'Dealer Echo', (select id from regions where code = 'US-E'), 'MA', 'Salem', 'US', 'V500');`);
    await ingestNextDay(
      t,
      Object.entries(UNITS).flatMap(([dealerCode, n]) =>
        Array.from({ length: n }, (_, i) =>
          txRow({ dealerCode, occurredOn: `2026-03-${10 + i}`, externalId: `${dealerCode}-${i}` }),
        ),
      ),
    );
    [channel, finance, dealerB] = await signIn(t, 'channel', 'finance', 'dealerB');
    await createProgram(channel, program('BULK'));
    // A budget of 1000, closed once ALPHA's row was changed (see below): ALPHA (400), BRAVO (200)
    // and CHARLIE (100) fit; DELTA (400) would pass it; ECHO (500) neither.
    await createProgram(channel, program('BUDGET', '1000'));
  }, 60_000);
  afterAll(async () => t?.close());

  it('offers a period for closing once its cut-off and grace have passed', async () => {
    const list = await json<{ items: Period[] }>(
      await finance.get('/api/v1/programs/BULK/periods'),
      200,
    );
    const byPeriod = new Map(list.items.map((p) => [p.period, p]));
    expect(byPeriod.get('2026-03')).toMatchObject({ status: 'open', closable: true });
    expect(byPeriod.get('2026-03')!.closableReason).toContain('5 April 2026');
    expect(byPeriod.get('2026-04')).toMatchObject({
      closable: false,
      closableReason: 'the period ends on 30 April 2026',
    });
    // today (2026-04-20) is still inside a grace of 25 days
    await t.db
      .query(`update program_versions set definition = jsonb_set(definition, '{graceDays}', '25')
      where program_id = (select id from programs where code = 'BUDGET')`);
    const graced = await json<{ items: Period[] }>(
      await finance.get('/api/v1/programs/BUDGET/periods'),
      200,
    );
    expect(graced.items.find((p) => p.period === '2026-03')).toMatchObject({
      closable: false,
      closableReason: 'late rows may still arrive until 25 April 2026 (grace days)',
    });
    await t.db
      .query(`update program_versions set definition = jsonb_set(definition, '{graceDays}', '5')
      where program_id = (select id from programs where code = 'BUDGET')`);
  });

  it('states what closing will freeze, and the close does exactly that', async () => {
    const before = await preview('BULK');
    expect(before).toMatchObject({
      status: 'open',
      closable: true,
      close: { statements: 5, totalAmountDue: '1500.00' },
    });
    const closed = await close('BULK');
    expect(closed).toMatchObject(before.close!);
    const after = await preview('BULK');
    expect(after).toMatchObject({ status: 'closed', closable: false, close: null });
    expect(after.approve).toMatchObject({ closed: 5, statements: 5, totalAmountDue: '1500.00' });
  });

  it('approves the rest and lists the changed and the disputed statement, in one call', async () => {
    // BRAVO disputes a line; a stored row of ALPHA is changed in place after the close.
    const { rows } = await t.db.query<{ id: string }>(
      `select id::text from transactions where external_id = 'DLR-BRAVO-0'`,
    );
    await json(
      await dealerB.send('POST', '/api/v1/disputes', {
        programCode: 'BULK',
        dealerCode: 'DLR-BRAVO',
        period: '2026-03',
        transactionId: rows[0]!.id,
        comment: 'Paid at the wrong rate',
      }),
      201,
    );
    await t.db.query(
      `update transactions set quantity = 2, amount = amount * 2 where external_id = 'DLR-ALPHA-0'`,
    );
    const expected = await preview('BULK');
    expect(expected.approve).toMatchObject({ closed: 5, statements: 3, totalAmountDue: '1000.00' });
    expect(expected.approve.exceptions.map((e) => [e.dealerCode, e.reason, e.amountDue])).toEqual([
      ['DLR-ALPHA', 'changed_since_close', '300.00'],
      ['DLR-BRAVO', 'disputed', '200.00'],
    ]);
    expect(expected.approve.exceptions[0]!.details).toMatchObject({
      changed: 1,
      totals: { before: { amountDue: '300.00' }, after: { amountDue: '400.00' } },
    });

    const done = await json<Approved>(await approveAll('BULK'), 200);
    // the preview's totals are what the action did
    expect(done.approved).toMatchObject({
      count: expected.approve.statements,
      totalAmountDue: expected.approve.totalAmountDue,
    });
    expect(done.approved.dealers.map((d) => d.dealerCode)).toEqual([
      'DLR-CHARLIE',
      'DLR-DELTA',
      'DLR-ECHO',
    ]);
    expect(done.exceptions).toEqual(expected.approve.exceptions);
    // each approval wrote its ledger entry as the single approval does
    const ledger = await json<{ entityId: string }[]>(
      await finance.get('/api/v1/ledger/entries?entityType=statement_approval'),
      200,
    );
    expect(ledger.map((e) => e.entityId).sort()).toEqual([
      'BULK/DLR-CHARLIE/2026-03#1',
      'BULK/DLR-DELTA/2026-03#1',
      'BULK/DLR-ECHO/2026-03#1',
    ]);
    const statuses = await t.db.query<{ code: string; status: string }>(
      `select d.code, s.status from incentive_statements s join dealers d on d.id = s.dealer_id
       join programs p on p.id = s.program_id where p.code = 'BULK' order by d.code`,
    );
    expect(statuses.rows.map((r) => r.status)).toEqual([
      'closed',
      'closed',
      'approved',
      'approved',
      'approved',
    ]);

    // A second call approves nothing new and lists the same exceptions.
    const again = await json<Approved>(await approveAll('BULK'), 200);
    expect(again.approved).toMatchObject({ count: 0, totalAmountDue: '0.00' });
    expect(again.exceptions).toEqual(done.exceptions);

    const now = await preview('BULK');
    expect(now.statements).toEqual({ closed: 2, approved: 3, paid: 0 });
    expect(now.payout).toEqual({
      statements: 3,
      dealers: 3,
      totals: [{ currency: 'USD', amount: '1000.00' }],
    });
  });

  it('previews the payout batch, and the batch built is that preview', async () => {
    const preview = await json<{ statements: number; dealers: number; totals: unknown[] }>(
      await finance.get('/api/v1/payouts/preview?programCode=BULK'),
      200,
    );
    expect(preview).toEqual({
      programCode: 'BULK',
      statements: 3,
      dealers: 3,
      totals: [{ currency: 'USD', amount: '1000.00' }],
    });
    const batch = await json<{ status: string; items: unknown[]; totals: unknown[] }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: 'BULK' }),
      201,
    );
    expect(batch.items).toHaveLength(preview.statements);
    expect(batch.totals).toEqual(preview.totals);
    // built → exported (its CSV fetched for accounts payable) → paid, in words
    const code = (batch as unknown as { code: string }).code;
    expect(batch).toMatchObject({ state: 'built', exportedAt: null });
    expect((await finance.get(`/api/v1/payouts/${code}/export`)).status).toBe(200);
    const listed = async () =>
      (
        await json<{ items: { code: string; state: string; exportedAt: string | null }[] }>(
          await finance.get('/api/v1/payouts'),
          200,
        )
      ).items.find((b) => b.code === code)!;
    expect(await listed()).toMatchObject({ state: 'exported', exportedAt: expect.any(String) });
    await json(await finance.send('POST', `/api/v1/payouts/${code}/paid`), 200);
    expect(await listed()).toMatchObject({ state: 'paid' });
    expect(
      await json(await finance.get('/api/v1/payouts/preview?programCode=BULK'), 200),
    ).toMatchObject({ statements: 0, dealers: 0, totals: [] });
    expect((await dealerB.get('/api/v1/payouts/preview')).status).toBe(403);
  });

  it('leaves the statements that would take the program past its budget', async () => {
    await close('BUDGET');
    const expected = await preview('BUDGET');
    expect(expected.approve.exceptions.map((e) => [e.dealerCode, e.reason])).toEqual([
      ['DLR-DELTA', 'over_budget'],
      ['DLR-ECHO', 'over_budget'],
    ]);
    expect(expected.approve.exceptions[0]!.details).toEqual({
      budget: '1000.00',
      approvedBefore: '700.00',
    });
    const done = await json<Approved>(await approveAll('BUDGET'), 200);
    expect(done.approved).toMatchObject({ count: 3, totalAmountDue: '700.00' });
    expect(done.exceptions).toEqual(expected.approve.exceptions);
  });

  it('is finance work: a dealer is refused, and so is an unknown period', async () => {
    expect(
      (await dealerB.send('POST', '/api/v1/programs/BULK/periods/approve', { period: '2026-03' }))
        .status,
    ).toBe(403);
    expect(
      (await dealerB.get('/api/v1/programs/BULK/periods/2026-03/settlement-preview')).status,
    ).toBe(403);
    const bad = await json<{ code: string }>(
      await finance.get('/api/v1/programs/BULK/periods/2027-13/settlement-preview'),
      400,
    );
    expect(bad.code).toBe('VALIDATION_FAILED');
    const open = await json<{ code: string }>(
      await finance.send('POST', '/api/v1/programs/BULK/periods/approve', { period: '2026-04' }),
      409,
    );
    expect(open.code).toBe('CONFLICT');
  });
});
