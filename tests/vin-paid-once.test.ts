/**
 * A VIN is paid once across the network within a program (docs/incentives.md, "A VIN is paid
 * once"). Before, the engine excluded only the dealer's own settled units: dealer A's January
 * sale of a VIN was approved and dealer B's February delivery of the same VIN, with no unwind in
 * between, was paid again in B's February statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';
import { closeAndApprove, deliverOn, monthlyUnitsProgram, unwindOn } from './helpers/settlement';

const V1 = '1HGCM82633A000001';
const V2 = '1HGCM82633A000002';
const V3 = '1HGCM82633A000003';
const V4 = '1HGCM82633A000004';
const V9 = '1HGCM82633A000009';
const L1 = '1HGCM82633A000011';
const L2 = '1HGCM82633A000012';

type Excluded = { transactionId: string; reason: string; detail: string; vin: string | null };
type Detail = {
  status: string;
  earned: string;
  amountDue: string;
  lines: { kind: string; vin: string | null; amount: string }[];
  excluded: Excluded[];
  snapshot: { sha256: string } | null;
};

describe.each(engines())('a VIN is paid once across the network (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerA: Client;
  let dealerB: Client;
  let approvedJanuary: Detail;
  const code = 'VIN-ONCE';
  const statement = async (client: Client, dealer: string, period: string, program = code) =>
    json<Detail>(
      await client.get(`/api/v1/programs/${program}/statements/${dealer}?period=${period}`),
      200,
    );
  const listed = async (program: string, period: string) =>
    json<{ items: { dealerCode: string; earned: string; amountDue: string }[] }>(
      await admin.get(`/api/v1/programs/${program}/statements?period=${period}`),
      200,
    );

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-02-25' });
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    dealerA = await login(t.url, USERS.dealerA, PASSWORD);
    dealerB = await login(t.url, USERS.dealerB, PASSWORD);
    await createProgram(admin, monthlyUnitsProgram(code));
    await deliverOn(admin, 'DLR-ALPHA', [
      ['VO-A1', '2026-01-10', V1],
      ['VO-A2', '2026-01-11', V2],
      ['VO-A3', '2026-01-12', V3],
    ]);
    await closeAndApprove(finance, code, 'DLR-ALPHA', '2026-01');
    approvedJanuary = await statement(admin, 'DLR-ALPHA', '2026-01');
  }, 600_000);
  afterAll(async () => t?.close());

  it("B's delivery of a VIN approved for A earns nothing, with a reason that does not name A", async () => {
    expect([approvedJanuary.status, approvedJanuary.amountDue]).toEqual(['approved', '300.00']);
    // the same VIN in another case and with spaces: the feed stores it normalised
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        txRow({
          externalId: 'VO-B1',
          occurredOn: '2026-02-12',
          receivedAt: '2026-02-12',
          dealerCode: 'DLR-BRAVO',
          vin: `  ${V1.toLowerCase()} `,
        }),
      ]),
      200,
    );
    await deliverOn(admin, 'DLR-BRAVO', [['VO-B9', '2026-02-13', V9]]);
    const february = await statement(dealerB, 'DLR-BRAVO', '2026-02');
    expect(february.earned).toBe('100.00');
    expect(february.lines.map((l) => [l.kind, l.vin, l.amount])).toEqual([
      ['benefit', V9, '100.00'],
    ]);
    expect(february.excluded).toHaveLength(1);
    expect(february.excluded[0]).toMatchObject({ reason: 'paid_to_other_dealer', vin: V1 });
    expect(february.excluded[0]!.detail).toContain('already paid to another dealer');
    // tenant isolation: nothing of dealer A (code, name, its sale) in what B reads
    const text = JSON.stringify(february);
    for (const word of ['DLR-ALPHA', 'Alpha', 'VO-A1']) expect(text).not.toContain(word);
    expect((await listed(code, '2026-02')).items).toContainEqual(
      expect.objectContaining({ dealerCode: 'DLR-BRAVO', amountDue: '100.00' }),
    );
    // progress and what-if run the same engine
    const progress = await json<{ programs: { programCode: string; earned: string }[] }>(
      await dealerB.get('/api/v1/dealers/DLR-BRAVO/incentives'),
      200,
    );
    expect(progress.programs.find((p) => p.programCode === code)?.earned).toBe('100.00');
    const whatIf = await json<{ before: { earned: string }; addedEarned: string }>(
      await dealerB.send('POST', '/api/v1/dealers/DLR-BRAVO/incentives/what-if', {
        programCode: code,
        quantity: 1,
        modelLine: 'ML-AURA',
      }),
      200,
    );
    expect([whatIf.before.earned, whatIf.addedEarned]).toEqual(['100.00', '100.00']);
  });

  it("B's reconciliation and CSV export show the exclusion", async () => {
    const recon = await json<{
      buckets: { bucket: string; reason: string | null; rows: number; amount: string }[];
      unaccounted: unknown[];
    }>(await dealerB.get(`/api/v1/programs/${code}/reconciliation?period=2026-02`), 200);
    expect(recon.unaccounted).toEqual([]);
    expect(recon.buckets).toContainEqual(
      expect.objectContaining({ bucket: 'excluded', reason: 'paid_to_other_dealer', rows: 1 }),
    );
    expect(JSON.stringify(recon)).not.toContain('DLR-ALPHA');
    const csv = await (
      await dealerB.get(`/api/v1/programs/${code}/statements/DLR-BRAVO/export?period=2026-02`)
    ).text();
    const row = csv.split('\n').find((l) => l.includes(',excluded,'));
    expect(row).toContain(V1);
    expect(row).toContain('paid_to_other_dealer');
    expect(row).toContain('already paid to another dealer');
    expect(csv).not.toContain('DLR-ALPHA');
  });

  it("a delivery after A's unwind earns, and so does one that A unwinds afterwards", async () => {
    // unwind, then B's delivery of the same VIN
    await unwindOn(admin, 'DLR-ALPHA', 'VO-A2', '2026-02-14', V2);
    await deliverOn(admin, 'DLR-BRAVO', [
      ['VO-B2', '2026-02-16', V2],
      ['VO-B3', '2026-02-15', V3],
    ]);
    let february = await statement(dealerB, 'DLR-BRAVO', '2026-02');
    expect(february.earned).toBe('200.00');
    expect(february.excluded.map((e) => [e.vin, e.reason])).toEqual([
      [V1, 'paid_to_other_dealer'],
      [V3, 'paid_to_other_dealer'],
    ]);
    // A unwinds its sale of V3 after B's delivery: A is clawed back, B's delivery earns
    await unwindOn(admin, 'DLR-ALPHA', 'VO-A3', '2026-02-18', V3);
    february = await statement(dealerB, 'DLR-BRAVO', '2026-02');
    expect(february.earned).toBe('300.00');
    expect(february.excluded.map((e) => e.vin)).toEqual([V1]);
    const alpha = await statement(dealerA, 'DLR-ALPHA', '2026-02');
    expect(alpha.lines.map((l) => [l.kind, l.amount])).toEqual([
      ['clawback', '-100.00'],
      ['clawback', '-100.00'],
    ]);
    expect((await listed(code, '2026-02')).items).toContainEqual(
      expect.objectContaining({ dealerCode: 'DLR-BRAVO', amountDue: '300.00' }),
    );
  });

  it('two live statements: the earlier delivery earns, the later one says why', async () => {
    // B delivers V4 on 19 February, A on 20 February: B's is the earlier one
    await deliverOn(admin, 'DLR-ALPHA', [['VO-A4', '2026-02-20', V4]]);
    await deliverOn(admin, 'DLR-BRAVO', [['VO-B4', '2026-02-19', V4]]);
    expect((await statement(dealerB, 'DLR-BRAVO', '2026-02')).earned).toBe('400.00');
    const alpha = await statement(dealerA, 'DLR-ALPHA', '2026-02');
    expect(alpha.excluded.map((e) => [e.vin, e.reason])).toEqual([
      [V4, 'delivered_by_other_dealer'],
    ]);
    expect(alpha.excluded[0]!.detail).toContain('delivered earlier by another dealer');
    expect(JSON.stringify(alpha)).not.toMatch(/DLR-BRAVO|Bravo/);
    expect(alpha.earned).toBe('-200.00');
  });

  it("the network's grouped totals apply the rule too (a program without settled units)", async () => {
    await createProgram(admin, {
      ...monthlyUnitsProgram('VIN-LIVE'),
      startDate: '2026-02-01',
      qualifying: { modelLines: ['ML-BOLT'] },
    });
    const bolt = (externalId: string, dealerCode: string, day: string, vin: string) =>
      txRow({ externalId, dealerCode, occurredOn: day, receivedAt: day, vin, sku: 'BOLT-XL-HEV' });
    await json(
      await admin.send('POST', '/api/v1/transactions', [
        bolt('VL-A1', 'DLR-ALPHA', '2026-02-03', L1),
        bolt('VL-B1', 'DLR-BRAVO', '2026-02-05', L1),
        bolt('VL-B2', 'DLR-BRAVO', '2026-02-06', L2),
      ]),
      200,
    );
    const items = (await listed('VIN-LIVE', '2026-02')).items;
    const due = (dealer: string) => items.find((i) => i.dealerCode === dealer)?.amountDue;
    expect([due('DLR-ALPHA'), due('DLR-BRAVO')]).toEqual(['100.00', '100.00']);
    const bravo = await statement(dealerB, 'DLR-BRAVO', '2026-02', 'VIN-LIVE');
    expect(bravo.excluded.map((e) => [e.vin, e.reason])).toEqual([
      [L1, 'delivered_by_other_dealer'],
    ]);
  });

  it("A's approved January is unchanged: same amount, same snapshot hash", async () => {
    const now = await statement(admin, 'DLR-ALPHA', '2026-01');
    expect([now.status, now.amountDue, now.earned]).toEqual(['approved', '300.00', '300.00']);
    expect(now.snapshot?.sha256).toBe(approvedJanuary.snapshot?.sha256);
    expect(now.lines).toEqual(approvedJanuary.lines);
  });
});
