/**
 * Issue 14, refresh after a batch of actuals: the refresh of a batch's dealers gives exactly the
 * risks a full recompute gives those dealers (commitment risks and program tier risks), leaves
 * every other dealer's rows untouched, and reads the dealers' supply and regional market once for
 * the batch (not once per chunk of agreements and again for the program tiers), and once for the
 * network in the nightly run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../src/server/db/db';
import { seedDemo } from '../src/server/modules/demo/seed';
import { createRiskRefresh } from '../src/server/modules/insights/risk-refresh';
import { ingestRows } from './helpers/fixtures';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const TODAY = '2026-11-20';
const RISK_COLUMNS = `agreement_id, line_no, dealer_id, label, as_of::text, elapsed_months, term_months, commitment,
  to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value::text,
  shortfall_money::text, drivers, interventions, computed_at::text`;
const PROGRAM_COLUMNS = `program_id, dealer_id, period, window_label, as_of::text, elapsed_months, measure_value,
  to_date, expected, lower80, upper80, tier_reached, earned::text, shortfall_money::text, tiers, interventions`;

type Row = Record<string, unknown>;

/** The db with every statement's text recorded (transactions' included). */
function recording(db: Db, sql: string[]): Db {
  const wrap = <T extends Queryable>(q: T): T =>
    new Proxy(q, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'query')
          return (text: string, params?: unknown[]) => {
            sql.push(text);
            return target.query(text, params);
          };
        if (prop === 'transaction')
          return <R>(fn: (tx: Queryable) => Promise<R>) =>
            (target as unknown as Db).transaction((tx) => fn(wrap(tx)));
        return typeof value === 'function'
          ? (value as (...args: unknown[]) => unknown).bind(target)
          : value;
      },
    });
  return wrap(db);
}

