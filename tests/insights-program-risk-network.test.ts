/**
 * Issue 14, Performance: the nightly run's network path of program tier risks (by slices of
 * dealers: grouped reads for a slice, each SKU set's history read once, simulations shared
 * between programs that count the same SKUs, the slice's write) gives exactly the rows of the per-dealer path (each
 * program read by chunks of dealers row by row, every dealer × program simulated on its own),
 * on a generated network with the demo's programs (units, EV share, agreement attainment, a
 * per-MSRP launch bonus that needs each row) and a copy of one of them; also for a basis before
 * the window (the statement's date is then not a month end: the rows are read) and for a
 * refresh of a few dealers; by slices of dealers with each read made once for the network (the
 * programs read row by row also by slices, over the row budget). The best-selling model line ends
 * sale inside the windows (sales-end.ts): both paths take its forecast after the end off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import { groupable } from '../src/server/modules/insights/program-risk-network';
import type { ProgramDefinition } from '../src/shared/schemas/program';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const COLUMNS = `program_id, dealer_id, program_name, period, window_label, window_start::text, window_end::text,
  as_of::text, elapsed_months, term_months, measure, axis, measure_value, to_date, expected, lower80, upper80,
  tier_reached, currency, earned::text, shortfall_money::text, tiers, interventions`;

describe.each(engines())('insights: program tier risks, network path (%s)', (engine) => {
  let t: TestApp;
  const rows = async (dealerIds?: number[]) =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from program_tier_risks
         where $1::int[] is null or dealer_id = any($1::int[]) order by program_id, dealer_id`,
        [dealerIds ?? null],
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 11,
      dealers: 10,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 4,
    });
    expect(await seedIncentivePrograms(t.services)).toBe(5);
    // A copy of the volume program: the same SKUs and window (shared reads and simulations).
    const { rows: defs } = await t.db.query<{ definition: ProgramDefinition }>(
      `select v.definition from program_versions v join programs p on p.id = v.program_id
       where p.code = 'FY27-RETAIL-VOLUME'`,
    );
    const copy = { ...defs[0]!.definition, code: 'FY27-RETAIL-VOLUME-B', name: 'Volume B' };
    await t.services.incentives.createProgram({ actor: SYSTEM_ACTOR, data: copy as never });
    await t.services.incentives.publishProgram({ actor: SYSTEM_ACTOR, code: copy.code });
    // The best-selling model line ends sale mid-December (sales-end.ts): both paths apply it.
    await t.db.query(
      `update model_lines set sales_end_on = '2026-12-15' where id = (
         select s.model_line_id from monthly_actuals m join skus s on s.id = m.sku_id
         group by 1 order by sum(m.quantity) desc, 1 limit 1)`,
    );
  }, 300_000);
  afterAll(async () => t?.close());

  it('covers grouped and row-read programs', async () => {
    const { rows: defs } = await t.db.query<{ definition: ProgramDefinition }>(
      `select v.definition from program_versions v join programs p on p.id = v.program_id
       where p.status = 'published'`,
    );
    const kinds = defs.map((d) => groupable(d.definition, '2026-10-31'));
    expect(kinds).toContain(true);
    expect(kinds).toContain(false);
  });

  for (const basis of [
    { month: '2026-11', asOf: '2026-10-31' },
    // before the quarter's window (October): the statement is dated its first day
    { month: '2026-10', asOf: '2026-09-30' },
  ])
    it(`gives the per-dealer path's rows (basis ${basis.month})`, async () => {
      const reference = await t.services.programRisk.refresh(null, basis, { perDealer: true });
      const expected = await rows();
      expect(expected.length).toBe(reference.risks);
      expect(expected.length).toBeGreaterThan(30);
      // the planned end of sale is in some risks' drivers
      expect(JSON.stringify(expected.map((r) => r.tiers))).toContain('"sales_end"');
      const fast = await t.services.programRisk.refresh(null, basis);
      expect(fast.risks).toBe(reference.risks);
      expect(await rows()).toEqual(expected);
      // By slices of 3 dealers (the nightly run holds one slice's inputs at a time): the same.
      const sliced = await t.services.programRisk.refresh(null, basis, { slice: 3 });
      expect(sliced.risks).toBe(reference.risks);
      expect(await rows()).toEqual(expected);
      // The programs read row by row over the row budget: read slice by slice, the same.
      const overBudget = await t.services.programRisk.refresh(null, basis, {
        slice: 3,
        rowBudget: 0,
      });
      expect(overBudget.risks).toBe(reference.risks);
      expect(await rows()).toEqual(expected);
      // A refresh of a few dealers (a batch) rewrites exactly their rows, the same again.
      const few = [...new Set(expected.map((r) => r.dealer_id as number))].slice(0, 3);
      await t.db.query(`delete from program_tier_risks where dealer_id = any($1::int[])`, [few]);
      await t.services.programRisk.refresh(few, basis);
      expect(await rows()).toEqual(expected);
      expect((await rows(few)).length).toBeGreaterThan(0);
    });

  it('reads each program and history once for the network, however many slices', async () => {
    const basis = { month: '2026-11', asOf: '2026-10-31' };
    // the window's feed rows and the roll-up's histories, counted by statement
    const counted = async (run: () => Promise<unknown>) => {
      const db = t.db as { query: (...args: never[]) => Promise<unknown> };
      const query = db.query;
      const counts = { feed: 0, rollUp: 0 };
      db.query = (...args: never[]) => {
        const sql = String(args[0]);
        if (/from transactions t\b/.test(sql)) counts.feed += 1;
        if (/from monthly_actuals\b/.test(sql)) counts.rollUp += 1;
        return query.apply(db, args);
      };
      try {
        await run();
      } finally {
        db.query = query;
      }
      return counts;
    };
    const whole = await counted(() => t.services.programRisk.refresh(null, basis));
    // 10 dealers by slices of 2: five slices, the same reads
    const sliced = await counted(() => t.services.programRisk.refresh(null, basis, { slice: 2 }));
    expect(whole.feed).toBeGreaterThan(0);
    expect(whole.rollUp).toBeGreaterThan(0);
    expect(sliced).toEqual(whole);
  });

  it('reads no feed row for a claims program without an approved claim; with one, the rows', async () => {
    const basis = { month: '2026-11', asOf: '2026-10-31' };
    /** the network path's reads of the feed behind a program's approved claims */
    const claimReads = async (run: () => Promise<unknown>) => {
      const db = t.db as { query: (...args: never[]) => Promise<unknown> };
      const query = db.query;
      let n = 0;
      db.query = (...args: never[]) => {
        const sql = String(args[0]);
        if (/from transactions t\b/.test(sql) && /from incentive_claims c\b/.test(sql)) n += 1;
        return query.apply(db, args);
      };
      try {
        await run();
      } finally {
        db.query = query;
      }
      return n;
    };
    const { rows: launch } = await t.db.query<{ id: number }>(
      `select p.id from programs p join program_versions v on v.program_id = p.id
       where p.status = 'published' and (v.definition->>'requiresClaim')::boolean`,
    );
    expect(launch.length).toBeGreaterThan(0);
    await t.db.query(`delete from incentive_claims`);
    expect(await claimReads(() => t.services.programRisk.refresh(null, basis))).toBe(0);
    // An approved claim on a delivery of one of the program's SKUs in its window: its rows are
    // read, and the risks are still the per-dealer path's.
    const { rows: sale } = await t.db.query<{ id: string; dealerId: number; vin: string }>(
      `select t.id::text, t.dealer_id as "dealerId", t.vin from transactions t
       join skus s on s.id = t.sku_id join model_lines ml on ml.id = s.model_line_id
       join program_versions v on v.program_id = $1 and v.status = 'published'
       where t.kind = 'retail_delivery' and t.vin is not null and t.quantity > 0 and s.powertrain = 'BEV'
         and ml.code = v.definition->'qualifying'->'modelLines'->>0
         and t.occurred_on between (v.definition->>'startDate')::date and '2026-10-31'::date
       order by t.id limit 1`,
      [launch[0]!.id],
    );
    expect(sale.length).toBe(1);
    try {
      await t.db.query(
        `insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, transaction_id, status, checks, submitted_by)
         select $1, t.dealer_id, t.vin, s.code, t.occurred_on, t.id, 'approved', '[]'::jsonb, 'test'
         from transactions t join skus s on s.id = t.sku_id where t.id = $2::bigint`,
        [launch[0]!.id, sale[0]!.id],
      );
      await t.services.programRisk.refresh(null, basis, { perDealer: true });
      const expected = await rows();
      expect(await claimReads(() => t.services.programRisk.refresh(null, basis))).toBe(1);
      expect(await rows()).toEqual(expected);
      const claimed = expected.find(
        (r) => r.program_id === launch[0]!.id && r.dealer_id === sale[0]!.dealerId,
      );
      expect(Number(claimed!.to_date)).toBeGreaterThan(0);
    } finally {
      await t.db.query(`delete from incentive_claims`);
    }
  });

  it("keeps one point of each tier's probability per day in the window (the chart)", async () => {
    const basis = { month: '2026-11', asOf: '2026-10-31' };
    await t.services.programRisk.refresh(null, basis);
    const [row] = await rows();
    const { rows: codes } = await t.db.query<{ dealer: string; program: string }>(
      `select d.code as dealer, p.code as program from dealers d, programs p where d.id = $1 and p.id = $2`,
      [row!.dealer_id, row!.program_id],
    );
    // An earlier point of this window, and one of another window (not this risk's history).
    await t.db.query(
      `insert into program_tier_risk_history (program_id, dealer_id, window_label, day, probabilities, expected)
       values ($1, $2, $3, '2026-11-01', '{0.5,0.25,0.125}', 12.5), ($1, $2, 'older', '2026-06-30', '{1,1,1}', 99)`,
      [row!.program_id, row!.dealer_id, row!.window_label],
    );
    const list = await t.services.programRisk.getDealerProgramRisks({
      actor: SYSTEM_ACTOR,
      dealerCode: codes[0]!.dealer,
    });
    const item = list.items.find((i) => i.programCode === codes[0]!.program)!;
    expect(item.history).toEqual([
      { day: '2026-11-01', probabilities: [0.5, 0.25, 0.125], expected: 12.5 },
      {
        day: '2026-11-20',
        probabilities: item.tiers.map((x) => x.probability),
        expected: item.expected,
      },
    ]);
    // Computed again the same day: still one point for the day.
    await t.services.programRisk.refresh(null, basis, { perDealer: true });
    const { rows: points } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from program_tier_risk_history where program_id = $1 and dealer_id = $2`,
      [row!.program_id, row!.dealer_id],
    );
    expect(points[0]!.n).toBe(3);
  });
});
