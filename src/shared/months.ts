/** Month arithmetic on 'YYYY-MM' strings (no time zones involved). */
export function monthIndex(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return y * 12 + (m - 1);
}

export function monthFromIndex(index: number): string {
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${y}-${String(m).padStart(2, '0')}`;
}

export function addMonths(month: string, n: number): string {
  return monthFromIndex(monthIndex(month) + n);
}

/** Inclusive list of months from `from` to `to`. */
export function monthRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let i = monthIndex(from); i <= monthIndex(to); i++) out.push(monthFromIndex(i));
  return out;
}

export function monthOfDate(date: string): string {
  return date.slice(0, 7);
}

/** The fiscal year a month belongs to, named by the calendar year in which it ends. */
export function fiscalYearOf(month: string, fiscalYearStartMonth: number): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return fiscalYearStartMonth === 1 ? y : m >= fiscalYearStartMonth ? y + 1 : y;
}

/** Fiscal quarter label of a month: `${fiscalYear}-Q${n}`, the fiscal year named by its end. */
export function fiscalQuarterLabel(month: string, fiscalYearStartMonth: number): string {
  const m = Number(month.slice(5, 7));
  const offset = (m - fiscalYearStartMonth + 12) % 12;
  return `${fiscalYearOf(month, fiscalYearStartMonth)}-Q${Math.floor(offset / 3) + 1}`;
}

/** The last complete calendar month before `now` (UTC), 'YYYY-MM': where demo history ends. */
export function lastCompleteMonth(now: Date = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    .toISOString()
    .slice(0, 7);
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/**
 * A month, date or settlement period in words for messages people read: '2026-03' → "March
 * 2026", '2026-03-14' → "14 March 2026", '2026-Q1' → "Q1 2026", 'program' → "the whole
 * program". Anything else comes back unchanged. (Codes and `details` keep
 * the ISO form; only the sentence reads in words.)
 */
export function inWords(value: string): string {
  const q = /^(\d{4})-Q([1-4])$/.exec(value);
  if (q) return `Q${q[2]} ${q[1]}`;
  if (value === 'program') return 'the whole program';
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(value);
  if (!m) return value;
  const name = MONTH_NAMES[Number(m[2]) - 1];
  if (!name) return value;
  return m[3] ? `${Number(m[3])} ${name} ${m[1]}` : `${name} ${m[1]}`;
}

const SHORT_MONTHS = MONTH_NAMES.map((m) => m.slice(0, 3));

/**
 * A span of months people read as dates: ('2026-08', '2026-10') → "Aug–Oct 2026",
 * ('2026-11', '2027-01') → "Nov 2026–Jan 2027", one month → "Oct 2026".
 */
export function monthSpan(from: string, to: string): string {
  const name = (m: string) => SHORT_MONTHS[Number(m.slice(5, 7)) - 1] ?? m;
  const [fy, ty] = [from.slice(0, 4), to.slice(0, 4)];
  if (from.slice(0, 7) === to.slice(0, 7)) return `${name(to)} ${ty}`;
  return fy === ty ? `${name(from)}–${name(to)} ${ty}` : `${name(from)} ${fy}–${name(to)} ${ty}`;
}
