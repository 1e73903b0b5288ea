/**
 * Issue 15 §2 in the engine: a program that excludes demonstrator and employee sales and the
 * dealer's own purchases pays exactly what its rules say, on the statement (row path), the
 * network list and recalculation (the scan's groups with a report dimension), progress and the
 * what-if; the statement trace and the reconciliation name why each row was left out. A feed row
 * without a retail delivery report counts as retail; an unwind without one takes the report of
 * the sale it reverses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
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

type Statement = {
  earned: string;
  measureValue: string;
  lines: { kind: string; transactionId: string | null; amount: string }[];
  excluded: { transactionId: string; reason: string; detail: string }[];
};

const base = {
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-12-31',
  measurementPeriod: 'month',
  payoutFrequency: 'month',
  measure: 'units',
  benefit: 'per_unit',
  tiers: [
    { from: '0', value: '100' },
    { from: '3', value: '250' },
  ],
};
const program = {
  ...base,
  code: 'NO-DEMO',
  name: 'Retail only',
  qualifying: {
    kinds: ['retail_delivery'],
    excludeSaleCategories: ['demonstrator', 'employee'],
    excludeBuyerTypes: ['dealer'],
  },
};
/** The same rules, and a row without a report does not count either. */
const strict = {
  ...base,
  code: 'REPORTED-ONLY',
  name: 'Reported retail only',
  qualifying: { ...program.qualifying, withoutReport: 'exclude' },
};

function delivery(
  dealNumber: string,
  saleCategory: string,
  buyerType: string,
  extra: Record<string, unknown> = {},
) {
  return {
    dealNumber,
    dealerCode: 'DLR-ALPHA',
    vin: `1FCRT0000000000${dealNumber.slice(-2)}`,
    sku: 'AURA-LX-ICE',
    saleDate: '2026-04-01',
    deliveryDate: '2026-04-06',
    saleCategory,
    buyer: { type: buyerType },
    amounts: { salePrice: '31000.00', currency: 'USD' },
    ...extra,
  };
}

