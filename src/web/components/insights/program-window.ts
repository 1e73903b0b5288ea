/** A program tier risk's measurement window, in words a dealer reads as dates (issue 14 §1). */
import { monthSpan } from '../../../shared/months';
import type { ProgramRisk } from '../../../shared/schemas/program-risk';

/**
 * The measurement window as dates people read ("Aug–Oct 2026"), with the program's own label
 * secondary when it says more than the months: a fiscal quarter or year, named by the fiscal
 * year's end ("2027-Q1" → "FY2027 Q1"), or the whole program.
 */
export function windowText(r: Pick<ProgramRisk, 'windowStart' | 'windowEnd' | 'windowLabel'>): {
  months: string;
  label: string | null;
} {
  const months = monthSpan(r.windowStart.slice(0, 7), r.windowEnd.slice(0, 7));
  const l = r.windowLabel;
  const quarter = /^(\d{4})-Q([1-4])$/.exec(l);
  const label = quarter
    ? `FY${quarter[1]} Q${quarter[2]}`
    : /^\d{4}$/.test(l)
      ? `FY${l}`
      : l === 'program'
        ? 'whole program'
        : /^\d{4}-\d{2}$/.test(l)
          ? null
          : l;
  return { months, label };
}
