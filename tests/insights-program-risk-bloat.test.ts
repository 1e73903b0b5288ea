/**
 * Issue 14, Performance: program_tier_risks under many batch refreshes. A refresh writes its
 * dealers' rows in place (insert … on conflict … do update where a value changed; a row no
 * longer computed deleted), so 20 batch refreshes leave an unchanged risk's row as it was (same
 * row version: no dead tuple, no new index entry), nor its point of the day in the history, and
 * update a changed one, with the rows of the per-dealer path. On a server the table's counters of the 20 refreshes are printed
 * (TIER_BLOAT_REPORT=1): dead tuples, HOT updates, inserts, deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/server/modules/demo/seed';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import { ingestRows } from './helpers/fixtures';
import { tableWriteStats } from './helpers/insights';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const COLUMNS = `program_id, dealer_id, program_name, period, window_label, window_start::text, window_end::text,
  as_of::text, elapsed_months, term_months, measure, axis, measure_value, to_date, expected, lower80, upper80,
  tier_reached, currency, earned::text, shortfall_money::text, tiers, interventions`;
const basis = { month: '2026-11', asOf: '2026-10-31' };

describe.each(engines())('insights: program tier risks under batch refreshes (%s)', (engine) => {
  let t: TestApp;
  let few: { id: number; code: string }[];
  const rows = async (dealerIds: number[]) =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from program_tier_risks where dealer_id = any($1::int[])
         order by program_id, dealer_id`,
        [dealerIds],
      )
    ).rows;
  const versions = async (dealerIds: number[]) =>
    (
      await t.db.query<{ key: string; ctid: string }>(
        `select program_id || '/' || dealer_id as key, ctid::text from program_tier_risks
         where dealer_id = any($1::int[]) order by 1`,
        [dealerIds],
      )
    ).rows;
  /** The row versions of the dealers' points of today in program_tier_risk_history. */
  const points = async (dealerIds: number[]) =>
    (
      await t.db.query<{ key: string; ctid: string }>(
        `select program_id || '/' || dealer_id || '/' || day::text as key, ctid::text
         from program_tier_risk_history where dealer_id = any($1::int[]) order by 1`,
        [dealerIds],
      )
    ).rows;
  const stats = () => tableWriteStats(t.db, 'program_tier_risks');

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 7,
      dealers: 8,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 4,
    });
    expect(await seedIncentivePrograms(t.services)).toBe(5);
    few = (
      await t.db.query<{ id: number; code: string }>(
        `select id, code from dealers order by id limit 3`,
      )
    ).rows;
  }, 300_000);
  afterAll(async () => t?.close());

  it('20 batch refreshes update changed risks in place and leave unchanged ones as they were', async () => {
    const ids = few.map((d) => d.id);
    await t.services.programRisk.refresh(null, basis);
    const quiet = few[2]!;
    const first = await versions([quiet.id]);
    expect(first.length).toBeGreaterThan(0);
    const firstPoints = await points([quiet.id]);
    expect(firstPoints.length).toBe(first.length);
    const { rows: skus } = await t.db.query<{ code: string }>(
      `select code from skus order by code limit 5`,
    );
    const before = await stats();
    for (let i = 0; i < 20; i++) {
      // a small batch for one of the first two dealers (the third's risks do not move)
      await ingestRows(
        t.services,
        skus.map((s, k) => ({
          kind: 'retail_delivery',
          dealerCode: few[i % 2]!.code,
          sku: s.code,
          quantity: 1,
          amount: '40000.00',
          currency: 'USD',
          occurredOn: `2026-10-${String(((i + k) % 28) + 1).padStart(2, '0')}`,
          source: 'test',
          externalId: `BLOAT-${i}-${k}`,
        })),
      );
      await t.services.programRisk.refresh(ids, basis);
    }
    const after = await stats();
    if (before && after && process.env.TIER_BLOAT_REPORT)
      console.log(
        `program_tier_risks after 20 batch refreshes (${engine}): ${JSON.stringify(
          Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])),
        )}; rows ${(await rows(ids)).length}`,
      );
    // the unchanged dealer's rows: the same row versions (never rewritten)
    expect(await versions([quiet.id])).toEqual(first);
    // and its history points of the day too (an unchanged point is not rewritten)
    expect(await points([quiet.id])).toEqual(firstPoints);
    // the changed ones: the per-dealer path's rows
    const written = await rows(ids);
    await t.services.programRisk.refresh(ids, basis, { perDealer: true });
    expect(await rows(ids)).toEqual(written);
  });
});
