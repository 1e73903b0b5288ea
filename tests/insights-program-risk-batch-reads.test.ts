/**
 * Issue 14, Performance: a batch's program tier refresh makes a constant number of queries, not
 * a few per program: each kind of small read (settled units counted, stored statements,
 * adjustments, settled units, agreement plans, the roll-up's histories, top SKUs and mix) is one
 * query for every running program, split in memory (program-risk-reads.repository.ts). Adding
 * programs adds none (the VIN-once check, per program, is left out of the count: incentives'
 * own question), and the risks written stay the per-dealer path's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { seedDemo } from '../src/server/modules/demo/seed';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import type { ProgramDefinition } from '../src/shared/schemas/program';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const COLUMNS = `program_id, dealer_id, program_name, period, window_label, window_start::text, window_end::text,
  as_of::text, elapsed_months, term_months, measure, axis, measure_value, to_date, expected, lower80, upper80,
  tier_reached, currency, earned::text, shortfall_money::text, tiers, interventions`;

describe.each(engines())('insights: a batch refresh of program tiers, its reads (%s)', (engine) => {
  let t: TestApp;
  let few: number[];
  const rows = async () =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from program_tier_risks where dealer_id = any($1::int[])
         order by program_id, dealer_id`,
        [few],
      )
    ).rows;
  /** The queries a run sends through the pool (the VIN-once check aside). */
  const counted = async (run: () => Promise<unknown>) => {
    const db = t.db as { query: (...args: never[]) => Promise<unknown> };
    const query = db.query;
    let n = 0;
    db.query = (...args: never[]) => {
      if (!String(args[0]).includes('forecourt_vin_blocked')) n += 1;
      return query.apply(db, args);
    };
    try {
      await run();
    } finally {
      db.query = query;
    }
    return n;
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 5,
      dealers: 8,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 4,
    });
    expect(await seedIncentivePrograms(t.services)).toBe(5);
    few = (await t.db.query<{ id: number }>(`select id from dealers order by id limit 3`)).rows.map(
      (r) => r.id,
    );
  }, 300_000);
  afterAll(async () => t?.close());

  for (const basis of [
    { month: '2026-11', asOf: '2026-10-31' },
    // before the quarter's window: the statement is dated its first day, the rows are read
    { month: '2026-10', asOf: '2026-09-30' },
  ])
    it(`adds no query per program (basis ${basis.month})`, async () => {
      const before = await counted(() => t.services.programRisk.refresh(few, basis));
      // Copies of the programs that need no claim (each its own stored statements, adjustments…).
      const { rows: defs } = await t.db.query<{ definition: ProgramDefinition }>(
        `select v.definition from program_versions v join programs p on p.id = v.program_id
         where p.status = 'published' and p.code not like '%-C${basis.month}'
           and not coalesce((v.definition->>'requiresClaim')::boolean, false)`,
      );
      expect(defs.length).toBeGreaterThanOrEqual(4);
      for (const { definition } of defs) {
        const code = `${definition.code.slice(0, 30)}-C${basis.month}`;
        const data = { ...definition, code, name: `${definition.name} (copy)` };
        await t.services.incentives.createProgram({ actor: SYSTEM_ACTOR, data: data as never });
        await t.services.incentives.publishProgram({ actor: SYSTEM_ACTOR, code });
      }
      const fast = await t.services.programRisk.refresh(few, basis);
      const after = await counted(() => t.services.programRisk.refresh(few, basis));
      expect(after).toBe(before);
      // the risks written: the per-dealer path's (each program read and simulated on its own)
      const written = await rows();
      expect(written.length).toBe(fast.risks);
      expect(new Set(written.map((r) => r.program_id)).size).toBeGreaterThanOrEqual(
        5 + defs.length - 1,
      );
      await t.services.programRisk.refresh(few, basis, { perDealer: true });
      expect(await rows()).toEqual(written);
    });
});
