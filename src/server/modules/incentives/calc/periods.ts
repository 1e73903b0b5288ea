/**
 * Measurement windows, settlement periods and the grace-days rule.
 *
 * - A window is the span a tier is measured on: a calendar (or fiscal) month '2026-03', a quarter
 *   '2026-Q1', or the whole program 'program', clipped to the program's start and end dates.
 * - A settlement period is what a statement covers (the API's `period`). When the payout
 *   frequency equals the measurement period it is the window itself; when it is shorter (program
 *   measured, paid monthly or quarterly; or quarter measured, paid monthly) each settlement is
 *   cumulative: from the window start to the end of that payout period (the cut-off).
 * - Grace: a transaction dated on or before the cut-off counts for it when it arrives no later
 *   than `graceDays` after the cut-off.
 */
import { AppError } from '../../../../shared/errors';
import type { MeasurementPeriod, ProgramDefinition } from '../../../../shared/schemas/program';
import { addDays, maxDate, minDate, monthEnd, nextMonth, shiftYears } from './dates';

export type IncentiveWindow = { label: string; start: string; end: string };

export type SettlementPeriod = {
  /** The statement's period label: '2026-03', '2026-Q1' or 'program'. */
  period: string;
  window: IncentiveWindow;
  /** The first day of the payout period itself (the window start unless cumulative). */
  periodStart: string;
  /** The last transaction date the statement counts (inclusive). */
  cutoff: string;
  /** The last arrival date that still counts (cut-off + graceDays). */
  graceUntil: string;
  /** True when the settlement is cumulative from the window start (payout shorter than window). */
  isCumulative: boolean;
};

/** Whose figures, in which currency, for which settlement period and window, as of which day. */
export type DealerPeriodAsOf = {
  programCode: string;
  dealerCode: string;
  currency: string;
  period: string;
  window: IncentiveWindow;
  asOf: string;
};

export type CalendarOptions = {
  /** The month (1-12) the fiscal year starts in; quarters follow it. Default 1 (calendar). */
  fiscalYearStartMonth?: number;
};

type ProgramDates = Pick<
  ProgramDefinition,
  'startDate' | 'endDate' | 'measurementPeriod' | 'payoutFrequency' | 'graceDays'
>;

const RANK: Record<MeasurementPeriod, number> = { month: 1, quarter: 2, program: 3 };

function fiscalStart(options: CalendarOptions): number {
  const m = options.fiscalYearStartMonth ?? 1;
  if (!Number.isInteger(m) || m < 1 || m > 12) {
    throw new AppError('BAD_REQUEST', `fiscalYearStartMonth must be 1-12, not ${m}`);
  }
  return m;
}

/**
 * The quarter label of a month 'YYYY-MM'. With a fiscal year starting in another month than
 * January, the fiscal year is named after the calendar year it ends in (FY starting October
 * 2025 is 2026; October 2025 is in 2026-Q1).
 */
export function quarterLabel(month: string, fiscalYearStartMonth = 1): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const index = (m - fiscalYearStartMonth + 12) % 12;
  const year = fiscalYearStartMonth > 1 && m >= fiscalYearStartMonth ? y + 1 : y;
  return `${year}-Q${Math.floor(index / 3) + 1}`;
}

function labelOf(month: string, granularity: MeasurementPeriod, fy: number): string {
  if (granularity === 'month') return month;
  if (granularity === 'quarter') return quarterLabel(month, fy);
  return 'program';
}

function monthsOf(program: ProgramDates): string[] {
  const months: string[] = [];
  const last = program.endDate.slice(0, 7);
  for (let m = program.startDate.slice(0, 7); m <= last; m = nextMonth(m)) months.push(m);
  return months;
}

function group(program: ProgramDates, granularity: MeasurementPeriod, fy: number) {
  const spans: (IncentiveWindow & { months: string[] })[] = [];
  for (const month of monthsOf(program)) {
    const label = labelOf(month, granularity, fy);
    const start = maxDate(`${month}-01`, program.startDate);
    const end = minDate(monthEnd(month), program.endDate);
    const current = spans[spans.length - 1];
    if (current && current.label === label) {
      current.end = end;
      current.months.push(month);
    } else {
      spans.push({ label, start, end, months: [month] });
    }
  }
  return spans;
}

/** The measurement windows of a program, in order, clipped to its dates. */
export function listWindows(
  options: { program: ProgramDates } & CalendarOptions,
): IncentiveWindow[] {
  const fy = fiscalStart(options);
  return group(options.program, options.program.measurementPeriod, fy).map(
    ({ label, start, end }) => ({ label, start, end }),
  );
}

