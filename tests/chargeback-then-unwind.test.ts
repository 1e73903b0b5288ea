/**
 * A sale charged back by a confirmed integrity flag and later unwound by its own dealer is taken
 * back once (docs/incentives.md, "Chargeback"): the chargeback took back what it earned; the
 * unwind, stored after the confirmation, claws nothing back and nets nothing, whatever the order
 * of the periods:
 * - Alpha: paid in approved March, charged back in April (approved), unwound in May (naming the
 *   sale by its external id): May takes nothing;
 * - Bravo: paid in approved March, charged back and unwound in the same open period (May),
 *   then May approved;
 * - Charlie (a quarter paid monthly, tiers 100 / 150 from 4 units): the flagged unit lifted April
 *   to tier 2, the chargeback took back the unit and the uplift (300.00); its unwind in May, in the
 *   same window, must not drop the tier a second time.
 * And the reverse: a flag confirmed after the unwind (Alpha's second sale) takes back nothing, the
 * unwind's clawback stands. In every case the dealer is paid, over all statements, what its real
 * deliveries earn; the network list agrees with the dealer's statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import { Dec } from '../src/shared/money';
import type { IntegrityFlagRecord } from '../src/shared/schemas/insights';
import {
  ingestNextDay,
  monthlyProgram,
  settlePeriod,
  startChargebackApp,
  taggedVin as vin,
} from './helpers/chargeback';
import { txRow } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  testEnv,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Line = { kind: string; amount: string; explanation: string };
type Statement = {
  status: string;
  measureValue: string | null;
  earned: string;
  amountDue: string;
  previouslySettled: string;
  lines: Line[];
  excluded: { transactionId: string; reason: string; detail: string; vin: string | null }[];
};

const VIN = {
  alpha: vin('CBUAF', 1),
  alpha2: vin('CBUAF', 2),
  bravo: vin('CBUBF', 1),
  charlie: vin('CBKCF', 1),
  charlieGroups: vin('CBKGF', 1),
};

describe.each(engines())('chargeback, then the unwind of the same sale (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let finance: Client;

  const statement = async (code: string, dealer: string, period: string) =>
    json<Statement>(
      await finance.get(`/api/v1/programs/${code}/statements/${dealer}?period=${period}`),
      200,
    );
  const listed = async (code: string, dealer: string, period: string) => {
    const list = await json<{ items: { dealerCode: string; amountDue: string }[] }>(
      await finance.get(`/api/v1/programs/${code}/statements?period=${period}`),
      200,
    );
    return list.items.find((i) => i.dealerCode === dealer)!.amountDue;
  };
  /** What the dealer is paid over the given periods (each statement's amount due). */
  const total = async (code: string, dealer: string, periods: string[]) => {
    let sum = new Dec(0);
    for (const p of periods) sum = sum.plus((await statement(code, dealer, p)).amountDue);
    return sum.toFixed(2);
  };
  const settle = (code: string, period: string, dealers: string[]) =>
    settlePeriod(finance, code, period, dealers);
  /** A flag naming one VIN of the dealer, confirmed: its chargebacks. */
  const confirmFlag = async (dealer: string, vin: string, key: string) => {
    const { rows } = await t.db.query<{ id: number }>(
      `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
       select id, 'duplicate_vin', $2, '2026-03-20', 'planted', $3::jsonb, 0 from dealers where code = $1
       returning id`,
      [dealer, key, JSON.stringify({ vin })],
    );
    const flag = await json<IntegrityFlagRecord>(
      await finance.send('POST', `/api/v1/insights/integrity/${rows[0]!.id}/decision`, {
        decision: 'confirm',
      }),
      200,
    );
    return flag.chargebacks;
  };
  /** Stores rows as arrived the day after they happened. */
  const ingest = (rows: Record<string, unknown>[]) => ingestNextDay(t, rows);
  const unwind = (dealerCode: string, occurredOn: string, ref: Record<string, unknown>) =>
    txRow({ dealerCode, kind: 'unwind', quantity: -1, amount: '-31000.00', occurredOn, ...ref });

  beforeAll(async () => {
    const rows = [
      // Alpha, March: two real sales and two flagged ones (program CBU, monthly, 100 a unit)
      txRow({ occurredOn: '2026-03-02', vin: vin('CBUAR', 1) }),
      txRow({ occurredOn: '2026-03-03', vin: vin('CBUAR', 2) }),
      txRow({ occurredOn: '2026-03-10', vin: VIN.alpha, externalId: 'CBU-A-FLAG' }),
      txRow({ occurredOn: '2026-03-11', vin: VIN.alpha2, externalId: 'CBU-A-FLAG2' }),
      // Bravo, March: two real sales and one flagged
      txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-02', vin: vin('CBUBR', 1) }),
      txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-03', vin: vin('CBUBR', 2) }),
      txRow({ dealerCode: 'DLR-BRAVO', occurredOn: '2026-03-12', vin: VIN.bravo }),
      // Charlie, April: three real pickups and one flagged (program CBQ, the quarter's tiers)
      ...[2, 3, 4].map((d) =>
        txRow({
          dealerCode: 'DLR-CHARLIE',
          sku: 'BOLT-XL-HEV',
          occurredOn: `2026-04-0${d}`,
          vin: vin('CBKCR', d),
        }),
      ),
      txRow({
        dealerCode: 'DLR-CHARLIE',
        sku: 'BOLT-XL-HEV',
        occurredOn: '2026-04-10',
        vin: VIN.charlie,
      }),
      // Charlie: two real electric Auras and one flagged in March, one real in April (program
      // CBG, never approved)
      ...[1, 2, 3].map((n) =>
        txRow({
          dealerCode: 'DLR-CHARLIE',
          sku: 'AURA-EX-BEV',
          occurredOn: `2026-03-0${n}`,
          vin: n === 3 ? VIN.charlieGroups : vin('CBKGR', n),
        }),
      ),
      txRow({
        dealerCode: 'DLR-CHARLIE',
        sku: 'AURA-EX-BEV',
        occurredOn: '2026-04-02',
        vin: vin('CBKGR', 4),
      }),
    ];
    ({
      t,
      clients: [channel, finance],
    } = await startChargebackApp(engine, '2026-07-10', rows, 'channel', 'finance'));
    const unit = [{ from: '0', value: '100.00' }];
    await createProgram(
      channel,
      monthlyProgram('CBU', {
        name: 'Chargeback then unwind',
        graceDays: 10,
        qualifying: { modelLines: ['ML-AURA'] },
        tiers: unit,
      }),
    );
    await createProgram(
      channel,
      monthlyProgram('CBQ', {
        name: 'Chargeback then unwind, a quarter',
        startDate: '2026-04-01',
        endDate: '2026-09-30',
        measurementPeriod: 'quarter',
        graceDays: 10,
        qualifying: { modelLines: ['ML-BOLT'] },
        tiers: [...unit, { from: '4', value: '150.00' }],
      }),
    );
    await createProgram(
      channel,
      monthlyProgram('CBG', {
        name: 'Chargeback then unwind, closed only',
        graceDays: 10,
        qualifying: { skus: ['AURA-EX-BEV'] },
        tiers: unit,
      }),
    );
    await settle('CBU', '2026-03', ['DLR-ALPHA', 'DLR-BRAVO']);
    await settle('CBG', '2026-03', []);
    await settle('CBQ', '2026-04', ['DLR-CHARLIE']);
    // Alpha unwinds its second flagged sale (by VIN) before any flag is confirmed.
    await ingest([unwind('DLR-ALPHA', '2026-04-03', { vin: VIN.alpha2 })]);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('the settled periods paid every sale', async () => {
    expect((await statement('CBU', 'DLR-ALPHA', '2026-03')).amountDue).toBe('400.00');
    expect((await statement('CBU', 'DLR-BRAVO', '2026-03')).amountDue).toBe('300.00');
    // 4 units reach tier 2: 4 × 150
    expect((await statement('CBQ', 'DLR-CHARLIE', '2026-04')).amountDue).toBe('600.00');
  });

  it('a flag confirmed after the unwind takes back nothing: the clawback did (Alpha)', async () => {
    const april = await statement('CBU', 'DLR-ALPHA', '2026-04');
    expect(april.lines.filter((l) => l.kind === 'clawback').map((l) => l.amount)).toEqual([
      '-100.00',
    ]);
    expect(await confirmFlag('DLR-ALPHA', VIN.alpha2, 'test:cbu:alpha2')).toEqual([]);
    expect((await statement('CBU', 'DLR-ALPHA', '2026-04')).amountDue).toBe('-100.00');
  });

  it('charged back in an approved period, unwound later: taken back once (Alpha)', async () => {
    expect(await confirmFlag('DLR-ALPHA', VIN.alpha, 'test:cbu:alpha')).toEqual([
      expect.objectContaining({ programCode: 'CBU', period: '2026-04', amount: '-100.00' }),
    ]);
    await settle('CBU', '2026-04', ['DLR-ALPHA']);
    expect((await statement('CBU', 'DLR-ALPHA', '2026-04')).amountDue).toBe('-200.00');
    // the dealer unwinds the charged-back sale, naming it by its external id
    await ingest([unwind('DLR-ALPHA', '2026-05-06', { originalExternalId: 'CBU-A-FLAG' })]);
    const may = await statement('CBU', 'DLR-ALPHA', '2026-05');
    expect(may.lines.filter((l) => l.kind === 'clawback')).toEqual([]);
    expect(may.amountDue).toBe('0.00');
    expect(await listed('CBU', 'DLR-ALPHA', '2026-05')).toBe('0.00');
    // paid for its two real sales only: 2 × 100
    expect(await total('CBU', 'DLR-ALPHA', ['2026-03', '2026-04', '2026-05'])).toBe('200.00');
  });

  it('charged back and unwound in the same open period: taken back once (Bravo)', async () => {
    // April is closed by now: the chargeback goes to May
    expect(await confirmFlag('DLR-BRAVO', VIN.bravo, 'test:cbu:bravo')).toEqual([
      expect.objectContaining({ programCode: 'CBU', period: '2026-05', amount: '-100.00' }),
    ]);
    await ingest([unwind('DLR-BRAVO', '2026-05-07', { vin: VIN.bravo })]);
    const may = await statement('CBU', 'DLR-BRAVO', '2026-05');
    expect(may.status).toBe('open');
    expect(may.lines.filter((l) => l.kind === 'clawback')).toEqual([]);
    expect(may.amountDue).toBe('-100.00');
    expect(await listed('CBU', 'DLR-BRAVO', '2026-05')).toBe('-100.00');
    expect(await total('CBU', 'DLR-BRAVO', ['2026-03', '2026-04', '2026-05'])).toBe('200.00');
  });

  it('the unwind left out is shown: excluded, naming the flag (statement, CSV, reconciliation)', async () => {
    const flagOf = async (dealer: string, key: string) =>
      (
        await t.db.query<{ id: number }>(
          `select f.id from integrity_flags f join dealers d on d.id = f.dealer_id
           where d.code = $1 and f.key = $2`,
          [dealer, key],
        )
      ).rows[0]!.id;
    const expected = async (dealer: string, key: string, vin: string) =>
      expect.objectContaining({
        reason: 'charged_back_unwind',
        vin,
        detail: expect.stringContaining(
          `unwind of a sale already charged back (integrity flag #${await flagOf(dealer, key)})`,
        ),
      });
    // Alpha's May: the unwind naming the sale by its external id (its VIN from the sale's row)
    const alpha = await statement('CBU', 'DLR-ALPHA', '2026-05');
    expect(alpha.excluded).toEqual([
      expect.objectContaining({ reason: 'charged_back_unwind', detail: expect.any(String) }),
    ]);
    expect(alpha.excluded[0]!.detail).toContain(
      `integrity flag #${await flagOf('DLR-ALPHA', 'test:cbu:alpha')}`,
    );
    expect(alpha.amountDue).toBe('0.00');
    // Bravo's open May, charged back and unwound in it
    const bravo = await statement('CBU', 'DLR-BRAVO', '2026-05');
    expect(bravo.excluded).toEqual([await expected('DLR-BRAVO', 'test:cbu:bravo', VIN.bravo)]);
    expect(bravo.amountDue).toBe('-100.00');
    const csv = await (
      await finance.get('/api/v1/programs/CBU/statements/DLR-BRAVO/export?period=2026-05')
    ).text();
    const row = csv.split('\n').find((l) => l.includes(',excluded,'));
    expect(row).toContain('charged_back_unwind');
    expect(row).toContain(VIN.bravo);
    const recon = await json<{
      buckets: { bucket: string; reason: string | null; rows: number; amount: string }[];
      unaccounted: unknown[];
    }>(await finance.get('/api/v1/programs/CBU/reconciliation?period=2026-05'), 200);
    expect(recon.unaccounted).toEqual([]);
    expect(recon.buckets).toContainEqual(
      expect.objectContaining({
        bucket: 'excluded',
        reason: 'charged_back_unwind',
        rows: 2,
        amount: '0.00',
      }),
    );
  });

  it('May closed (and approved for Bravo) still takes each sale back once', async () => {
    // (Alpha's May has no line: no statement to approve)
    await settle('CBU', '2026-05', ['DLR-BRAVO']);
    expect((await statement('CBU', 'DLR-ALPHA', '2026-05')).amountDue).toBe('0.00');
    expect((await statement('CBU', 'DLR-BRAVO', '2026-05')).amountDue).toBe('-100.00');
    for (const dealer of ['DLR-ALPHA', 'DLR-BRAVO'])
      expect(await total('CBU', dealer, ['2026-03', '2026-04', '2026-05', '2026-06'])).toBe(
        '200.00',
      );
  });

  it('a unit that lifted the tier: the unwind does not drop it a second time (Charlie)', async () => {
    // with the flagged unit 4 × 150, without it 3 × 100
    expect(await confirmFlag('DLR-CHARLIE', VIN.charlie, 'test:cbq:charlie')).toEqual([
      expect.objectContaining({ programCode: 'CBQ', period: '2026-05', amount: '-300.00' }),
    ]);
    expect((await statement('CBQ', 'DLR-CHARLIE', '2026-05')).amountDue).toBe('-300.00');
    await ingest([unwind('DLR-CHARLIE', '2026-05-08', { vin: VIN.charlie, sku: 'BOLT-XL-HEV' })]);
    const may = await statement('CBQ', 'DLR-CHARLIE', '2026-05');
    expect(may.amountDue).toBe('-300.00');
    expect(await listed('CBQ', 'DLR-CHARLIE', '2026-05')).toBe('-300.00');
    // paid for its three real pickups at tier 1: 3 × 100
    expect(await total('CBQ', 'DLR-CHARLIE', ['2026-04', '2026-05'])).toBe('300.00');
    // May approved: the quarter's last period takes nothing more
    await settle('CBQ', '2026-05', ['DLR-CHARLIE']);
    expect((await statement('CBQ', 'DLR-CHARLIE', '2026-05')).amountDue).toBe('-300.00');
    expect((await statement('CBQ', 'DLR-CHARLIE', '2026-06')).amountDue).toBe('0.00');
    expect(await total('CBQ', 'DLR-CHARLIE', ['2026-04', '2026-05', '2026-06'])).toBe('300.00');
  });

  it('charged back from a closed period, unwound in the next: an open period takes it once (Charlie)', async () => {
    // CBG has no approved statement: its open periods go through the network's grouped scan
    const chargebacks = await confirmFlag('DLR-CHARLIE', VIN.charlieGroups, 'test:cbg:charlie');
    expect(chargebacks).toContainEqual(
      expect.objectContaining({ programCode: 'CBG', period: '2026-04', amount: '-100.00' }),
    );
    await ingest([
      unwind('DLR-CHARLIE', '2026-04-05', { vin: VIN.charlieGroups, sku: 'AURA-EX-BEV' }),
    ]);
    // April: its own sale (100.00) and the chargeback (−100.00); the unwind nets nothing more
    const april = await statement('CBG', 'DLR-CHARLIE', '2026-04');
    expect([april.measureValue, april.amountDue]).toEqual(['1', '0.00']);
    // paid for its three real sales: 3 × 100
    expect(await total('CBG', 'DLR-CHARLIE', ['2026-03', '2026-04'])).toBe('300.00');
  });

  it("progress (the dealer's own read of the feed) leaves the unwind out too (Charlie)", async () => {
    const services = createServices({ db: t.db, env: testEnv(), today: () => '2026-04-20' });
    const { programs } = await services.incentives.getDealerIncentives({
      actor: SYSTEM_ACTOR,
      dealerCode: 'DLR-CHARLIE',
    });
    expect(programs.find((p) => p.programCode === 'CBG')!.measureValue).toBe('1');
  });

  it('the network recalculation (its grouped scan) agrees with the statements', async () => {
    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    const mine = all.items!.filter((i) => ['CBU', 'CBQ', 'CBG'].includes(i.programCode));
    expect(
      mine.find(
        (i) => i.programCode === 'CBG' && i.dealerCode === 'DLR-CHARLIE' && i.period === '2026-04',
      ),
    ).toMatchObject({ measureValue: '1', amountDue: '0.00' });
    // the quarter's June, live: the unwind of the charged-back unit drops no tier there either
    expect(
      mine.find(
        (i) => i.programCode === 'CBQ' && i.dealerCode === 'DLR-CHARLIE' && i.period === '2026-06',
      ),
    ).toMatchObject({ amountDue: '0.00' });
    for (const item of mine) {
      const s = await statement(item.programCode, item.dealerCode, item.period);
      expect(
        { measureValue: s.measureValue, earned: s.earned, amountDue: s.amountDue },
        `${item.programCode} ${item.period} ${item.dealerCode}`,
      ).toEqual({
        measureValue: item.measureValue,
        earned: item.earned,
        amountDue: item.amountDue,
      });
    }
  });
});
