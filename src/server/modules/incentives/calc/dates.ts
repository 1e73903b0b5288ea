/**
 * Calendar-date helpers for the incentive engine. Dates are 'YYYY-MM-DD' strings (which sort
 * as text); day arithmetic goes through whole day numbers since 1970-01-01 (UTC), never times.
 */

const MS_PER_DAY = 86_400_000;

/** Whole days since 1970-01-01 for a 'YYYY-MM-DD' date. */
export function dayNumber(date: string): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** The 'YYYY-MM-DD' date of a day number. */
export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Days from start to end, both included (1 when start = end). */
export function daysInclusive(start: string, end: string): number {
  return dayNumber(end) - dayNumber(start) + 1;
}

/** The last day of the month 'YYYY-MM'. */
export function monthEnd(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, '0')}`;
}

/** The month after 'YYYY-MM'. */
export function nextMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The same date `years` later (29 February becomes 28 February in a common year). */
export function shiftYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const month = `${String(y).padStart(4, '0')}-${date.slice(5, 7)}`;
  const end = monthEnd(month);
  const day = date.slice(8, 10);
  return day > end.slice(8, 10) ? end : `${month}-${day}`;
}

/**
 * The arrival date of a transaction: the first 10 characters of `receivedAt` (the service gives
 * it in the network's time zone, or UTC), or the transaction date when it is not known.
 */
export function arrivalDate(receivedAt: string | null | undefined, occurredOn: string): string {
  return receivedAt && receivedAt.length >= 10 ? receivedAt.slice(0, 10) : occurredOn;
}

export function minDate(a: string, b: string): string {
  return a <= b ? a : b;
}

export function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}