/** Every settlement period (statement) of a program, in order. */
export function listSettlementPeriods(
  options: { program: ProgramDates } & CalendarOptions,
): SettlementPeriod[] {
  const { program } = options;
  const fy = fiscalStart(options);
  const windows = group(program, program.measurementPeriod, fy);
  const payout =
    RANK[program.payoutFrequency] < RANK[program.measurementPeriod]
      ? program.payoutFrequency
      : program.measurementPeriod;
  const isCumulative = payout !== program.measurementPeriod;
  const result: SettlementPeriod[] = [];
  for (const w of windows) {
    const window = { label: w.label, start: w.start, end: w.end };
    if (!isCumulative) {
      result.push({
        period: w.label,
        window,
        periodStart: w.start,
        cutoff: w.end,
        graceUntil: addDays(w.end, program.graceDays),
        isCumulative,
      });
      continue;
    }
    const inner = group({ ...program, startDate: w.start, endDate: w.end }, payout, fy);
    for (const p of inner) {
      result.push({
        period: p.label,
        window,
        periodStart: p.start,
        cutoff: p.end,
        graceUntil: addDays(p.end, program.graceDays),
        isCumulative,
      });
    }
  }
  return result;
}

/**
 * The periods whose adjustments (dispute resolutions, chargebacks, manual ones) a
 * statement of `period` carries: its own and the earlier periods of its measurement window. A
 * cumulative statement subtracts what the window's earlier statements settled, their adjustments
 * included, so it must count those adjustments again, as it counts their rows: each adjustment is
 * then paid once over the window (docs/incentives.md, "Adjustments in a cumulative window").
 */
export function adjustmentPeriodsOf(
  options: { program: ProgramDates; period: string } & CalendarOptions,
): string[] {
  const periods = listSettlementPeriods(options);
  const qi = periods.findIndex((p) => p.period === options.period);
  if (qi < 0) return [options.period];
  const label = periods[qi]!.window.label;
  return periods
    .slice(0, qi + 1)
    .filter((p) => p.window.label === label)
    .map((p) => p.period);
}

/** The settlement period for a label, or a VALIDATION_FAILED error naming the valid ones. */
export function resolvePeriod(
  options: { program: ProgramDates; period: string } & CalendarOptions,
): SettlementPeriod {
  const periods = listSettlementPeriods(options);
  const found = periods.find((p) => p.period === options.period);
  if (found) return found;
  const valid = periods.map((p) => p.period);
  const shown = valid.length > 6 ? [...valid.slice(0, 3), '…', ...valid.slice(-2)] : valid;
  throw new AppError(
    'VALIDATION_FAILED',
    `Period ${options.period} is not a period of this program`,
    {
      problems: [
        {
          path: 'period',
          code: 'invalid_period',
          message: `expected one of ${shown.join(', ')}`,
        },
      ],
    },
  );
}

/**
 * The settlement period a date falls in (for live progress: the one containing today). Dates
 * before the program give the first period, after it the last.
 */
export function findSettlementPeriod(
  options: { program: ProgramDates; date: string } & CalendarOptions,
): SettlementPeriod {
  const periods = listSettlementPeriods(options);
  const first = periods[0];
  if (!first) throw new AppError('BAD_REQUEST', 'The program has no periods');
  if (options.date < first.periodStart) return first;
  let found = first;
  for (const p of periods) if (options.date >= p.periodStart) found = p;
  return found;
}

/** The measurement window containing a date, or null when the date is outside the program. */
export function findWindow(
  options: { program: ProgramDates; date: string } & CalendarOptions,
): IncentiveWindow | null {
  const { program, date } = options;
  if (date < program.startDate || date > program.endDate) return null;
  const fy = fiscalStart(options);
  return (
    group(program, program.measurementPeriod, fy).find((w) => date >= w.start && date <= w.end) ??
    null
  );
}

/** The same window one year earlier (the basis of measure growth). */
export function priorYearRange(options: { window: IncentiveWindow }): {
  start: string;
  end: string;
} {
  return { start: shiftYears(options.window.start, -1), end: shiftYears(options.window.end, -1) };
}

export type Arrival = 'counts' | 'late' | 'outside';

/**
 * The grace-days rule for one settlement: 'counts' when the transaction is dated inside the
 * settlement (window start to cut-off) and arrived by the grace deadline, 'late' when dated
 * inside but arrived after it, 'outside' when dated outside.
 */
export function classifyArrival(options: {
  settlement: SettlementPeriod;
  occurredOn: string;
  arrivedOn: string;
}): Arrival {
  const { settlement, occurredOn, arrivedOn } = options;
  if (occurredOn < settlement.window.start || occurredOn > settlement.cutoff) return 'outside';
  return arrivedOn <= settlement.graceUntil ? 'counts' : 'late';
}
