import { z } from 'zod';
import { DECIMAL_PATTERN } from '../money';

export const errorSchema = z
  .object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Error' });

/** The error answers every guarded API route may give (one shape: `{ code, message, details }`). */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
};

/** The error answers of a route that reads (nothing to conflict with): 400, 401, 403, 404. */
export const readErrorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
};

/**
 * The furthest a list may be paged: PostgreSQL reads and drops every row before the offset, so an
 * offset is work for the server (narrow the filter to go further).
 */
export const MAX_OFFSET = 10_000_000;

export const pagingQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}

/**
 * Input rules every route shares. Dates and months lie in the years 1900–9999 (`0000-01-01` and
 * the like are refused: PostgreSQL has no year 0 and nothing in the domain predates 1900).
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;

/** A real calendar date 'YYYY-MM-DD' in the years 1900–9999 (2026-02-30 is rejected). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine(isRealDate, `is not a real calendar date between ${MIN_YEAR} and ${MAX_YEAR}`);

/** A month 'YYYY-MM' in the years 1900–9999. */
export const isoMonth = z
  .string()
  .regex(
    /^(19\d{2}|[2-9]\d{3})-(0[1-9]|1[0-2])$/,
    'expected a month as YYYY-MM (1900-01 to 9999-12)',
  );

/**
 * A moment 'YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)' on a real day of the years 1900–9999, with a UTC
 * offset PostgreSQL takes (at most 15:59 either way).
 */
export const isoTimestamp = z.iso
  .datetime({ offset: true })
  .refine(
    (value) =>
      isRealDate(value.slice(0, 10)) &&
      (/Z$/i.test(value) || Number(/([+-])(\d{2}):?\d{2}$/.exec(value)?.[2] ?? 99) <= 15),
    `is not a moment between ${MIN_YEAR} and ${MAX_YEAR} with a valid UTC offset`,
  );

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** 'YYYY-MM-DD' names a day that exists, in the years 1900–9999. */
export function isRealDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1) return false;
  const isLeap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && isLeap ? 29 : DAYS_IN_MONTH[mo - 1]!);
}

/**
 * Why a string cannot be stored as text, or null when it can: PostgreSQL text holds no NUL byte,
 * and a lone UTF-16 surrogate has no UTF-8 form (drivers would silently store U+FFFD instead).
 */
export function textProblem(value: string): { code: string; message: string } | null {
  if (value.includes('\u0000'))
    return { code: 'nul_byte', message: 'must not contain a NUL byte (\\u0000)' };
  if (
    /[\ud800-\udfff]/.test(value) &&
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)
  )
    return { code: 'lone_surrogate', message: 'must not contain a lone UTF-16 surrogate' };
  return null;
}

export const decimalString = z
  .string()
  .regex(DECIMAL_PATTERN, 'expected a decimal number as a string, e.g. "1234.50"');

export const code = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, ".", "_" and "-" only');

/** Query-string booleans: "true" / "false". */
export const queryBoolean = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export const okSchema = z.object({ ok: z.literal(true) });

/** A row id in a path (ids are 32-bit: a larger number is refused here, not by the database). */
export const rowId = z.coerce.number().int().positive().max(2_147_483_647);