describe.each(engines())('insights: the refresh after a batch of actuals (%s)', (engine) => {
  let t: TestApp;
  let affected: number[];

  const snapshot = async () => ({
    risks: (
      await t.db.query<Row>(
        `select ${RISK_COLUMNS} from commitment_risks order by agreement_id, line_no`,
      )
    ).rows,
    programs: (
      await t.db.query<Row>(
        `select ${PROGRAM_COLUMNS} from program_tier_risks order by program_id, dealer_id`,
      )
    ).rows,
  });
  const withoutStamp = (rows: Row[]) => rows.map(({ computed_at: _at, ...rest }) => rest);
  const of = (rows: Row[], isIn: boolean) =>
    rows.filter((r) => affected.includes(r.dealer_id as number) === isIn);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: TODAY });
    await seedDemo(t.services, {
      seed: 23,
      dealers: 10,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 3,
      incentivePrograms: true,
    });
    const { rows } = await t.db.query<{ dealerId: number }>(
      `select distinct dealer_id as "dealerId" from agreements
        where status in ('approved', 'active') order by 1 limit 2`,
    );
    affected = rows.map((r) => r.dealerId);
  }, 300_000);
  afterAll(async () => t?.close());

  it("gives a full recompute's risks for the batch's dealers and leaves the others untouched", async () => {
    await t.services.insights.refresh(null);
    const before = await snapshot();
    expect(of(before.risks, true).length).toBeGreaterThan(0);
    expect(of(before.risks, false).length).toBeGreaterThan(0);
    expect(of(before.programs, true).length).toBeGreaterThan(0);

    // A late batch of October deliveries for the two dealers, on their agreements' SKUs.
    const { rows: lines } = await t.db.query<{ dealer: string; sku: string }>(
      `select distinct on (a.dealer_id) d.code as dealer, s.code as sku
         from agreements a join dealers d on d.id = a.dealer_id
         join agreement_line_skus ls on ls.agreement_id = a.id join skus s on s.id = ls.sku_id
        where a.dealer_id = any($1::int[]) and a.status in ('approved', 'active')
        order by a.dealer_id, ls.line_no, s.code`,
      [affected],
    );
    await ingestRows(
      t.services,
      Array.from({ length: 40 }, (_, k) => ({
        kind: 'retail_delivery',
        dealerCode: lines[k % lines.length]!.dealer,
        sku: lines[k % lines.length]!.sku,
        quantity: 1,
        amount: '40000.00',
        currency: 'USD',
        occurredOn: `2026-10-${String((k % 28) + 1).padStart(2, '0')}`,
        source: 'test',
        externalId: `BATCH-REF-${k}`,
      })),
    );
    const batch = await t.services.insights.refresh(affected);
    expect(batch.path).toBe('chunks');
    const afterBatch = await snapshot();
    // the batch moved its dealers' risks …
    expect(withoutStamp(of(afterBatch.risks, true))).not.toEqual(
      withoutStamp(of(before.risks, true)),
    );
    // … and not one row of any other dealer (computed_at included)
    expect(of(afterBatch.risks, false)).toEqual(of(before.risks, false));
    expect(of(afterBatch.programs, false)).toEqual(of(before.programs, false));

    // The full recompute gives the batch's dealers exactly the batch's rows.
    await t.services.insights.refresh(null);
    const full = await snapshot();
    expect(withoutStamp(of(afterBatch.risks, true))).toEqual(withoutStamp(of(full.risks, true)));
    expect(of(afterBatch.programs, true)).toEqual(of(full.programs, true));
  });

  it("reads the batch's supply and market once, for the agreements and the program tiers", async () => {
    const sql: string[] = [];
    const given: unknown[] = [];
    const refresh = createRiskRefresh({
      db: recording(t.db, sql),
      today: () => TODAY,
      programRisk: {
        refresh: (dealerIds, basis, options) => {
          given.push(options?.inputs);
          return t.services.programRisk.refresh(dealerIds, basis, options);
        },
      },
    });
    const before = await snapshot();
    // one agreement per chunk: the batch's dealers have several
    const result = await refresh(affected, undefined, { size: 1 });
    expect(result.agreements).toBeGreaterThan(1);
    expect(sql.filter((s) => s.includes('market_registrations'))).toHaveLength(1);
    expect(sql.filter((s) => s.includes('from vehicles'))).toHaveLength(1);
    // the program tiers were given those inputs, for every dealer of the batch with a pipeline
    expect(given).toHaveLength(1);
    const inputs = given[0] as { supply: Map<number, unknown>; market: Map<number, unknown> };
    expect(inputs.market.size).toBeGreaterThan(0);
    for (const id of inputs.market.keys()) expect(affected).toContain(id);
    // and the risks are the ones read the usual way
    const after = await snapshot();
    expect(withoutStamp(after.risks)).toEqual(withoutStamp(before.risks));
    expect(after.programs).toEqual(before.programs);
  });

  it('reads the supply and market once in the nightly run, for the agreements and the program tiers', async () => {
    const sql: string[] = [];
    const given: unknown[] = [];
    const plain = createRiskRefresh({
      db: t.db,
      today: () => TODAY,
      programRisk: t.services.programRisk,
    });
    const refresh = createRiskRefresh({
      db: recording(t.db, sql),
      today: () => TODAY,
      programRisk: {
        refresh: (dealerIds, basis, options) => {
          given.push(options?.inputs);
          return t.services.programRisk.refresh(dealerIds, basis, options);
        },
      },
    });
    await plain(null);
    const before = await snapshot();
    const result = await refresh(null);
    expect(result.path).toBe('network');
    expect(sql.filter((s) => s.includes('market_registrations'))).toHaveLength(1);
    expect(sql.filter((s) => s.includes('from vehicles'))).toHaveLength(1);
    // the program tiers were given the run's inputs: every dealer's, not only those with agreements
    expect(given).toHaveLength(1);
    const inputs = given[0] as { market: Map<number, unknown> } | undefined;
    expect(inputs?.market.size).toBeGreaterThan(0);
    // and the risks are the ones read the usual way
    const after = await snapshot();
    expect(withoutStamp(after.risks)).toEqual(withoutStamp(before.risks));
    expect(after.programs).toEqual(before.programs);
  });

  it('gives the same risks with the program tiers beside the agreements (INSIGHTS_OVERLAP=1, a server)', async () => {
    const refresh = createRiskRefresh({
      db: t.db,
      today: () => TODAY,
      programRisk: t.services.programRisk,
    });
    await refresh(null, undefined, { overlapPrograms: false });
    const after = await snapshot();
    const result = await refresh(null, undefined, { overlapPrograms: true });
    expect(result.agreements).toBeGreaterThan(0);
    const beside = await snapshot();
    expect(withoutStamp(beside.risks)).toEqual(withoutStamp(after.risks));
    expect(beside.programs).toEqual(after.programs);
  });
});
