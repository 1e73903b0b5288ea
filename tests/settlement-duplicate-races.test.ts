/**
 * Two identical settlement writes at the same instant (docs/incentives.md, "Two identical
 * writes at once"): one succeeds, the other answers 409 with a code and a message, never 500, and
 * nothing is written twice. Before, two payout builds could answer 500 (a unique violation of the
 * batch code or of the batched statement), two resolutions of one dispute both answered 200 with
 * two adjustments (paid twice), two decisions of one claim both answered 200, and two mark-paids
 * of one batch both answered 200 with two `paid` ledger entries. PostgreSQL only: PGlite has one
 * connection, so nothing runs concurrently there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { closeAndApprove, deliverOn, monthlyUnitsProgram } from './helpers/settlement';

const postgres = engines().filter((e) => e === 'postgres');

type Answer = { status: number; body: { code?: string; message?: string } };

/** Sends the same request twice at once; answers sorted by status (the success first). */
async function twice(send: () => Promise<Response>): Promise<Answer[]> {
  const answers = await Promise.all(
    [send(), send()].map(async (r) => {
      const res = await r;
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : {} };
    }),
  );
  return answers.sort((a, b) => a.status - b.status);
}

/** One success (2xx) and one 409 with a code and a message. */
function expectOneWins(answers: Answer[]) {
  expect(answers.map((a) => a.status)).toEqual([answers[0]!.status, 409]);
  expect(answers[0]!.status).toBeGreaterThanOrEqual(200);
  expect(answers[0]!.status).toBeLessThan(300);
  expect(answers[1]!.body.code).toMatch(/^[A-Z_]+$/);
  expect(answers[1]!.body.message).toBeTruthy();
}

describe.each(postgres)('identical settlement writes at once (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  const A = 'DLR-ALPHA';
  const B = 'DLR-BRAVO';
  const code = 'DUP-M';

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query<{ n: string }>(sql, params)).rows[0]!.n);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-12-01' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    await createProgram(admin, monthlyUnitsProgram(code));
    await deliverOn(admin, A, [
      ['DUP-A1', '2026-01-10'],
      ['DUP-A2', '2026-02-10'],
    ]);
    await deliverOn(admin, B, [['DUP-B1', '2026-01-11']]);
  }, 600_000);
  afterAll(async () => t?.close());

  it('two approvals of one statement: one approves, the other is 409', async () => {
    const close = await finance.send('POST', `/api/v1/programs/${code}/periods/close`, {
      period: '2026-01',
    });
    expect(close.status).toBe(200);
    const answers = await twice(() =>
      finance.send('POST', `/api/v1/programs/${code}/statements/${A}/approve`, {
        period: '2026-01',
      }),
    );
    expectOneWins(answers);
    expect(
      await count(
        `select count(*) as n from ledger_entries where entity_type = 'statement_approval' and entity_id like $1`,
        [`${code}/${A}/2026-01#%`],
      ),
    ).toBe(1);
  }, 300_000);

  it('two closes of one period: the second waits and re-closes, taking no second snapshot', async () => {
    const answers = await twice(() =>
      finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-02' }),
    );
    // a close of a closed period is a re-close (allowed while a statement is not approved)
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(
      await count(
        `select count(*) as n from statement_snapshots s join incentive_statements st on st.id = s.statement_id
         join programs p on p.id = st.program_id where p.code = $1 and st.period = '2026-02'`,
        [code],
      ),
    ).toBe(1);
  }, 300_000);

  it('two payout builds: one batch, the other is 409, each statement batched once', async () => {
    await json200(
      finance.send('POST', `/api/v1/programs/${code}/statements/${B}/approve`, {
        period: '2026-01',
      }),
    );
    const answers = await twice(() =>
      finance.send('POST', '/api/v1/payouts', { programCode: code, glAccount: '6100' }),
    );
    expectOneWins(answers);
    expect(await count('select count(*) as n from payout_batches')).toBe(1);
    expect(
      await count('select count(*) - count(distinct statement_id) as n from payout_items'),
    ).toBe(0);
    expect(await count('select count(*) as n from payout_items')).toBe(2);
  }, 300_000);

  it('two mark-paids of one batch: one pays, the other is 409, one ledger entry', async () => {
    const { rows } = await t.db.query<{ code: string }>('select code from payout_batches');
    const batch = rows[0]!.code;
    const answers = await twice(() => finance.send('POST', `/api/v1/payouts/${batch}/paid`));
    expectOneWins(answers);
    expect(answers[1]!.body.code).toBe('CONFLICT');
    expect(
      await count(
        `select count(*) as n from ledger_entries where entity_type = 'payout_batch' and entity_id = $1 and action = 'paid'`,
        [batch],
      ),
    ).toBe(1);
  }, 300_000);

  it('two resolutions of one dispute: one adjustment, the other is 409', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      `select id::text from transactions where external_id = 'DUP-A2'`,
    );
    const res = await dealerA.send('POST', '/api/v1/disputes', {
      programCode: code,
      dealerCode: A,
      period: '2026-02',
      transactionId: rows[0]!.id,
      comment: 'one more',
    });
    expect(res.status).toBe(201);
    const dispute = (await res.json()) as { id: number };
    const answers = await twice(() =>
      finance.send('POST', `/api/v1/disputes/${dispute.id}/resolve`, {
        outcome: 'adjust',
        amount: '50.00',
        reason: 'goodwill',
      }),
    );
    expectOneWins(answers);
    expect(answers[1]!.body.code).toBe('CONFLICT');
    expect(
      await count('select count(*) as n from incentive_adjustments where dispute_id = $1', [
        dispute.id,
      ]),
    ).toBe(1);
  }, 300_000);

  it('two approvals of one claim: one approves (and pays it once), the other is 409', async () => {
    const claims = 'DUP-C';
    await createProgram(admin, monthlyUnitsProgram(claims, { requiresClaim: true }));
    const vin = '1DUPCLAMX00000001';
    const feed = await admin.send('POST', '/api/v1/transactions', [
      txRow({ vin, occurredOn: '2026-01-12', receivedAt: '2026-01-12', dealerCode: A }),
    ]);
    expect(feed.status).toBe(200);
    // January settled for A without the claim: an approval pays it as an adjustment in February
    const other = '1DUPCLAMX00000002';
    expect(
      (
        await admin.send('POST', '/api/v1/transactions', [
          txRow({ vin: other, occurredOn: '2026-01-12', receivedAt: '2026-01-12', dealerCode: A }),
        ])
      ).status,
    ).toBe(200);
    const submit = async (v: string) => {
      const r = await dealerA.send('POST', `/api/v1/programs/${claims}/claims`, {
        dealerCode: A,
        vin: v,
        sku: 'AURA-LX-ICE',
        deliveredOn: '2026-01-12',
      });
      expect(r.status).toBe(201);
      return ((await r.json()) as { items: { id: number }[] }).items[0]!.id;
    };
    const first = await submit(other);
    await json200(
      finance.send('POST', `/api/v1/claims/${first}/decision`, {
        decision: 'approve',
        reason: 'ok',
      }),
    );
    await closeAndApprove(finance, claims, A, '2026-01');
    const id = await submit(vin);
    const answers = await twice(() =>
      finance.send('POST', `/api/v1/claims/${id}/decision`, { decision: 'approve', reason: 'ok' }),
    );
    expectOneWins(answers);
    expect(answers[1]!.body.code).toBe('CONFLICT');
    expect(
      await count('select count(*) as n from incentive_adjustments where claim_id = $1', [id]),
    ).toBe(1);
  }, 300_000);
});

