/**
 * Money and decimal arithmetic. The one rounding rule of Forecourt:
 *
 *   An amount is rounded once, half-up (away from zero on .5), to the currency's minor unit,
 *   at the smallest level that is shown to a person or paid (a statement line, a transaction
 *   amount). Totals are sums of rounded lines and are never rounded again.
 *
 * Binary floating point never touches money: amounts travel as decimal strings ("1234.50") and
 * are computed with decimal.js.
 */
import Decimal from 'decimal.js';
import { AppError } from './errors';

export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = InstanceType<typeof Dec>;

const MINOR_UNITS: Record<string, number> = {
  USD: 2,
  CAD: 2,
  EUR: 2,
  GBP: 2,
  MXN: 2,
  AUD: 2,
  JPY: 0,
  KRW: 0,
};

export const SUPPORTED_CURRENCIES = Object.keys(MINOR_UNITS);

export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS[currency];
  if (digits === undefined) throw new Error(`Unsupported currency ${currency}`);
  return digits;
}

export function dec(value: Decimal.Value): Dec {
  return new Dec(value);
}

/** Half-up rounding to the currency's minor unit (the one rounding rule). */
export function roundMoney(value: Decimal.Value, currency: string): Dec {
  return new Dec(value).toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP);
}

/** Formats a money value as a decimal string with exactly the currency's minor digits. */
export function moneyString(value: Decimal.Value, currency: string): string {
  return roundMoney(value, currency).toFixed(minorUnits(currency));
}

/** Sums decimal strings or values exactly. */
export function sumDec(values: Iterable<Decimal.Value>): Dec {
  let total = new Dec(0);
  for (const v of values) total = total.plus(v);
  return total;
}

/** A decimal string as the API accepts it: optional sign, digits, optional fraction. */
export const DECIMAL_PATTERN = /^-?\d{1,15}(\.\d{1,6})?$/;

/**
 * THE formatter of money leaving Forecourt (JSON, CSV, PDF, payout files): the amount in the
 * currency's minor unit ("20.00"; JPY "23524"), whatever the database column's scale
 * (`numeric(18,6)` gives "20.000000"). Stored amounts are already rounded per line, so this
 * only drops trailing zeros of the column; a finer amount is rounded by the one rule.
 * null stays null.
 */
export function formatMinor(amount: Decimal.Value, currency: string): string;
export function formatMinor(amount: Decimal.Value | null, currency: string): string | null;
export function formatMinor(amount: Decimal.Value | null, currency: string): string | null {
  if (amount === null) return null;
  return moneyString(amount, currency.trim());
}

/** How many decimals a decimal string carries ("0.005" → 3, "12" → 0). */
export function decimalsOf(value: string): number {
  const point = value.indexOf('.');
  return point < 0 ? 0 : value.length - point - 1;
}

/** True when an amount has no more decimals than its currency's minor unit (USD "0.005" → false). */
export function fitsMinorUnit(value: string, currency: string): boolean {
  return decimalsOf(value) <= minorUnits(currency.trim());
}

/** The pattern of an amount in a currency's minor unit: /^-?\d+\.\d{2}$/ (USD), /^-?\d+$/ (JPY). */
export function minorUnitPattern(currency: string): RegExp {
  const digits = minorUnits(currency.trim());
  return digits === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${digits}}$`);
}

/**
 * Input rule: an amount with more decimals than its currency (a 0.005 USD adjustment, JPY with
 * decimals) is refused, a 400 naming the field (`path`), never rounded silently.
 */
export function checkMinorUnit(value: string, currency: string, path: string): void {
  if (fitsMinorUnit(value, currency)) return;
  const message = `${currency.trim()} amounts have at most ${minorUnits(currency.trim())} decimals`;
  throw new AppError('VALIDATION_FAILED', `${path}: ${message}`, {
    problems: [{ path, code: 'too_many_decimals', message }],
  });
}
