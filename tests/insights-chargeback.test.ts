/**
 * Issue 14 §4: deliveries to the dealer itself (from the retail delivery report) are flagged with
 * their evidence; confirming a flag charges back, through the incentive engine, exactly what the
 * statements paid for the flagged deliveries: a negative adjustment naming the flag in the
 * dealer's statement trace, posted into the next open period when the flagged period is already
 * approved, and a ledger entry that verify re-hashes. A dismissal posts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { monthlyProgram, settlePeriod, startChargebackApp } from './helpers/chargeback';
import { txRow } from './helpers/fixtures';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';

type Line = { kind: string; amount: string; explanation: string; reference?: string };
type Statement = { status: string; earned: string; amountDue: string; lines: Line[] };

const vin = (n: number) => `1SELF${String(n).padStart(12, '0')}`;

describe.each(engines())('insights: chargeback of a confirmed flag (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;
  let dealerA: Client;

  const statement = async (client: Client, period: string) =>
    json<Statement>(
      await client.get(`/api/v1/programs/CB/statements/DLR-ALPHA?period=${period}`),
      200,
    );
  const flags = async () =>
    json<IntegrityFlagRecord[]>(await finance.get('/api/v1/insights/integrity?status=open'), 200);

  beforeAll(async () => {
    const rows = [];
    // March: 10 deliveries, 4 of them to the dealer itself; April: 6, 3 of them to itself.
    for (let i = 0; i < 10; i += 1)
      rows.push(txRow({ occurredOn: `2026-03-${String(i + 2).padStart(2, '0')}`, vin: vin(i) }));
    for (let i = 0; i < 6; i += 1)
      rows.push(
        txRow({ occurredOn: `2026-04-${String(i + 2).padStart(2, '0')}`, vin: vin(20 + i) }),
      );
    // Bravo: the dealer itself twice in March (under the rule's three): not flagged.
    for (let i = 0; i < 2; i += 1)
      rows.push(txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-10', vin: vin(40 + i) }));
    ({
      t,
      clients: [channel, finance, dealerA],
    } = await startChargebackApp(engine, '2026-05-20', rows, 'channel', 'finance', 'dealerA'));
    // The report's details of each delivery (as POST /rdr stores them).
    await t.db.query(
      `insert into rdr_sales (dealer_id, source, external_id, sale_date, delivery_date, sale_category, buyer_type, odometer_km)
       select t.dealer_id, t.source, t.external_id, t.occurred_on, t.occurred_on, 'retail',
         case when t.vin = any($1::text[]) then 'dealer' else 'individual' end, 12
       from transactions t`,
      [[0, 1, 2, 3, 20, 21, 22, 40, 41].map(vin)],
    );
    await createProgram(
      channel,
      monthlyProgram('CB', { name: 'Chargeback test', tiers: [{ from: '0', value: '125.55' }] }),
    );
    // March is settled: closed and approved (paid from here on; the chargeback cannot touch it).
    await settlePeriod(finance, 'CB', '2026-03', ['DLR-ALPHA']);
    await json(await channel.send('POST', '/api/v1/insights/integrity/scan'), 200);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('flags deliveries to the dealer itself, per month, with VINs, dates and amounts', async () => {
    const self = (await flags()).filter((f) => f.kind === 'self_delivery');
    expect(self.map((f) => `${f.dealerCode} ${f.on.slice(0, 7)}`).sort()).toEqual([
      'DLR-ALPHA 2026-03',
      'DLR-ALPHA 2026-04',
    ]);
    const march = self.find((f) => f.on.startsWith('2026-03'))!;
    expect((march.evidence.deliveries as { vin: string }[]).map((d) => d.vin)).toEqual(
      [0, 1, 2, 3].map(vin),
    );
    expect(march.amountAtStake).toBe('124000.00');
  });

  it('charges back exactly what was paid, into the next open period when settled', async () => {
    const before = await statement(finance, '2026-04');
    expect(before.earned).toBe('753.30'); // 6 × 125.55
    const march = await statement(finance, '2026-03');
    expect(march.status).toBe('approved');
    const all = (await flags()).filter((f) => f.kind === 'self_delivery');
    const marchFlag = all.find((f) => f.on.startsWith('2026-03'))!;
    const aprilFlag = all.find((f) => f.on.startsWith('2026-04'))!;
    const confirmed = await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${marchFlag.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    // 4 × 125.55 paid in the approved March statement, taken back in April (the next open one).
    expect(confirmed.chargebacks).toEqual([
      expect.objectContaining({ programCode: 'CB', period: '2026-04', amount: '-502.20' }),
    ]);
    const aprilConfirmed = await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${aprilFlag.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    expect(aprilConfirmed.chargebacks).toEqual([
      expect.objectContaining({ programCode: 'CB', period: '2026-04', amount: '-376.65' }),
    ]);
    // The approved March statement is untouched.
    expect((await statement(finance, '2026-03')).earned).toBe(march.earned);
    // April's statement: 753.30 − 502.20 − 376.65, and the dealer sees why.
    const after = await statement(dealerA, '2026-04');
    expect(after.earned).toBe('-125.55');
    const adjustments = after.lines.filter((l) => l.kind === 'adjustment');
    expect(adjustments.map((l) => l.amount).sort()).toEqual(['-376.65', '-502.20']);
    expect(
      adjustments.every((l) => /integrity flag #\d+ \(self_delivery\)/.test(l.explanation)),
    ).toBe(true);
    expect(adjustments.some((l) => l.explanation.includes(vin(0)))).toBe(true);
  });

  it('records the chargeback in the ledger, verified from its rows', async () => {
    const entries = await json<{ entityType: string; entityId: string }[]>(
      await finance.get('/api/v1/ledger/entries?entityType=integrity_chargeback'),
      200,
    );
    expect(entries).toHaveLength(2);
    expect((await json<{ ok: boolean }>(await finance.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
    await t.db.query(
      `update incentive_adjustments set amount = amount - 1 where integrity_flag_id is not null and amount = -502.20`,
    );
    const broken = await json<{ ok: boolean; firstBroken: { entityType: string } | null }>(
      await finance.get('/api/v1/ledger/verify'),
      200,
    );
    expect(broken.ok).toBe(false);
    expect(broken.firstBroken?.entityType).toBe('integrity_chargeback');
    await t.db.query(
      `update incentive_adjustments set amount = amount + 1 where integrity_flag_id is not null and amount = -503.20`,
    );
    expect((await json<{ ok: boolean }>(await finance.get('/api/v1/ledger/verify'), 200)).ok).toBe(
      true,
    );
  });

  it('a confirmed flag cannot be confirmed again; a dismissal posts nothing', async () => {
    const decided = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity?status=confirmed'),
      200,
    );
    const again = await finance.send(
      'POST',
      `/api/v1/insights/integrity/${decided[0]!.id}/decision`,
      { decision: 'confirm' },
    );
    expect(again.status).toBe(409);
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from incentive_adjustments where integrity_flag_id is not null`,
    );
    expect(rows[0]!.n).toBe(2);
  });
});
