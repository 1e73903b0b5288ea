/**
 * The past of an agreement's term seen for the first time (agreement-risk.ts, `backfill`): the
 * totals' probability and expected outcome as of each earlier complete month of the term, from
 * the histories as they stood then, so the risk's chart starts with the term and not with the
 * day the risk was first computed. Pure.
 *
 * A planned end of sale (sales-end.ts) applies to these points as to today's: at the point of
 * month e, each line that ends sale within the term's months from e loses what its own forecast
 * from its history up to e expected after the end (the end's month keeps its share of days), and
 * the totals lose that, month by month. The ends are **the plan known now**: the catalog keeps
 * only the current `model_lines.sales_end_on`, not when it was planned or announced, so a past
 * point reads as the risk would have with today's plan (the backtest's notice rule,
 * `SALES_END_NOTICE_MONTHS`, would need the announcement's date). That keeps the chart from
 * jumping at today's point because of the plan rather than the sales.
 */
import { addMonths } from '../../../shared/months';
import { assessCommitment } from './assess';
import type { Recalibration } from './calibration';
import { remainingForecast } from './risk-model';
import { totalSalesEnd, type SalesEnds } from './sales-end';

export type PastPoint = { day: string; probability: number; expected: number };

export function backfillPoints(options: {
  startMonth: string;
  /** Complete months of the term now: points for months 1 … elapsed − 1. */
  elapsed: number;
  /** The totals' history now (oldest first, ending with the last complete month) and plan. */
  totalHistory: readonly number[];
  totalPlanned: readonly number[];
  /** The lines (their targets, and histories aligned with the totals'). */
  lines: readonly { targetKind: string; targetCode: string; history: readonly number[] }[];
  salesEnds?: SalesEnds | undefined;
  recalibration?: readonly { share: number; model: Recalibration }[];
}): PastPoint[] {
  const { startMonth, elapsed, totalHistory, totalPlanned } = options;
  const past: PastPoint[] = [];
  for (let e = 1; e < elapsed; e += 1) {
    const cut = elapsed - e;
    const remaining = totalPlanned.length - e;
    const salesEnd = totalSalesEnd(
      options.salesEnds,
      options.lines.map((line) => ({
        target: line,
        forecast: () =>
          remainingForecast(line.history.slice(0, line.history.length - cut), remaining),
      })),
      addMonths(startMonth, e),
      remaining,
    );
    const a = assessCommitment({
      label: 'Total',
      history: totalHistory.slice(0, totalHistory.length - cut),
      plannedByMonth: totalPlanned,
      elapsed: e,
      ...(options.recalibration ? { recalibration: options.recalibration } : {}),
      ...(salesEnd ? { salesEnd } : {}),
    });
    past.push({
      day: `${addMonths(startMonth, e)}-01`,
      probability: a.probability,
      expected: a.expected,
    });
  }
  return past;
}