describe.each(postgres)('two confirmations of one integrity flag at once (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  const vin = (n: number) => `1SELF${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-05-20' });
    await seedFixtures(t.db);
    // March: 6 deliveries, 4 of them to the dealer itself (flagged by the scan)
    await ingestRows(
      t.services,
      Array.from({ length: 6 }, (_, i) => txRow({ occurredOn: `2026-03-0${i + 2}`, vin: vin(i) })),
    );
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await t.db.query(
      `insert into rdr_sales (dealer_id, source, external_id, sale_date, delivery_date, sale_category, buyer_type, odometer_km)
       select t.dealer_id, t.source, t.external_id, t.occurred_on, t.occurred_on, 'retail',
         case when t.vin = any($1::text[]) then 'dealer' else 'individual' end, 12
       from transactions t`,
      [[0, 1, 2, 3].map(vin)],
    );
    const channel = await login(t.url, USERS.channel, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    await createProgram(channel, {
      ...monthlyUnitsProgram('DUP-CB'),
      endDate: '2026-12-31',
      graceDays: 0,
    });
    await closeAndApprove(finance, 'DUP-CB', 'DLR-ALPHA', '2026-03');
    await json200(channel.send('POST', '/api/v1/insights/integrity/scan'));
  }, 600_000);
  afterAll(async () => t?.close());

  it('one charges back, the other is 409, one chargeback line', async () => {
    const res = await finance.get('/api/v1/insights/integrity?status=open');
    const flags = (await res.json()) as { id: number; kind: string }[];
    const flag = flags.find((f) => f.kind === 'self_delivery')!;
    expect(flag).toBeDefined();
    const answers = await twice(() =>
      finance.send('POST', `/api/v1/insights/integrity/${flag.id}/decision`, {
        decision: 'confirm',
      }),
    );
    expectOneWins(answers);
    expect(
      Number(
        (
          await t.db.query<{ n: string }>(
            'select count(*) as n from incentive_adjustments where integrity_flag_id = $1',
            [flag.id],
          )
        ).rows[0]!.n,
      ),
    ).toBe(1);
  }, 300_000);
});

async function json200(res: Promise<Response>) {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(200);
}
