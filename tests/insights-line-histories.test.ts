/**
 * Issue 14: the agreement lines' monthly histories the risks rest on (insights.repository.ts
 * `lineHistories`). Each agreement's months are its own — from its start when that is before the
 * history window, else from the window's first month — whatever agreements it is read with, and
 * each line's months sum what the monthly roll-up holds for its SKUs and counted kinds (checked
 * against a plain sum of the roll-up, not against the query itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/server/modules/demo/seed';
import {
  createInsightsRepository,
  type LineHistoryRow,
  type RiskAgreementRow,
} from '../src/server/modules/insights/insights.repository';
import { addMonths, monthIndex } from '../src/shared/months';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const TO = '2026-11';

describe.each(engines())('insights: agreement lines’ histories (%s)', (engine) => {
  let t: TestApp;
  let agreements: RiskAgreementRow[];
  const key = (r: LineHistoryRow) => `${r.agreementId}/${r.lineNo}`;
  const byLine = (rows: LineHistoryRow[]) =>
    Object.fromEntries(rows.map((r) => [key(r), r] as const).sort(([a], [b]) => (a < b ? -1 : 1)));

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 17,
      dealers: 6,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 3,
    });
    // one agreement starting three months after the others: reads of different first months
    await t.db.query(
      `update agreements set start_month = start_month + interval '3 months'
       where id = (select min(id) from agreements where status in ('approved', 'active'))`,
    );
    agreements = await createInsightsRepository(t.db).agreementsForRisk(null, '2026-11-20');
  }, 300_000);
  afterAll(async () => t?.close());

  it('reads each agreement from its own first month, alone or with others', async () => {
    const repo = createInsightsRepository(t.db);
    expect(agreements.length).toBeGreaterThan(2);
    // a window starting after some agreements' start: those read back to their start
    const starts = agreements.map((a) => a.startMonth).sort();
    const from = addMonths(starts[0]!, 1);
    expect(starts[0]! < from && from < starts[starts.length - 1]!).toBe(true);
    const together = byLine(await repo.lineHistories(agreements, from, TO));
    const alone: Record<string, LineHistoryRow> = {};
    for (const a of agreements)
      Object.assign(alone, byLine(await repo.lineHistories([a], from, TO)));
    expect(Object.keys(together).length).toBeGreaterThan(agreements.length);
    expect(together).toEqual(alone);
    for (const a of agreements) {
      const first = monthIndex(a.startMonth < from ? a.startMonth : from);
      for (const [k, row] of Object.entries(together))
        if (k.startsWith(`${a.id}/`)) {
          expect(Math.min(...row.months)).toBeGreaterThanOrEqual(first);
          expect(Math.max(...row.months)).toBeLessThan(monthIndex(TO));
        }
    }
    // the agreements that started before the window were read back to their start
    const early = Object.values(together).filter((r) => Math.min(...r.months) < monthIndex(from));
    expect(early.length).toBeGreaterThan(0);
  });

  it("sums the roll-up's units of each line's SKUs and counted kinds", async () => {
    const from = '2025-06';
    const rows = await createInsightsRepository(t.db).lineHistories(agreements, from, TO);
    const { rows: expected } = await t.db.query<{ k: string; units: number }>(
      `select a.id || '/' || s.line_no as k, coalesce(sum(m.quantity), 0)::int as units
       from agreements a join agreement_line_skus s on s.agreement_id = a.id
       join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = s.sku_id
         and m.kind = any(a.counted_kinds)
         and m.month >= least(a.start_month, $2::date) and m.month < $3::date
       where a.id = any($1::int[])
       group by 1`,
      [agreements.map((a) => a.id), `${from}-01`, `${TO}-01`],
    );
    const sums = Object.fromEntries(
      rows.map((r) => [key(r), r.quantities.reduce((s, q) => s + q, 0)] as const),
    );
    expect(expected.length).toBeGreaterThan(agreements.length);
    expect(sums).toEqual(Object.fromEntries(expected.map((e) => [e.k, e.units] as const)));
  });
});