describe.each(engines())('sale category and buyer type rules (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  let dealerA: Client;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    await t.services.rdr.ingestReport({
      actor: SYSTEM_ACTOR,
      report: {
        source: 'dms-a',
        deliveries: [
          delivery('D-01', 'retail', 'individual'),
          delivery('D-02', 'fleet', 'business'),
          delivery('D-03', 'demonstrator', 'dealer'),
          delivery('D-04', 'employee', 'individual'),
          delivery('D-05', 'retail', 'dealer'),
        ],
      },
    });
    // A plain feed sale (no report: a retail sale) and an unwind of the employee sale sent
    // without a report (it takes the report of the sale it reverses).
    await ingestRows(t.services, [
      txRow({ source: 'dms-a', externalId: 'P-01', occurredOn: '2026-04-08' }),
      txRow({
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
        source: 'dms-a',
        externalId: 'U-04',
        originalExternalId: 'D-04',
        occurredOn: '2026-04-09',
      }),
    ]);
    await t.db.query('update transactions set received_at = occurred_on + 1');
    const { rows } = await t.db.query<{ externalId: string; id: string }>(
      `select external_id as "externalId", id::text from transactions`,
    );
    for (const r of rows) ids[r.externalId] = r.id;
    const channel = await login(t.url, USERS.channel, PASSWORD);
    [finance, dealerA] = await Promise.all([
      login(t.url, USERS.finance, PASSWORD),
      login(t.url, USERS.dealerA, PASSWORD),
    ]);
    await createProgram(channel, program);
    await createProgram(channel, strict);
  }, 240_000);
  afterAll(async () => t?.close());

  it('pays the counted sales only, and the trace names why each other row is out', async () => {
    const s = await json<Statement>(
      await finance.get('/api/v1/programs/NO-DEMO/statements/DLR-ALPHA?period=2026-04'),
      200,
    );
    // retail D-01, fleet D-02 and the plain sale P-01: 3 units, the tier from 3 at 250.00
    expect(s.measureValue).toBe('3');
    expect(s.earned).toBe('750.00');
    expect(s.lines.map((l) => [l.transactionId, l.amount]).sort()).toEqual(
      [
        [ids['D-01'], '250.00'],
        [ids['D-02'], '250.00'],
        [ids['P-01'], '250.00'],
      ].sort(),
    );
    const why = Object.fromEntries(s.excluded.map((e) => [e.transactionId, e]));
    expect(why[ids['D-03']!]).toMatchObject({ reason: 'sale_category' });
    expect(why[ids['D-03']!]!.detail).toContain('demonstrator sale');
    expect(why[ids['D-04']!]).toMatchObject({ reason: 'sale_category' });
    expect(why[ids['D-04']!]!.detail).toContain('employee sale');
    expect(why[ids['D-05']!]).toMatchObject({ reason: 'buyer_type' });
    expect(why[ids['D-05']!]!.detail).toContain('buyer type dealer');
    // the unwind of the employee sale is out with its sale (else it would take a unit away)
    expect(why[ids['U-04']!]).toMatchObject({ reason: 'sale_category' });
    expect(s.excluded).toHaveLength(4);
  });

  it('counts a row without a report as retail unless the program excludes it', async () => {
    const s = await json<Statement>(
      await finance.get('/api/v1/programs/REPORTED-ONLY/statements/DLR-ALPHA?period=2026-04'),
      200,
    );
    expect(s.measureValue).toBe('2');
    expect(s.earned).toBe('200.00');
    expect(s.excluded.find((e) => e.transactionId === ids['P-01'])).toMatchObject({
      reason: 'no_report',
    });
  });

  it('gives the same cents on the network list, the recalculation, progress and what-if', async () => {
    const listed = async (code: string) =>
      (
        await json<{ items: { dealerCode: string; earned: string }[] }>(
          await finance.get(`/api/v1/programs/${code}/statements?period=2026-04`),
          200,
        )
      ).items.find((i) => i.dealerCode === 'DLR-ALPHA')!.earned;
    expect(await listed('NO-DEMO')).toBe('750.00');
    expect(await listed('REPORTED-ONLY')).toBe('200.00');

    const all = await t.services.incentives.recalculateAll({
      actor: SYSTEM_ACTOR,
      periods: 'all',
      withStatements: true,
    });
    // computed from the scan's groups (with the report dimension), not row by row
    expect(all.periodsFromGroups).toBeGreaterThan(0);
    const earned = (code: string) =>
      all.items!.find(
        (i) => i.dealerCode === 'DLR-ALPHA' && i.programCode === code && i.period === '2026-04',
      )!.earned;
    expect(earned('NO-DEMO')).toBe('750.00');
    expect(earned('REPORTED-ONLY')).toBe('200.00');

    const progress = await json<{ programs: { programCode: string; earned: string }[] }>(
      await dealerA.get('/api/v1/dealers/DLR-ALPHA/incentives'),
      200,
    );
    const of = (code: string) => progress.programs.find((p) => p.programCode === code)!.earned;
    expect(of('NO-DEMO')).toBe('750.00');
    expect(of('REPORTED-ONLY')).toBe('200.00');

    // one more retail sale: 4 units at 250.00 (a hypothetical sale has no report: retail)
    const whatIf = await json<{
      before: { earned: string };
      after: { earned: string };
      addedEarned: string;
    }>(
      await dealerA.send('POST', '/api/v1/dealers/DLR-ALPHA/incentives/what-if', {
        programCode: 'NO-DEMO',
        sku: 'AURA-LX-ICE',
        quantity: 1,
        date: '2026-04-20',
      }),
      200,
    );
    expect(whatIf.before.earned).toBe('750.00');
    expect(whatIf.after.earned).toBe('1000.00');
    expect(whatIf.addedEarned).toBe('250.00');
  });

  it('accounts for the excluded rows in the reconciliation', async () => {
    const recon = await json<{
      buckets: { bucket: string; reason: string | null; rows: number }[];
      unaccounted: unknown[];
    }>(await finance.get('/api/v1/programs/NO-DEMO/reconciliation?period=2026-04'), 200);
    expect(recon.unaccounted).toEqual([]);
    const rows = (reason: string) =>
      recon.buckets.find((b) => b.bucket === 'excluded' && b.reason === reason)?.rows ?? 0;
    expect(rows('sale_category')).toBe(3);
    expect(rows('buyer_type')).toBe(1);
  });
});
