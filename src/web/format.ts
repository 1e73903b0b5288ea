/**
 * Number, money, percent and month formatting with Intl (the reader's locale). Money arrives as
 * decimal strings and is summed exactly (scaled BigInt), never in binary floating point.
 */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const percent1 = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export function formatInt(value: number | null | undefined): string {
  // `+ 0` turns a negative zero (Math.round(-0.3)) into 0: "-0" is not a count anyone reads
  return value === null || value === undefined ? '–' : integer.format(value + 0);
}

export function formatCompact(value: number): string {
  return compact.format(value);
}

/** A share already in percent (12.3 → "12.3 %"). */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${percent1.format(value)} %`;
}

/** A signed change in percent (+4.2 %, −3.0 %). */
export function formatChange(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${percent1.format(Math.abs(value))} %`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, isCompact: boolean): Intl.NumberFormat {
  const key = `${currency}:${isCompact}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency,
      ...(isCompact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
    });
    moneyFormats.set(key, format);
  }
  return format;
}

/** A decimal string as money ("41250.5", "USD" → "$41,250.50"). Intl formats the string exactly. */
export function formatMoney(
  amount: string | null | undefined,
  currency = 'USD',
  options: { isCompact?: boolean } = {},
): string {
  if (amount === null || amount === undefined || amount === '') return '–';
  try {
    return moneyFormat(currency, options.isCompact ?? false).format(amount as `${number}`);
  } catch {
    return `${amount} ${currency}`;
  }
}

const SCALE = 6;
const SCALE_FACTOR = 10n ** BigInt(SCALE);

function toScaled(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return 0n;
  const [, sign, whole, fraction = ''] = match;
  const scaled =
    BigInt(whole!) * SCALE_FACTOR + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, '0'));
  return sign === '-' ? -scaled : scaled;
}

function fromScaled(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / SCALE_FACTOR;
  const fraction = (abs % SCALE_FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Exact sum of decimal strings. */
export function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  for (const v of values) total += toScaled(v);
  return fromScaled(total);
}

const monthShort = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  year: '2-digit',
  timeZone: 'UTC',
});
const monthLong = new Intl.DateTimeFormat(undefined, {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});

function monthDate(month: string): Date {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1));
}

/** '2026-03' → "Mar 26". */
export function formatMonth(month: string): string {
  return monthShort.format(monthDate(month));
}

/** '2026-03' → "March 2026". */
export function formatMonthLong(month: string): string {
  return monthLong.format(monthDate(month));
}

/** '2026-03-14' → "Mar 14, 2026". */
export function formatDate(date: string | null | undefined): string {
  if (!date) return '–';
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  return dateFormat.format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTimeFormat.format(date);
}

/** Percent change from `before` to `after`, or null when there is nothing to compare. */
export function percentChange(after: number, before: number): number | null {
  if (before === 0) return null;
  return ((after - before) / before) * 100;
}

export const MONTH_NAMES = Array.from({ length: 12 }, (_, i) =>
  new Intl.DateTimeFormat(undefined, { month: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2000, i, 1)),
  ),
);

/**
 * A person as the API records them ("user:12:Dana Reyes", "key:3:DMS feed") → "Dana Reyes";
 * anything else unchanged. People read names, not ids.
 */
export function personName(actor: string | null | undefined): string {
  if (!actor) return '–';
  const match = /^(?:user|key):\d+:(.+)$/.exec(actor);
  return match ? match[1]! : actor;
}

/** A dealer as people read it: "Harbor Motors (D0012)". */
export function dealerLabel(d: { dealerCode: string; dealerName?: string | null }): string {
  return d.dealerName ? `${d.dealerName} (${d.dealerCode})` : d.dealerCode;
}
