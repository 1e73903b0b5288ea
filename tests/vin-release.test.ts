/**
 * A VIN freed after dealer B's delivery of it was excluded (docs/incentives.md, "A VIN is paid
 * once"; migration 0056). Two defects, before:
 *   1. an OEM user confirmed an integrity flag on dealer A's sale of a VIN (the confirm charges
 *      A's payment back) and B's delivery of the VIN stayed blocked: nobody was paid for a real
 *      sale (B's open statement, B's progress, and B's approved period, which got no correction);
 *   2. A unwound its sale after B's period was approved with B's delivery excluded: B's delivery
 *      stayed excluded for ever (a correction came only for B's own late rows).
 * Now both free the VIN: B's open statement and progress count the delivery, and an approved
 * period of B gets it as a correction line in B's next statement, exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import {
  closeAndApprove,
  deliverOn,
  monthlyUnitsProgram,
  startSettlementApp,
  unwindOn,
} from './helpers/settlement';

const V1 = '1FREEVNN000000001';
const V2 = '1FREEVNN000000002';
const V3 = '1FREEVNN000000003';
const B9 = '1FREEVNN000000009';

type Line = {
  kind: string;
  vin?: string | null;
  transactionId?: string | number | null;
  amount: string;
  explanation: string;
};
type Detail = {
  status: string;
  earned: string;
  amountDue: string;
  lines: Line[];
  excluded: { vin: string | null; reason: string }[];
  snapshot: { sha256: string } | null;
};

describe.each(engines())('a VIN freed after B was excluded (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerB: Client;
  let februaryOfB: Detail;
  const code = 'VIN-FREE';
  const yearly = 'VIN-FREE-Y';
  const statement = async (dealer: string, period: string, program = code) =>
    json<Detail>(
      await admin.get(`/api/v1/programs/${program}/statements/${dealer}?period=${period}`),
      200,
    );
  const progressOfB = async () =>
    (
      await json<{ programs: { programCode: string; earned: string }[] }>(
        await dealerB.get('/api/v1/dealers/DLR-BRAVO/incentives'),
        200,
      )
    ).programs.find((p) => p.programCode === yearly)!.earned;
  const idOf = async (dealer: string, vin: string) =>
    (
      await t.db.query<{ id: string }>(
        `select t.id::text as id from transactions t join dealers d on d.id = t.dealer_id
         where d.code = $1 and t.vin = $2 and t.quantity > 0`,
        [dealer, vin],
      )
    ).rows[0]!.id;

  beforeAll(async () => {
    ({ t, admin, finance, dealerB } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code));
    // measured on the whole year: nothing settled, the earlier delivery earns (progress)
    await createProgram(
      admin,
      monthlyUnitsProgram(yearly, { endDate: '2026-12-31', measurementPeriod: 'program' }),
    );
    await deliverOn(admin, 'DLR-ALPHA', [
      ['VF-A1', '2026-01-10', V1],
      ['VF-A2', '2026-01-11', V2],
      ['VF-A3', '2026-01-12', V3],
    ]);
    await closeAndApprove(finance, code, 'DLR-ALPHA', '2026-01');
    await deliverOn(admin, 'DLR-BRAVO', [
      ['VF-B2', '2026-02-12', V2],
      ['VF-B3', '2026-02-13', V3],
      ['VF-B9', '2026-02-14', B9],
    ]);
    await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-02');
    februaryOfB = await statement('DLR-BRAVO', '2026-02');
    await deliverOn(admin, 'DLR-BRAVO', [['VF-B1', '2026-03-05', V1]]);
  }, 600_000);
  afterAll(async () => t?.close());

  it("B's February was approved without the VINs paid to A", () => {
    expect([februaryOfB.status, februaryOfB.amountDue]).toEqual(['approved', '100.00']);
    expect(februaryOfB.excluded.map((e) => [e.vin, e.reason])).toEqual([
      [V2, 'paid_to_other_dealer'],
      [V3, 'paid_to_other_dealer'],
    ]);
  });

  it("A's unwind after B's February was approved frees the VIN for B, as a correction", async () => {
    expect(await progressOfB()).toBe('100.00'); // B9 only: A delivered V1–V3 earlier
    // A unwinds V3 after B's February was approved
    await unwindOn(admin, 'DLR-ALPHA', 'VF-A3', '2026-03-10', V3);
    expect(await progressOfB()).toBe('200.00');
    expect(await progressOfB()).toBe('200.00'); // cached
    // B's open March carries V3, excluded in the approved February, as a correction naming B's
    // own delivery; V1 is still A's
    const afterUnwind = await statement('DLR-BRAVO', '2026-03');
    expect(afterUnwind.lines.map((l) => [l.kind, String(l.transactionId), l.amount])).toEqual([
      ['correction', await idOf('DLR-BRAVO', V3), '100.00'],
    ]);
    expect(afterUnwind.excluded.map((e) => [e.vin, e.reason])).toEqual([
      [V1, 'paid_to_other_dealer'],
    ]);
  });

  it("the chargeback of A's sales (confirmed flags) frees their VINs for B", async () => {
    // the OEM confirms "same VIN delivered by two dealers" on A's sales of V1 and V2
    await json(await admin.send('POST', '/api/v1/insights/integrity/scan'), 200);
    const open = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity?status=open'),
      200,
    );
    for (const vin of [V1, V2]) {
      const flag = open.find(
        (f) =>
          f.kind === 'duplicate_vin' &&
          f.dealerCode === 'DLR-ALPHA' &&
          (f.evidence as { vin?: string }).vin === vin,
      )!;
      expect(flag).toBeDefined();
      await json(
        await finance.send('POST', `/api/v1/insights/integrity/${flag.id}/decision`, {
          decision: 'confirm',
        }),
        200,
      );
    }
    // B's progress (cached before the confirmations) counts V1 and V2 now
    expect(await progressOfB()).toBe('400.00');

    // B's open March: V1 is paid; V2 (chargeback) and V3 (unwind), excluded in the approved
    // February, come as corrections naming B's own deliveries
    const march = await statement('DLR-BRAVO', '2026-03');
    expect(march.excluded).toEqual([]);
    expect(march.lines.filter((l) => l.kind === 'benefit').map((l) => [l.vin, l.amount])).toEqual([
      [V1, '100.00'],
    ]);
    const corrections = march.lines.filter((l) => l.kind === 'correction');
    expect(corrections.map((l) => [String(l.transactionId), l.amount])).toEqual([
      [await idOf('DLR-BRAVO', V2), '100.00'],
      [await idOf('DLR-BRAVO', V3), '100.00'],
    ]);
    expect(march.earned).toBe('300.00');
    // the network's list computes the same
    const listed = await json<{ items: { dealerCode: string; amountDue: string }[] }>(
      await admin.get(`/api/v1/programs/${code}/statements?period=2026-03`),
      200,
    );
    expect(listed.items).toContainEqual(
      expect.objectContaining({ dealerCode: 'DLR-BRAVO', amountDue: '300.00' }),
    );
    // what B reads never names A
    expect(JSON.stringify(march)).not.toMatch(/DLR-ALPHA|Alpha|VF-A/);
  });

  it('the correction is paid once: approved in March, not again in April', async () => {
    await closeAndApprove(finance, code, 'DLR-BRAVO', '2026-03');
    const march = await statement('DLR-BRAVO', '2026-03');
    expect([march.status, march.amountDue]).toEqual(['approved', '300.00']);
    // the freed deliveries are B's settled units now (the VIN is paid to B)
    const { rows } = await t.db.query<{ vin: string }>(
      `select s.vin from settled_unit_benefits s join dealers d on d.id = s.dealer_id
       where d.code = 'DLR-BRAVO' and s.program_id = (select id from programs where code = $1)
       order by s.vin`,
      [code],
    );
    expect(rows.map((r) => r.vin)).toEqual([V1, V2, V3, B9].sort());
    const april = await statement('DLR-BRAVO', '2026-04');
    expect(april.lines).toEqual([]);
    expect(april.earned).toBe('0.00');
    // the next close (April) and the statement after it pay nothing again either
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period: '2026-04' }),
      200,
    );
    expect((await statement('DLR-BRAVO', '2026-04')).lines).toEqual([]);
    expect((await statement('DLR-BRAVO', '2026-05')).lines).toEqual([]);
    // B's February reconciliation: the freed deliveries are paid by March's correction lines
    const recon = await json<{
      buckets: { bucket: string; reason: string | null; rows: number; amount: string }[];
      unaccounted: unknown[];
    }>(await dealerB.get(`/api/v1/programs/${code}/reconciliation?period=2026-02`), 200);
    expect(recon.unaccounted).toEqual([]);
    expect(recon.buckets).toContainEqual(
      expect.objectContaining({
        bucket: 'correction_line',
        reason: '2026-03',
        rows: 2,
        amount: '200.00',
      }),
    );
    expect(recon.buckets.filter((b) => b.bucket === 'excluded')).toEqual([]);
    // B's approved February is frozen
    const february = await statement('DLR-BRAVO', '2026-02');
    expect(february.snapshot?.sha256).toBe(februaryOfB.snapshot?.sha256);
  });

  it("an unwind stored after B's close but before B's approval comes as a correction too", async () => {
    const later = 'VIN-FREE-H2';
    const V6 = '1FREEVNN000000006';
    await createProgram(
      admin,
      monthlyUnitsProgram(later, { startDate: '2026-07-01', endDate: '2026-12-31' }),
    );
    await deliverOn(admin, 'DLR-ALPHA', [['VF-A6', '2026-07-10', V6]]);
    await closeAndApprove(finance, later, 'DLR-ALPHA', '2026-07');
    await deliverOn(admin, 'DLR-BRAVO', [
      ['VF-B6', '2026-08-05', V6],
      ['VF-B7', '2026-08-06', '1FREEVNN000000007'],
    ]);
    await json(
      await finance.send('POST', `/api/v1/programs/${later}/periods/close`, { period: '2026-08' }),
      200,
    );
    // A's unwind arrives after B's August was closed: B's closed statement counts the feed as
    // stored by its close, so its approval still matches the snapshot and excludes V6
    await unwindOn(admin, 'DLR-ALPHA', 'VF-A6', '2026-08-20', V6);
    await json(
      await finance.send('POST', `/api/v1/programs/${later}/statements/DLR-BRAVO/approve`, {
        period: '2026-08',
      }),
      200,
    );
    const august = await statement('DLR-BRAVO', '2026-08', later);
    expect([august.status, august.earned]).toEqual(['approved', '100.00']);
    expect(august.excluded.map((e) => [e.vin, e.reason])).toEqual([[V6, 'paid_to_other_dealer']]);
    const september = await statement('DLR-BRAVO', '2026-09', later);
    expect(september.lines.map((l) => [l.kind, String(l.transactionId), l.amount])).toEqual([
      ['correction', await idOf('DLR-BRAVO', V6), '100.00'],
    ]);
  });

  it("a flag confirmed on the later dealer's blocked delivery never makes it earn", async () => {
    // A delivers V4 first; B's later delivery is blocked; the OEM confirms B's flag
    const V4 = '1FREEVNN000000004';
    await deliverOn(admin, 'DLR-ALPHA', [['VF-A4', '2026-05-03', V4]]);
    await deliverOn(admin, 'DLR-BRAVO', [['VF-B4', '2026-05-04', V4]]);
    await json(await admin.send('POST', '/api/v1/insights/integrity/scan'), 200);
    const open = await json<IntegrityFlagRecord[]>(
      await finance.get('/api/v1/insights/integrity?status=open'),
      200,
    );
    const flagOfB = open.find(
      (f) => f.dealerCode === 'DLR-BRAVO' && (f.evidence as { vin?: string }).vin === V4,
    )!;
    await json(
      await finance.send('POST', `/api/v1/insights/integrity/${flagOfB.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    const may = await statement('DLR-BRAVO', '2026-05');
    expect(may.excluded.map((e) => [e.vin, e.reason])).toEqual([[V4, 'delivered_by_other_dealer']]);
    expect(may.earned).toBe('0.00');
    const alpha = await statement('DLR-ALPHA', '2026-05');
    expect(alpha.lines.filter((l) => l.kind === 'benefit').map((l) => l.vin)).toEqual([V4]);
  });
});
