/**
 * Issue 11, defect 4: what finance reviewed at close is what is approved. Closing freezes a
 * snapshot of each statement (hash, ledger entry); approval refuses, with the difference line by
 * line, when a recomputation differs; the period is re-closed and then approved. A row stored
 * after the close is not the period's (it becomes a correction: tests/late-rows.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthlyProgram } from './helpers/chargeback';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Line = { kind: string; transactionId: string | null; amount: string };
type Statement = {
  status: string;
  earned: string;
  amountDue: string;
  versionNo: number;
  lineCount: number;
  lines: Line[];
  snapshot: {
    seq: number;
    sha256: string;
    closedAt: string;
    closedBy: string;
    changedSinceClose: boolean | null;
  } | null;
};
type Entry = { entityType: string; entityId: string; action: string; payloadSha256: string };
type Refusal = {
  code: string;
  details: {
    snapshotSha256: string;
    added: Line[];
    removed: Line[];
    reworded: number;
    changed: { key: string; before: Line; after: Line }[];
    totals: {
      before: { earned: string; amountDue: string; programVersion: number };
      after: { earned: string; amountDue: string; programVersion: number };
    };
  };
};

const program = (code: string, tiers: { from: string; value: string }[]) =>
  monthlyProgram(code, { tiers });

describe.each(engines())('close freezes, approve approves the snapshot (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;

  async function ingest(rows: Record<string, unknown>[]) {
    await ingestRows(t.services, rows);
    await t.db.query('update transactions set received_at = occurred_on + 1');
  }
  const statement = async (code: string, dealer = 'DLR-ALPHA') =>
    json<Statement>(
      await finance.get(`/api/v1/programs/${code}/statements/${dealer}?period=2026-03`),
      200,
    );
  const close = (code: string) =>
    finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-03' });
  const approve = (code: string, dealer = 'DLR-ALPHA') =>
    finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
      period: '2026-03',
    });
  const entries = async (entityType: string) =>
    json<Entry[]>(await finance.get(`/api/v1/ledger/entries?entityType=${entityType}`), 200);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await ingest(
      Array.from({ length: 60 }, (_, i) =>
        txRow({
          occurredOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
          externalId: `M-${i}`,
        }),
      ),
    );
    [channel, finance] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
    ]);
    await createProgram(
      channel,
      program('SNAP', [
        { from: '0', value: '100' },
        { from: '50', value: '200' },
      ]),
    );
    await createProgram(channel, program('SNAP-V', [{ from: '0', value: '100' }]));
  }, 60_000);
  afterAll(async () => t?.close());

  it('freezes each statement at close with its hash and a ledger entry', async () => {
    const closed = await json<{ statements: number; snapshots: number; reclosed: boolean }>(
      await close('SNAP'),
      200,
    );
    expect(closed).toMatchObject({ statements: 1, snapshots: 1, reclosed: false });
    const s = await statement('SNAP');
    expect(s).toMatchObject({ status: 'closed', earned: '12000.00', lineCount: 60 });
    expect(s.snapshot).toMatchObject({ seq: 1, changedSinceClose: false });
    expect(s.snapshot!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.snapshot!.closedBy).toContain('Finance');
    const ledger = await entries('statement_snapshot');
    expect(ledger).toEqual([
      expect.objectContaining({
        entityId: 'SNAP/DLR-ALPHA/2026-03#1',
        action: 'closed',
        payloadSha256: s.snapshot!.sha256,
      }),
    ]);
  });

  it('keeps the closed statement when a row arrives after the close, and refuses to approve a recomputation that differs', async () => {
    // A row stored after the close is not the period's: it waits as a correction (late rows).
    await ingest([txRow({ occurredOn: '2026-03-30', externalId: 'LATE-1' })]);
    const kept = await statement('SNAP');
    expect(kept).toMatchObject({ earned: '12000.00', lineCount: 60 });
    expect(kept.snapshot!.changedSinceClose).toBe(false);
    // A stored row of the period changed in place (a correction made in SQL): the recomputation
    // no longer matches what finance reviewed.
    await t.db.query(
      `update transactions set quantity = 2, amount = amount * 2 where external_id = 'M-0'`,
    );
    const s = await statement('SNAP');
    // The view still shows what was closed, and says it no longer holds.
    expect(s).toMatchObject({ earned: '12000.00', lineCount: 60 });
    expect(s.snapshot!.changedSinceClose).toBe(true);
    const refused = await json<Refusal>(await approve('SNAP'), 409);
    expect(refused.code).toBe('STATEMENT_CHANGED_SINCE_CLOSE');
    expect(refused.details.snapshotSha256).toBe(s.snapshot!.sha256);
    expect(refused.details.added).toEqual([]);
    expect(refused.details.removed).toEqual([]);
    expect(refused.details.changed).toEqual([
      expect.objectContaining({
        before: expect.objectContaining({ amount: '200.00' }),
        after: expect.objectContaining({ amount: '400.00' }),
      }),
    ]);
    // The other lines' figures hold; only their explanation (61 units now) reads differently.
    expect(refused.details.reworded).toBe(59);
    expect(refused.details.totals.before).toMatchObject({ earned: '12000.00' });
    expect(refused.details.totals.after).toMatchObject({ earned: '12200.00' });
    // Nothing was approved.
    expect((await statement('SNAP')).status).toBe('closed');
  });

  it('re-closes with a new snapshot and ledger entry, then approves that snapshot', async () => {
    const reclosed = await json<{ snapshots: number; reclosed: boolean }>(await close('SNAP'), 200);
    expect(reclosed).toMatchObject({ snapshots: 1, reclosed: true });
    const s = await statement('SNAP');
    // the edited row counts; the row stored after the first close still does not
    expect(s).toMatchObject({ earned: '12200.00', lineCount: 60 });
    expect(s.snapshot).toMatchObject({ seq: 2, changedSinceClose: false });
    expect((await entries('statement_snapshot')).map((e) => [e.entityId, e.action])).toEqual([
      ['SNAP/DLR-ALPHA/2026-03#1', 'closed'],
      ['SNAP/DLR-ALPHA/2026-03#2', 'reclosed'],
    ]);
    const approved = await json<Statement>(await approve('SNAP'), 200);
    expect(approved).toMatchObject({ status: 'approved', earned: '12200.00' });
    expect(approved.snapshot!.sha256).toBe(s.snapshot!.sha256);
    expect(approved.lines).toHaveLength(60);
    const [approval] = await entries('statement_approval');
    // It names the snapshot approved: the same id as the re-close's entry, and its hash inside.
    expect(approval).toMatchObject({ entityId: 'SNAP/DLR-ALPHA/2026-03#2', action: 'approved' });
    // An approved period is not re-closed.
    expect((await close('SNAP')).status).toBe(409);
    const verify = await json<{ ok: boolean }>(await finance.get('/api/v1/ledger/verify'), 200);
    expect(verify.ok).toBe(true);
  });

  it('refuses after a new program version changed the rates: changed lines and totals', async () => {
    await json(await close('SNAP-V'), 200);
    const definition = {
      ...program('SNAP-V', [{ from: '0', value: '150' }]),
    };
    await json(
      await channel.send('POST', '/api/v1/programs/SNAP-V/versions', {
        effectiveFrom: '2026-03-01',
        definition,
      }),
      200,
    );
    await json(await channel.send('POST', '/api/v1/programs/SNAP-V/publish'), 200);
    const refused = await json<Refusal>(await approve('SNAP-V'), 409);
    // 61 rows (LATE-1 was stored before this program's close; M-0 now counts 2 units)
    expect(refused.details.changed).toHaveLength(61);
    const amounts = refused.details.changed.map((c) => `${c.before.amount}→${c.after.amount}`);
    expect(amounts.filter((a) => a === '100.00→150.00')).toHaveLength(60);
    expect(amounts).toContain('200.00→300.00');
    expect(refused.details.totals.before).toMatchObject({ programVersion: 1, earned: '6200.00' });
    expect(refused.details.totals.after).toMatchObject({ programVersion: 2, earned: '9300.00' });
  });
});
