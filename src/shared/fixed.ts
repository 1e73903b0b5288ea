/**
 * Exact scaled-integer arithmetic on JavaScript numbers, for the engine's fast path and the feed's roll-up. A value is
 * held as an integer count of 10^-digits (cents: digits 2); every product and sum is checked to
 * stay within Number.MAX_SAFE_INTEGER, where integer arithmetic on doubles is exact. Anything
 * outside that range (or with more decimals than the scale) returns null and the caller falls
 * back to decimal.js. Never used for a value that is not an exact integer.
 */

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

export function pow10(digits: number): number {
  const p = POW10[digits];
  if (p === undefined) throw new Error(`unsupported scale ${digits}`);
  return p;
}

/**
 * The exact integer value × 10^digits of a decimal string ("45123.17", digits 2 → 4512317), or
 * null when it has more decimals than `digits` or does not fit a safe integer.
 */
export function parseScaled(value: string, digits: number): number | null {
  const negative = value.charCodeAt(0) === 45; // '-'
  let i = negative ? 1 : 0;
  let n = 0;
  let seenDigit = false;
  let decimals = -1;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      // '.'
      if (decimals >= 0) return null;
      decimals = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (decimals >= 0) {
      decimals++;
      if (decimals > digits) {
        if (c !== 48) return null; // a non-zero digit beyond the scale
        continue;
      }
    }
    n = n * 10 + (c - 48);
    seenDigit = true;
  }
  if (!seenDigit) return null;
  const used = decimals < 0 ? 0 : Math.min(decimals, digits);
  n *= pow10(digits - used);
  if (n > MAX_SAFE) return null;
  return negative && n !== 0 ? -n : n;
}

/** n / d rounded half-up (away from zero on .5); d > 0; n a safe integer. */
export function divRoundHalfUp(n: number, d: number): number {
  const a = n < 0 ? -n : n;
  const r = a % d;
  let q = (a - r) / d;
  if (r * 2 >= d) q++;
  return n < 0 ? -q : q;
}

/** a × b when the exact product is a safe integer, else null. */
export function mulSafe(a: number, b: number): number | null {
  const p = a * b;
  return p <= MAX_SAFE && p >= -MAX_SAFE ? p : null;
}

/** The exact decimal string of n × 10^-digits ("4512317", 2 → "45123.17"). */
export function formatScaled(n: number, digits: number): string {
  const negative = n < 0;
  const s = String(negative ? -n : n);
  if (digits === 0) return negative ? `-${s}` : s;
  const padded = s.padStart(digits + 1, '0');
  const text = `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
  return negative ? `-${text}` : text;
}
