/**
 * Pure rules of agreement terms: the periods of a term, spreading a total over them, and the
 * run-rate projection. Months are 'YYYY-MM'.
 */
import { addMonths, fiscalQuarterLabel, monthIndex } from '../../../shared/months';

export { fiscalQuarterLabel };

export type Frequency = 'monthly' | 'quarterly';
export type Period = { index: number; label: string; firstMonth: string; lastMonth: string };

/** Why a term is not valid for its frequency, or null. */
export function termProblem(input: {
  startMonth: string;
  months: number;
  frequency: Frequency;
  fiscalYearStartMonth: number;
}): string | null {
  if (input.frequency === 'quarterly') {
    const m = Number(input.startMonth.slice(5, 7));
    if ((m - input.fiscalYearStartMonth + 12) % 3 !== 0)
      return 'a quarterly term starts on the first month of a fiscal quarter';
    if (input.months % 3 !== 0) return 'a quarterly term lasts a whole number of quarters';
  }
  return null;
}

export function termPeriods(input: {
  startMonth: string;
  months: number;
  frequency: Frequency;
  fiscalYearStartMonth: number;
}): Period[] {
  const step = input.frequency === 'quarterly' ? 3 : 1;
  const periods: Period[] = [];
  for (let offset = 0, index = 0; offset < input.months; offset += step, index++) {
    const firstMonth = addMonths(input.startMonth, offset);
    periods.push({
      index,
      label: step === 1 ? firstMonth : fiscalQuarterLabel(firstMonth, input.fiscalYearStartMonth),
      firstMonth,
      lastMonth: addMonths(firstMonth, step - 1),
    });
  }
  return periods;
}

/** The period index a month falls in, or -1 outside the term. */
export function periodIndexOf(
  month: string,
  startMonth: string,
  months: number,
  frequency: Frequency,
): number {
  const offset = monthIndex(month) - monthIndex(startMonth);
  if (offset < 0 || offset >= months) return -1;
  return Math.floor(offset / (frequency === 'quarterly' ? 3 : 1));
}

/**
 * Splits a whole total over weights so the parts are whole and add up exactly: floor of each
 * share, then the remaining units to the largest remainders (earlier periods win ties).
 */
export function spreadTotal(total: number, weights: number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + Math.max(0, b), 0);
  const w =
    sum > 0 ? weights.map((x) => Math.max(0, x) / sum) : weights.map(() => 1 / weights.length);
  const exact = w.map((x) => x * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/**
 * Weights per period from the dealer's history by calendar month (1..12 → units): each period
 * weighs the sum of its months' history. No history: even.
 */
export function seasonalWeights(periods: Period[], byCalendarMonth: Map<number, number>): number[] {
  const weights = periods.map((p) => {
    let w = 0;
    for (let m = p.firstMonth; monthIndex(m) <= monthIndex(p.lastMonth); m = addMonths(m, 1)) {
      w += byCalendarMonth.get(Number(m.slice(5, 7))) ?? 0;
    }
    return w;
  });
  return weights.some((w) => w > 0) ? weights : periods.map(() => 1);
}

/** Months of the term that are complete before `today` (YYYY-MM-DD). */
export function completeMonths(startMonth: string, months: number, today: string): number {
  const current = monthIndex(today.slice(0, 7));
  return Math.max(0, Math.min(months, current - monthIndex(startMonth)));
}

/** Percentage with one decimal, or null when the base is zero. */
export function pct(part: number, whole: number): number | null {
  if (whole === 0) return null;
  return Math.round((part / whole) * 1000) / 10;
}

/**
 * Run-rate projection to the end of the term: the actual of the complete months, per complete
 * month, times the months of the term. Null before the first month is complete.
 */
export function runRateProjection(
  actualInCompleteMonths: number,
  complete: number,
  months: number,
): number | null {
  if (complete <= 0) return null;
  if (complete >= months) return actualInCompleteMonths;
  return Math.round((actualInCompleteMonths / complete) * months);
}

const DAY = 86_400_000;

function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

export type PaceFigures = {
  plannedTotal: number;
  plannedToDate: number;
  actualToDate: number;
  attainmentPct: number | null;
  gap: number;
  projectedTotal: number | null;
  projectedAttainmentPct: number | null;
  /** per period: the share of it elapsed by `today` (0..1) */
  elapsed: number[];
};

/**
 * Term-to-date figures and the run-rate projection of one line or a whole agreement.
 *
 * - planned to date: the plan of every period weighted by how much of it has elapsed by `today`
 *   (inclusive, by days), so attainment does not drop on the first day of a period;
 * - actual to date: everything counted in the term so far;
 * - projection: the actual to date at the pace of the elapsed days, over the whole term (null
 *   before two weeks have elapsed; the actual itself once the term is over).
 */
export function paceFigures(input: {
  periods: Period[];
  planned: number[];
  actual: number[];
  today: string;
}): PaceFigures {
  return paceOnClock(termClock(input.periods, input.today), input.planned, input.actual);
}

/** What `today` means for one term: the elapsed share of each period and of the whole term. */
export type TermClock = {
  elapsed: number[];
  /** days of the term elapsed by today (inclusive), capped at its length */
  elapsedDays: number;
  termDays: number;
};

/** The clock of a term on a day; a list of agreements with the same term shares one. */
export function termClock(periods: Period[], today: string): TermClock {
  const now = dateMs(today) + DAY; // inclusive of today
  const elapsed = periods.map((p) => {
    const start = dateMs(`${p.firstMonth}-01`);
    const end = dateMs(`${addMonths(p.lastMonth, 1)}-01`);
    return Math.min(1, Math.max(0, (now - start) / (end - start)));
  });
  const first = periods[0];
  const last = periods[periods.length - 1];
  if (!first || !last) return { elapsed, elapsedDays: 0, termDays: 0 };
  const start = dateMs(`${first.firstMonth}-01`);
  const end = dateMs(`${addMonths(last.lastMonth, 1)}-01`);
  return {
    elapsed,
    elapsedDays: Math.max(0, (Math.min(now, end) - start) / DAY),
    termDays: (end - start) / DAY,
  };
}

/** `paceFigures` on a term's clock. */
export function paceOnClock(clock: TermClock, planned: number[], actual: number[]): PaceFigures {
  const { elapsed, elapsedDays, termDays } = clock;
  let plannedTotal = 0;
  let plannedWeighted = 0;
  for (let i = 0; i < planned.length; i++) {
    plannedTotal += planned[i]!;
    plannedWeighted += planned[i]! * (elapsed[i] ?? 0);
  }
  const plannedToDate = Math.round(plannedWeighted);
  let actualToDate = 0;
  for (const q of actual) actualToDate += q;
  let projectedTotal: number | null = null;
  if (termDays > 0) {
    if (elapsedDays >= termDays) projectedTotal = actualToDate;
    else if (elapsedDays >= 14)
      projectedTotal = Math.round((actualToDate * termDays) / elapsedDays);
  }
  return {
    plannedTotal,
    plannedToDate,
    actualToDate,
    attainmentPct: pct(actualToDate, plannedToDate),
    gap: actualToDate - plannedToDate,
    projectedTotal,
    projectedAttainmentPct: projectedTotal === null ? null : pct(projectedTotal, plannedTotal),
    elapsed,
  };
}
