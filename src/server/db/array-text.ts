/**
 * PostgreSQL's text form of numeric arrays, read fast (the pg driver's type parsers for int2[],
 * int4[], oid[], float4[], float8[] and numeric[]; postgres.ts registers them). The driver's
 * own parser (postgres-array) builds an object for every character and joins them per element:
 * the nightly risk run reads millions of monthly values as arrays, and that parsing was a fifth
 * of everything it allocated. Here a one-dimensional array whose elements are unquoted (every
 * array of numbers PostgreSQL prints with the default lower bound) is split on its commas; any
 * other form (nested, quoted, escaped, or with explicit bounds `[0:2]={…}`) goes to the
 * driver's parser. The values are exactly the driver's: `parseInt(text, 10)` or
 * `parseFloat(text)` per element, `NULL` as null (tests/array-text.test.ts compares them).
 */

type Parser = (text: string) => unknown;

/**
 * The elements of a simple one-dimensional array text, each through `entry` (`NULL`: null), or
 * undefined when the text is not of that simple form.
 */
function simpleElements<T>(text: string, entry: (element: string) => T): (T | null)[] | undefined {
  const last = text.length - 1;
  if (last < 1 || text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(last) !== 125 /* } */)
    return undefined;
  const out: (T | null)[] = [];
  if (last === 1) return out;
  let start = 1;
  for (let i = 1; i <= last; i += 1) {
    const c = text.charCodeAt(i);
    // { " \ : nested, quoted or escaped: not the simple form
    if (c === 123 || c === 34 || c === 92) return undefined;
    if (c === 44 /* , */ || i === last) {
      if (i === start) return undefined; // an empty element: not printed by PostgreSQL
      const element = text.slice(start, i);
      out.push(element === 'NULL' ? null : entry(element));
      start = i + 1;
    }
  }
  return out;
}

/** Base-ten digits with an optional leading minus, read without a substring (else parseInt). */
function integerAt(element: string): number {
  let value = 0;
  let i = element.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === element.length || element.length - i > 15) return parseInt(element, 10);
  for (; i < element.length; i += 1) {
    const digit = element.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return parseInt(element, 10);
    value = value * 10 + digit;
  }
  return element.charCodeAt(0) === 45 ? -value : value;
}

/** A parser of integer arrays: the simple form read here, any other by `fallback`. */
export function integerArrayParser(fallback: Parser): Parser {
  return (text) => simpleElements(text, integerAt) ?? fallback(text);
}

/** A parser of float and numeric arrays (as numbers, as the driver reads them). */
export function floatArrayParser(fallback: Parser): Parser {
  return (text) => simpleElements(text, parseFloat) ?? fallback(text);
}
