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
