/**
 * Issue 13, "Attention inbox on every home page": GET /api/v1/inbox computes what needs the
 * reader today from the existing tables, in the reader's scope. Dealer A sees its proposal and
 * never B's; a dealer group sees its dealers' items with group totals; the West regional manager
 * sees only the West's adjustments, agreements at risk and ageing disputes; finance sees the
 * periods past cut-off to close, the statements to approve and the batches to build and pay;
 * an accepted agreement waits for an approver who is not its author (four eyes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inbox, InboxItem } from '../src/shared/schemas/inbox';
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

const TODAY = '2026-04-20';
type Agreement = { id: number; code: string; version: number; status: string };

const monthly = (code: string, tiers: { from: string; value: string }[]) =>
  monthlyProgram(code, { name: `Program ${code}`, tiers });

describe.each(engines())('the attention inbox (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let admin: Client;
  let finance: Client;
  let west: Client;
  let dealerA: Client;
  let dealerB: Client;
  let group: Client;

  const inbox = async (c: Client) => json<Inbox>(await c.get('/api/v1/inbox'), 200);
  const ofKind = (i: Inbox, kind: InboxItem['kind']) => i.items.filter((x) => x.kind === kind);
  const move = async (c: Client, a: Agreement, transition: string) =>
    json<Agreement>(
      await c.send('POST', `/api/v1/agreements/${a.id}/${transition}`, { version: a.version }),
      200,
    );
  const draft = async (c: Client, dealerCode: string, startMonth: string, total = 120) =>
    json<Agreement>(
      await c.send('POST', '/api/v1/agreements', {
        dealerCode,
        startMonth,
        months: 12,
        lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total }],
      }),
      201,
    );

  let proposedA: Agreement;
  let proposedB: Agreement;
  let activeA: Agreement;
  let activeB: Agreement;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedFixtures(t.db);
    [channel, admin, finance, west, dealerA, dealerB, group] = await Promise.all([
      login(t.url, USERS.channel, PASSWORD),
      login(t.url, USERS.admin, PASSWORD),
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.regionalWest, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
      login(t.url, USERS.dealerB, PASSWORD),
      login(t.url, USERS.groupAC, PASSWORD),
    ]);
    // March: 60 sales of A (statements to close and approve); April: 58 (2 short of a tier).
    await ingestRows(t.services, [
      ...Array.from({ length: 60 }, (_, i) =>
        txRow({
          occurredOn: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
          externalId: `M-${i}`,
        }),
      ),
      ...Array.from({ length: 58 }, (_, i) =>
        txRow({
          occurredOn: `2026-04-${String((i % 19) + 1).padStart(2, '0')}`,
          externalId: `A-${i}`,
        }),
      ),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    await createProgram(channel, monthly('SETTLE', [{ from: '0', value: '100' }]));
    await createProgram(
      channel,
      monthly('REACH', [
        { from: '0', value: '10' },
        { from: '60', value: '20' },
      ]),
    );
    // Terms running this year (B sold nothing, A far fewer than its plan: both at risk), proposals
    // for next year.
    activeA = await draft(channel, 'DLR-ALPHA', '2026-01', 1200);
    activeB = await draft(channel, 'DLR-BRAVO', '2026-01');
    for (const [a, dealer] of [
      [activeA, dealerA],
      [activeB, dealerB],
    ] as const) {
      const accepted = await move(dealer, await move(channel, a, 'propose'), 'accept');
      await move(admin, accepted, 'approve');
    }
    proposedA = await move(channel, await draft(channel, 'DLR-ALPHA', '2027-01'), 'propose');
    proposedB = await move(channel, await draft(channel, 'DLR-BRAVO', '2027-01'), 'propose');
    // A forecast cycle open for adjustments until the 25th; A and B each adjusted one cell.
    await t.db.exec(`
      insert into forecast_cycles (cycle_month, status, horizon, history_months, adjust_until)
        values ('2026-05-01', 'adjusting', 3, 24, '2026-04-25');
      insert into forecast_cells (cycle_id, dealer_id, model_line_id, target_month, region_id, horizon,
          baseline, lower80, upper80, lower95, upper95, method, spreadsheet, mase_scale, adjusted, adjust_reason)
        select (select id from forecast_cycles), d.id, (select id from model_lines where code = 'ML-AURA'),
               '2026-05-01', d.region_id, 1, 10, 8, 12, 7, 13, 'ets', 10, 1, 12, 'local_demand'
        from dealers d where d.code in ('DLR-ALPHA', 'DLR-BRAVO');
      insert into incentive_disputes (program_id, dealer_id, period, status, created_by, created_at)
        select (select id from programs where code = 'SETTLE'), d.id, '2026-03', 'open', 'dealer',
               timestamptz '2026-04-08 09:00Z'
        from dealers d where d.code in ('DLR-ALPHA', 'DLR-BRAVO') order by d.code;
      insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body)
        select ds.id, ds.dealer_id, 'dealer', 'dealer', 'Row missing' from incentive_disputes ds;
      insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body)
        select ds.id, ds.dealer_id, 'oem', 'Finance', 'Which VIN?' from incentive_disputes ds
        join dealers d on d.id = ds.dealer_id where d.code = 'DLR-ALPHA';
      insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, status, checks,
          submitted_by, decided_by, decided_at)
        select (select id from programs where code = 'SETTLE'), d.id, 'VIN' || d.code, 'AURA-LX-ICE',
               '2026-03-10', 'approved', '[]', 'dealer', 'Finance', timestamptz '2026-04-15 10:00Z'
        from dealers d where d.code in ('DLR-ALPHA', 'DLR-BRAVO');
    `);
  }, 120_000);
  afterAll(async () => t?.close());

  it("shows dealer A its proposal, window and tier within reach, and nothing of B's", async () => {
    const a = await inbox(dealerA);
    const proposals = ofKind(a, 'agreement_proposed');
    expect(proposals).toEqual([
      expect.objectContaining({
        severity: 'action',
        link: `/agreements/${proposedA.id}`,
        dealerCode: 'DLR-ALPHA',
      }),
    ]);
    expect(proposals[0]!.title).toContain(proposedA.code);
    expect(ofKind(a, 'forecast_window')).toEqual([
      expect.objectContaining({ dueOn: '2026-04-25', severity: 'action', dealerCode: 'DLR-ALPHA' }),
    ]);
    const reach = ofKind(a, 'tier_within_reach');
    expect(reach).toEqual([
      expect.objectContaining({
        count: 2,
        dueOn: '2026-04-30',
        link: '/incentives?dealer=DLR-ALPHA',
      }),
    ]);
    expect(reach[0]!.title).toContain('Program REACH');
    expect(ofKind(a, 'dispute_answered')).toEqual([
      expect.objectContaining({ severity: 'action', dealerCode: 'DLR-ALPHA' }),
    ]);
    expect(ofKind(a, 'claim_decided')).toEqual([
      expect.objectContaining({
        count: 1,
        severity: 'info',
        link: '/incentives/claims?program=SETTLE',
        dealerCode: 'DLR-ALPHA',
      }),
    ]);
    expect(a.groupTotals).toBeNull();
    expect(a.count).toBe(a.items.filter((i) => i.severity === 'action').length);
    const text = JSON.stringify(a);
    expect(text).not.toContain('DLR-BRAVO');
    expect(text).not.toContain(proposedB.code);

    const b = await inbox(dealerB);
    expect(ofKind(b, 'agreement_proposed').map((i) => i.link)).toEqual([
      `/agreements/${proposedB.id}`,
    ]);
    expect(ofKind(b, 'dispute_answered')).toEqual([]); // B wrote last: nothing answered
    expect(JSON.stringify(b)).not.toContain('DLR-ALPHA');
  });

  it('sums a dealer group across its dealers', async () => {
    const g = await inbox(group);
    expect(ofKind(g, 'agreement_proposed').map((i) => i.dealerCode)).toEqual(['DLR-ALPHA']);
    expect(g.groupTotals).toEqual(
      expect.arrayContaining([
        { kind: 'agreement_proposed', count: 1 },
        { kind: 'forecast_window', count: 1 },
        { kind: 'tier_within_reach', count: 2 },
      ]),
    );
    expect(JSON.stringify(g)).not.toContain('DLR-BRAVO');
  });

  it("shows the West regional manager only the West's reviews, risks and ageing disputes", async () => {
    const w = await inbox(west);
    expect(ofKind(w, 'forecast_review')).toEqual([
      expect.objectContaining({ count: 1, severity: 'action' }),
    ]);
    const risks = ofKind(w, 'agreement_at_risk');
    expect(risks.map((r) => r.link)).toEqual([`/agreements/${activeA.id}`]);
    expect(ofKind(w, 'dispute_ageing')).toEqual([
      expect.objectContaining({ count: 1, dealerCode: 'DLR-ALPHA' }),
    ]);
    expect(JSON.stringify(w)).not.toContain('DLR-BRAVO');
    expect(JSON.stringify(w)).not.toContain(activeB.code);
    // The network sees both dealers' adjustments.
    expect(ofKind(await inbox(channel), 'forecast_review')[0]!.count).toBe(2);
  });

  it('walks finance through close, approve, build and pay', async () => {
    let f = await inbox(finance);
    let close = ofKind(f, 'period_to_close');
    // SETTLE and REACH: January, February and March are past cut-off (no grace); April is not.
    expect(close.map((c) => [c.count, c.dueOn, c.link])).toEqual([
      [3, '2026-01-31', '/programs/REACH?period=2026-01'],
      [3, '2026-01-31', '/programs/SETTLE?period=2026-01'],
    ]);
    expect(close.every((c) => c.severity === 'action')).toBe(true);
    // The channel manager sees them too, as information (closing is finance's).
    expect(ofKind(await inbox(channel), 'period_to_close').map((c) => c.severity)).toEqual([
      'info',
      'info',
    ]);
    for (const period of ['2026-01', '2026-02', '2026-03'])
      await json(
        await finance.send('POST', '/api/v1/programs/SETTLE/periods/close', { period }),
        200,
      );
    f = await inbox(finance);
    close = ofKind(f, 'period_to_close');
    expect(close.map((c) => c.link)).toEqual(['/programs/REACH?period=2026-01']);
    expect(ofKind(f, 'statements_to_approve')).toEqual([
      expect.objectContaining({
        count: 1,
        link: '/programs/SETTLE?period=2026-03',
        detail: '6000.00 USD due in total',
        severity: 'action',
      }),
    ]);
    await json(
      await finance.send('POST', '/api/v1/programs/SETTLE/statements/DLR-ALPHA/approve', {
        period: '2026-03',
      }),
      200,
    );
    f = await inbox(finance);
    expect(ofKind(f, 'statements_to_approve')).toEqual([]);
    expect(ofKind(f, 'batch_to_build')).toEqual([expect.objectContaining({ count: 1 })]);
    const batch = await json<{ code: string }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: 'SETTLE' }),
      201,
    );
    f = await inbox(finance);
    expect(ofKind(f, 'batch_to_build')).toEqual([]);
    expect(ofKind(f, 'batch_to_pay').map((b) => b.link)).toEqual([
      `/incentives/payouts?batch=${batch.code}`,
    ]);
    // Dealers never see settlement work.
    expect(ofKind(await inbox(dealerA), 'statements_to_approve')).toEqual([]);
  });

  it('offers an accepted agreement for approval to approvers other than its author', async () => {
    const accepted = await move(dealerB, proposedB, 'accept');
    const forChannel = ofKind(await inbox(channel), 'agreement_to_approve');
    expect(forChannel.map((i) => i.link)).not.toContain(`/agreements/${accepted.id}`); // its author
    const forAdmin = ofKind(await inbox(admin), 'agreement_to_approve');
    expect(forAdmin.map((i) => i.link)).toContain(`/agreements/${accepted.id}`);
    expect(ofKind(await inbox(dealerB), 'agreement_proposed')).toEqual([]);
    // B's acceptance is not in the West's inbox.
    expect(JSON.stringify(await inbox(west))).not.toContain(accepted.code);
  });
});
