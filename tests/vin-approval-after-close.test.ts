/**
 * Another dealer's approval after a close (docs/incentives.md, "A VIN is paid once", "Approvals
 * have a place in the feed"). Before, dealer A's approval of a statement paying a VIN that dealer
 * B's closed statement also counted changed B's recomputation (A's settled unit, recorded after
 * B's close, excluded B's delivery as `paid_to_other_dealer`), so B's approval answered 409
 * STATEMENT_CHANGED_SINCE_CLOSE until the period was re-closed — and so did A's own next one.
 * Now an approval has a position in the feed, like a row or a confirmation: a closed statement
 * counts the approvals positioned by its close, so both approvals stand, and the VIN is still
 * paid once over all statements (the first approval paying it keeps it; the other dealer's
 * payment comes back as a correction in its next statement).
 *
 * The story: A delivers V on 20 February (stored before February's close); B's delivery of V,
 * dated 10 February (the earlier one), is stored after it: a late row, paid to B by March's
 * correction, while A's March takes A's February payment of V back (B's is the earlier delivery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../src/shared/money';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import { createProgram, engines, json, type Client, type TestApp } from './helpers/test-app';
import { deliverOn, monthlyUnitsProgram, startSettlementApp, unwindOn } from './helpers/settlement';
import { pdfText } from './helpers/pdf-text';

const V = '1APPRPXS000000001';
const A2 = '1APPRPXS000000002';

type Line = {
  kind: string;
  transactionId: string | null;
  amount: string;
  vin: string | null;
  explanation: string;
  correctsPeriod?: string | null;
  correctionReason?: string | null;
  correctsTransactionId?: string | null;
};
type Detail = {
  status: string;
  earned: string;
  amountDue: string;
  lines: Line[];
  excluded: { vin: string | null; reason: string }[];
};

describe.each(engines())("B's approval after A's approval of a shared VIN (%s)", (engine) => {
  let t: TestApp;
  let admin: Client;
  let finance: Client;
  let dealerB: Client;
  const code = 'VIN-APPR';
  const statement = async (dealer: string, period: string) =>
    json<Detail>(
      await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const close = async (period: string) =>
    json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
  const approve = (dealer: string, period: string) =>
    finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, { period });
  const total = async (dealer: string, periods: string[]) => {
    let sum = new Dec(0);
    for (const p of periods) sum = sum.plus((await statement(dealer, p)).amountDue);
    return sum.toFixed(2);
  };

  beforeAll(async () => {
    ({ t, admin, finance, dealerB } = await startSettlementApp(engine));
    await createProgram(admin, monthlyUnitsProgram(code));
    await deliverOn(admin, 'DLR-ALPHA', [['AP-A1', '2026-02-20', V]]);
    await close('2026-02');
    // B's earlier delivery of V arrives after February's close (within its grace): a late row
    await deliverOn(admin, 'DLR-BRAVO', [['AP-B1', '2026-02-10', V]]);
    await deliverOn(admin, 'DLR-BRAVO', [['AP-B2', '2026-03-05', '1APPRPXS000000009']]);
    await close('2026-03');
  }, 600_000);
  afterAll(async () => t?.close());

  it("March's close: B is paid V by a correction, A's February payment of V is taken back", async () => {
    const bravo = await statement('DLR-BRAVO', '2026-03');
    expect([bravo.status, bravo.amountDue]).toEqual(['closed', '200.00']);
    expect(bravo.lines.map((l) => [l.kind, l.amount])).toEqual([
      ['benefit', '100.00'],
      ['correction', '100.00'],
    ]);
    const alpha = await statement('DLR-ALPHA', '2026-03');
    expect([alpha.status, alpha.amountDue]).toEqual(['closed', '-100.00']);
  });

  it("A's approval of February does not change B's (nor A's own) closed March", async () => {
    await json(await approve('DLR-ALPHA', '2026-02'), 200);
    expect((await statement('DLR-ALPHA', '2026-02')).amountDue).toBe('100.00');
    // before: 409 STATEMENT_CHANGED_SINCE_CLOSE (A's settled unit excluded B's delivery)
    const bravo = await approve('DLR-BRAVO', '2026-03');
    expect(bravo.status).toBe(200);
    expect((await statement('DLR-BRAVO', '2026-03')).amountDue).toBe('200.00');
    const alpha = await approve('DLR-ALPHA', '2026-03');
    expect(alpha.status).toBe(200);
    expect((await statement('DLR-ALPHA', '2026-03')).amountDue).toBe('-100.00');
    // V paid once: A 100 − 100, B 100 (+ its own March sale)
    expect(await total('DLR-ALPHA', ['2026-02', '2026-03'])).toBe('0.00');
    expect(await total('DLR-BRAVO', ['2026-03'])).toBe('200.00');
  });

  it("both approvals paid V: the first one (A's) keeps it, B's next statement gives it back", async () => {
    // a late row of February for A only (another VIN): February is recomputed for A, and for B
    // because the approvals paying V since March's close are events of the feed for it
    await deliverOn(admin, 'DLR-ALPHA', [['AP-A2', '2026-02-21', A2]]);
    // A: its late sale and V again (its approval of February came first); B: V taken back (paid
    // to A first). Before: B kept V (A's came back with the late row): paid twice.
    const alpha = await statement('DLR-ALPHA', '2026-04');
    const bravo = await statement('DLR-BRAVO', '2026-04');
    expect([alpha.amountDue, bravo.amountDue]).toEqual(['200.00', '-100.00']);
    await close('2026-04');
    for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO'])
      expect((await approve(dealer, '2026-04')).status).toBe(200);
    // over all statements: A is paid A2 and V, B its March sale: V once
    expect(await total('DLR-ALPHA', ['2026-02', '2026-03', '2026-04'])).toBe('200.00');
    expect(await total('DLR-BRAVO', ['2026-03', '2026-04'])).toBe('100.00');
    // and nothing moves again: May pays nobody anything
    expect((await statement('DLR-ALPHA', '2026-05')).lines).toEqual([]);
    expect((await statement('DLR-BRAVO', '2026-05')).lines).toEqual([]);
  });
  it('the take-back names the delivery and why, never the other dealer (API, CSV, PDF)', async () => {
    const idOf = async (externalId: string) =>
      (
        await t.db.query<{ id: string }>(
          `select id::text as id from transactions where external_id = $1`,
          [externalId],
        )
      ).rows[0]!.id;
    const [bravoV, alphaV] = [await idOf('AP-B1'), await idOf('AP-A1')];
    // B's April, read by B itself: before, one generic "recomputed" line of −100.00
    const url = `/api/v1/programs/${code}/statements/DLR-BRAVO`;
    const bravo = await json<Detail>(await dealerB.get(`${url}?period=2026-04`), 200);
    const corrections = bravo.lines.filter((l) => l.kind === 'correction');
    expect(corrections).toEqual([
      expect.objectContaining({
        amount: '-100.00',
        transactionId: null,
        vin: V,
        correctsPeriod: '2026-02',
        correctionReason: 'vin_paid_to_other_dealer',
        correctsTransactionId: bravoV,
      }),
    ]);
    const why = corrections[0]!.explanation;
    expect(why).toContain(`${V} delivered 2026-02-10 (transaction ${bravoV})`);
    expect(why).toContain('paid to another dealer by a statement approved earlier');
    // nothing of the other dealer: its code, name or delivery
    const leaks = ['ALPHA', 'Alpha', `transaction ${alphaV})`, '2026-02-20'];
    for (const leak of leaks) expect(JSON.stringify(bravo)).not.toContain(leak);
    const csv = await (await dealerB.get(`${url}/export?period=2026-04`)).text();
    const row = csv.split('\n').find((l) => l.includes(',correction,'))!;
    expect(row).toContain(V);
    expect(row).toContain('taken back, this vehicle is paid to another dealer');
    const pdf = Buffer.from(await (await dealerB.get(`${url}/pdf?period=2026-04`)).arrayBuffer());
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    expect(text).toContain(`${V} delivered 2026-02-10`);
    expect(text).toContain('taken back');
    for (const leak of leaks) expect(text).not.toContain(leak);
    // A's March took A's February payment back: B's earlier delivery, reported late, earns V
    const alpha = await statement('DLR-ALPHA', '2026-03');
    expect(alpha.lines.filter((l) => l.kind === 'correction')).toEqual([
      expect.objectContaining({
        amount: '-100.00',
        vin: V,
        correctionReason: 'vin_delivered_by_other_dealer',
        correctsTransactionId: alphaV,
        explanation: expect.stringContaining(`${V} delivered 2026-02-20`),
      }),
    ]);
    // and A's April pays V again (A's approval came first): freed, named
    const april = await statement('DLR-ALPHA', '2026-04');
    expect(april.lines).toContainEqual(
      expect.objectContaining({
        kind: 'correction',
        amount: '100.00',
        transactionId: alphaV,
        vin: V,
        correctionReason: 'vin_freed',
      }),
    );
  });
  it("B's later unwind of V takes nothing more: April's take-back already did (paid once)", async () => {
    // B unwinds its delivery of V in May. Its settled unit of V (paid by March's correction) was
    // taken back by April's approved correction: before, May clawed it back a second time (B
    // −100 more, so over all statements −100 for a sale paid once, to A).
    await unwindOn(admin, 'DLR-BRAVO', 'AP-B1', '2026-05-06', V);
    await close('2026-05');
    // nothing to pay or take: no statement; the unwind is shown, left out as V's delivery is
    const bravo = await statement('DLR-BRAVO', '2026-05');
    expect([bravo.status, bravo.amountDue, bravo.lines]).toEqual(['open', '0.00', []]);
    expect(bravo.excluded).toEqual([
      expect.objectContaining({ vin: V, reason: 'paid_to_other_dealer' }),
    ]);
    expect((await statement('DLR-ALPHA', '2026-05')).lines).toEqual([]);
    // over all approved statements: V paid once, to A; B keeps its own March sale only
    expect(await total('DLR-ALPHA', ['2026-02', '2026-03', '2026-04'])).toBe('200.00');
    expect(await total('DLR-BRAVO', ['2026-03', '2026-04', '2026-05'])).toBe('100.00');
    // and June moves nothing
    expect((await statement('DLR-ALPHA', '2026-06')).lines).toEqual([]);
    expect((await statement('DLR-BRAVO', '2026-06')).lines).toEqual([]);
  });
  it("A's own unwind of V claws back its payment once: the freed correction settled it again", async () => {
    // A's V: paid in February, taken back in March (B's late earlier delivery), paid again in
    // April (A's approval came first). Its unwind in June claws back the 100.00 A holds for it.
    await unwindOn(admin, 'DLR-ALPHA', 'AP-A1', '2026-06-03', V);
    await close('2026-06');
    expect((await approve('DLR-ALPHA', '2026-06')).status).toBe(200);
    const alpha = await statement('DLR-ALPHA', '2026-06');
    expect(alpha.lines.map((l) => [l.kind, l.amount, l.vin])).toEqual([['clawback', '-100.00', V]]);
    // over all statements: A keeps A2 only
    expect(await total('DLR-ALPHA', ['2026-02', '2026-03', '2026-04', '2026-06'])).toBe('100.00');
    // B's delivery of V, unwound in May while V was paid to A, stays as it was then (0066):
    // before, A's unwind freed it and B's June paid it again by a `vin_freed` correction (+100)
    expect((await statement('DLR-BRAVO', '2026-06')).lines).toEqual([]);
    expect(await total('DLR-BRAVO', ['2026-03', '2026-04', '2026-05', '2026-06'])).toBe('100.00');
  });
});

describe.each(engines())(
  "a chargeback of B's delivery of V after April's take-back (%s)",
  (engine) => {
    let t: TestApp;
    let admin: Client;
    let finance: Client;
    const code = 'VIN-APPR-CB';
    const statement = async (dealer: string, period: string) =>
      json<Detail>(
        await admin.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
        200,
      );
    const close = async (period: string) =>
      json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
    const approve = async (dealer: string, period: string) =>
      json(
        await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
          period,
        }),
        200,
      );

    beforeAll(async () => {
      // the first describe's story up to April's approvals (B paid V in March, taken back in April)
      ({ t, admin, finance } = await startSettlementApp(engine));
      await createProgram(admin, monthlyUnitsProgram(code));
      await deliverOn(admin, 'DLR-ALPHA', [['CB-A1', '2026-02-20', V]]);
      await close('2026-02');
      await deliverOn(admin, 'DLR-BRAVO', [['CB-B1', '2026-02-10', V]]);
      await deliverOn(admin, 'DLR-BRAVO', [['CB-B2', '2026-03-05', '1APPRPXS000000009']]);
      await close('2026-03');
      await approve('DLR-ALPHA', '2026-02');
      await approve('DLR-BRAVO', '2026-03');
      await approve('DLR-ALPHA', '2026-03');
      await deliverOn(admin, 'DLR-ALPHA', [['CB-A2', '2026-02-21', A2]]);
      await close('2026-04');
      await approve('DLR-ALPHA', '2026-04');
      await approve('DLR-BRAVO', '2026-04');
    }, 600_000);
    afterAll(async () => t?.close());

    it('takes nothing more from B: the take-back already did (paid once)', async () => {
      expect((await statement('DLR-BRAVO', '2026-04')).amountDue).toBe('-100.00');
      // a duplicate-VIN flag on B's delivery of V, confirmed in May
      const { rows } = await t.db.query<{ id: number }>(
        `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
       select id, 'duplicate_vin', 'test:vin-appr:bravo', '2026-02-10', 'planted', $2::jsonb, 0
       from dealers where code = $1 returning id`,
        ['DLR-BRAVO', JSON.stringify({ vin: V })],
      );
      const flag = await json<IntegrityFlagRecord>(
        await finance.send('POST', `/api/v1/insights/integrity/${rows[0]!.id}/decision`, {
          decision: 'confirm',
        }),
        200,
      );
      expect(flag.chargebacks.filter((c) => c.programCode === code)).toEqual([]);
      for (const period of ['2026-05', '2026-06']) {
        expect((await statement('DLR-BRAVO', period)).amountDue).toBe('0.00');
        expect((await statement('DLR-ALPHA', period)).lines).toEqual([]);
      }
      // over all statements: V paid once, to A; B its own March sale only
      let bravo = new Dec(0);
      for (const p of ['2026-03', '2026-04', '2026-05'])
        bravo = bravo.plus((await statement('DLR-BRAVO', p)).amountDue);
      expect(bravo.toFixed(2)).toBe('100.00');
    });
  },
);
