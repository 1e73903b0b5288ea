/**
 * The dealer's own expectation (issue 14 §2): what the dealer entered in the forecast grid
 * (module `forecasts`) against the statistical baseline, per model line and month, from the
 * latest forecast cycle whose baseline is built. Only the dealer's adjustments count (`adjusted`
 * − `baseline` where the dealer adjusted a cell); the region's overrides are not the dealer's.
 * assess-drivers.ts shows their sum over a commitment's remaining months as a signal beside the drivers
 * (docs/insights.md, "The dealer's own expectation").
 */
import { addMonths } from '../../../shared/months';
import type { Queryable } from '../../db/db';

/** One dealer's adjustments: model line code → month ('YYYY-MM') → adjusted − baseline. */
export type DealerExpectation = { cycle: string; lines: Map<string, Map<string, number>> };

export async function readDealerExpectation(
  db: Queryable,
  basisMonth: string,
  dealerIds: number[],
): Promise<Map<number, DealerExpectation>> {
  if (dealerIds.length === 0) return new Map();
  const { rows } = await db.query<{
    dealerId: number;
    cycle: string;
    line: string;
    month: string;
    delta: number;
  }>(
    `with latest as (
       select id, cycle_month from forecast_cycles where baseline_at is not null
       order by cycle_month desc limit 1)
     select c.dealer_id as "dealerId", to_char(l.cycle_month, 'YYYY-MM') as cycle, ml.code as line,
       to_char(c.target_month, 'YYYY-MM') as month, (c.adjusted - c.baseline)::float8 as delta
     from latest l join forecast_cells c on c.cycle_id = l.id
     join model_lines ml on ml.id = c.model_line_id
     where c.dealer_id = any($1::int[]) and c.adjusted is not null and c.target_month >= $2::date`,
    [dealerIds, `${basisMonth}-01`],
  );
  const out = new Map<number, DealerExpectation>();
  for (const r of rows) {
    let e = out.get(r.dealerId);
    if (!e) out.set(r.dealerId, (e = { cycle: r.cycle, lines: new Map() }));
    let months = e.lines.get(r.line);
    if (!months) e.lines.set(r.line, (months = new Map()));
    months.set(r.month, r.delta);
  }
  return out;
}

/** The dealer's adjustments of some model lines over a term's remaining months (none: null). */
export function expectationFor(
  expectation: DealerExpectation | undefined,
  modelLines: readonly string[],
  term: { startMonth: string; months: number; elapsed: number },
): { delta: number; months: string[]; cycle: string } | null {
  if (!expectation) return null;
  const remaining: string[] = [];
  for (let m = term.elapsed; m < term.months; m += 1) remaining.push(addMonths(term.startMonth, m));
  let delta = 0;
  const months = new Set<string>();
  for (const code of new Set(modelLines)) {
    const cells = expectation.lines.get(code);
    if (!cells) continue;
    for (const month of remaining) {
      const d = cells.get(month);
      if (d === undefined) continue;
      delta += d;
      months.add(month);
    }
  }
  if (months.size === 0) return null;
  return { delta, months: [...months].sort(), cycle: expectation.cycle };
}
