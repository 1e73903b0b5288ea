/**
 * Validation of one actuals-feed record. Hand-written rather than a zod schema per row because the
 * feed runs at hundreds of thousands of rows a second; the rules mirror transactionInputSchema.
 */
import type { Problem } from '../../../shared/errors';
import { isRealDate, textProblem } from '../../../shared/schemas/common';
import { TRANSACTION_KINDS, type TransactionKind } from '../../../shared/schemas/transactions';
import { minorUnits, SUPPORTED_CURRENCIES } from '../../../shared/money';

export type ValidRow = {
  kind: TransactionKind;
  dealerCode: string;
  sku: string;
  vin: string | null;
  quantity: number;
  amount: string;
  currency: string;
  occurredOn: string;
  source: string;
  externalId: string;
  /** When the sender's system received the row: ISO timestamp in UTC (default: the POST). */
  receivedAt: string;
  /** The sale an unwind reverses (its externalId, same dealer and source), or null. */
  originalExternalId: string | null;
};

/** The time of the POST, given once per batch: the default and the upper bound of receivedAt. */
export type PostedAt = { iso: string; ms: number };

export function postedAt(now = new Date()): PostedAt {
  return { iso: now.toISOString(), ms: now.getTime() };
}

const KINDS = new Set<string>(TRANSACTION_KINDS);
const CURRENCIES = new Set(SUPPORTED_CURRENCIES);
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const AMOUNT = /^-?\d{1,14}(\.(\d{1,2}))?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A date, or a timestamp with seconds optional, fractions optional and a zone (Z or ±hh:mm). */
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
/** A clock a little ahead of ours is not "the future". */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

function fail(problems: Problem[], row: number, field: string, code: string, message: string) {
  problems.push({ row, field, code, message });
}

/** The stored free text holds no NUL byte and no lone surrogate (the rule of every route). */
function storable(problems: Problem[], row: number, field: string, value: string) {
  const problem = textProblem(value);
  if (problem) fail(problems, row, field, problem.code, `${field} ${problem.message}`);
}

/** Dates already checked (a feed repeats the same few hundred dates). */
const realDates = new Map<string, boolean>();

function isRealDateCached(date: string): boolean {
  let real = realDates.get(date);
  if (real === undefined) {
    real = isRealDate(date);
    if (realDates.size >= 100_000) realDates.clear();
    realDates.set(date, real);
  }
  return real;
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  return null;
}

/** Returns the normalised row, or pushes problems (with the row number) and returns null. */
export function validateRow(
  value: unknown,
  row: number,
  problems: Problem[],
  posted: PostedAt = postedAt(),
): ValidRow | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ row, code: 'not_an_object', message: 'each row must be an object' });
    return null;
  }
  const r = value as Record<string, unknown>;
  const before = problems.length;

  const kind = text(r.kind);
  if (!kind || !KINDS.has(kind))
    fail(
      problems,
      row,
      'kind',
      'invalid_kind',
      `kind must be one of ${TRANSACTION_KINDS.join(', ')}`,
    );

  const dealerCode = text(r.dealerCode);
  if (!dealerCode) fail(problems, row, 'dealerCode', 'required', 'dealerCode is required');
  const sku = text(r.sku);
  if (!sku) fail(problems, row, 'sku', 'required', 'sku is required');

  let vin: string | null = null;
  if (r.vin !== undefined && r.vin !== null && r.vin !== '') {
    const v = text(r.vin)?.toUpperCase() ?? '';
    if (!VIN.test(v))
      fail(
        problems,
        row,
        'vin',
        'invalid_vin',
        'vin must be 17 characters, letters and digits without I, O or Q',
      );
    else vin = v;
  }

  let quantity = NaN;
  if (typeof r.quantity === 'number') quantity = r.quantity;
  else if (typeof r.quantity === 'string' && /^-?\d+$/.test(r.quantity.trim()))
    quantity = Number(r.quantity);
  if (!Number.isInteger(quantity))
    fail(problems, row, 'quantity', 'invalid_quantity', 'quantity must be a whole number');
  else if (quantity === 0)
    fail(problems, row, 'quantity', 'zero_quantity', 'quantity must not be zero');
  else if (Math.abs(quantity) > 100_000)
    fail(
      problems,
      row,
      'quantity',
      'quantity_too_large',
      'quantity must be at most 100000 units per row',
    );
  else if (kind === 'unwind' && quantity > 0)
    fail(problems, row, 'quantity', 'unwind_sign', 'an unwind has a negative quantity');
  else if (kind && kind !== 'unwind' && quantity < 0)
    fail(
      problems,
      row,
      'quantity',
      'negative_quantity',
      `a ${kind} has a positive quantity; use kind "unwind" to reverse a sale`,
    );

  const currency = text(r.currency)?.toUpperCase() ?? null;
  if (!currency || !CURRENCIES.has(currency))
    fail(
      problems,
      row,
      'currency',
      'invalid_currency',
      `currency must be one of ${SUPPORTED_CURRENCIES.join(', ')}`,
    );

  let amount: string | null = null;
  if (typeof r.amount === 'number') {
    fail(
      problems,
      row,
      'amount',
      'amount_not_string',
      'send amount as a decimal string, e.g. "41250.00", not a JSON number',
    );
  } else {
    const a = text(r.amount);
    const m = a ? AMOUNT.exec(a) : null;
    if (!a || !m)
      fail(
        problems,
        row,
        'amount',
        'invalid_amount',
        'amount must be a decimal string such as "41250.00"',
      );
    else if (currency && CURRENCIES.has(currency) && (m[2]?.length ?? 0) > minorUnits(currency)) {
      fail(
        problems,
        row,
        'amount',
        'too_many_decimals',
        `${currency} amounts have at most ${minorUnits(currency)} decimals`,
      );
    } else amount = a;
  }

  const occurredOn = text(r.occurredOn);
  if (!occurredOn || !DATE.test(occurredOn))
    fail(problems, row, 'occurredOn', 'invalid_date', 'occurredOn must be a date as YYYY-MM-DD');
  else if (!isRealDateCached(occurredOn))
    fail(problems, row, 'occurredOn', 'invalid_date', `${occurredOn} is not a real calendar date`);
  else if (occurredOn < '1990-01-01')
    fail(problems, row, 'occurredOn', 'date_out_of_range', 'occurredOn is before 1990');

  const source = text(r.source);
  if (!source) fail(problems, row, 'source', 'required', 'source is required (the sending system)');
  else if (source.length > 60)
    fail(problems, row, 'source', 'too_long', 'source has at most 60 characters');
  else storable(problems, row, 'source', source);
  const externalId =
    r.externalId === undefined || r.externalId === null ? null : String(r.externalId).trim();
  if (!externalId)
    fail(
      problems,
      row,
      'externalId',
      'required',
      'externalId is required (the id in the sending system)',
    );
  else if (externalId.length > 120)
    fail(problems, row, 'externalId', 'too_long', 'externalId has at most 120 characters');
  else storable(problems, row, 'externalId', externalId);

  const receivedAt = validateReceivedAt(r.receivedAt, occurredOn, row, problems, posted);

  let originalExternalId: string | null = null;
  if (r.originalExternalId !== undefined && r.originalExternalId !== null) {
    const original = String(r.originalExternalId).trim();
    if (original === '') {
      // an empty CSV cell: no reference
    } else if (kind !== 'unwind')
      fail(
        problems,
        row,
        'originalExternalId',
        'original_on_sale',
        'originalExternalId names the sale an unwind reverses; only an unwind has one',
      );
    else if (original.length > 120)
      fail(
        problems,
        row,
        'originalExternalId',
        'too_long',
        'originalExternalId has at most 120 characters',
      );
    else if (original === externalId)
      fail(
        problems,
        row,
        'originalExternalId',
        'original_is_self',
        'an unwind cannot reverse itself',
      );
    else originalExternalId = original;
  }

  if (problems.length !== before) return null;
  return {
    kind: kind as TransactionKind,
    dealerCode: dealerCode!,
    sku: sku!,
    vin,
    quantity,
    amount: amount!,
    currency: currency!,
    occurredOn: occurredOn!,
    source: source!,
    externalId: externalId!,
    receivedAt: receivedAt!,
    originalExternalId,
  };
}

/**
 * `receivedAt`: a date (midnight UTC) or a timestamp with its zone; default the POST. Never in
 * the future, never before `occurredOn` (compared on the UTC date, as the grace rule reads it).
 */
function validateReceivedAt(
  value: unknown,
  occurredOn: string | null,
  row: number,
  problems: Problem[],
  posted: PostedAt,
): string | null {
  if (value === undefined || value === null || value === '') return posted.iso;
  const raw = typeof value === 'string' ? value.trim() : '';
  const m = TIMESTAMP.exec(raw);
  if (
    !m ||
    !isRealDateCached(m[1]!) ||
    Number(m[2] ?? 0) > 23 ||
    Number(m[3] ?? 0) > 59 ||
    Number(m[4] ?? 0) > 59
  ) {
    fail(
      problems,
      row,
      'receivedAt',
      'invalid_timestamp',
      'receivedAt must be a date (YYYY-MM-DD) or a timestamp with its zone (2026-04-02T09:30:00Z)',
    );
    return null;
  }
  const ms = Date.parse(m[2] === undefined ? `${m[1]}T00:00:00Z` : raw.replace(' ', 'T'));
  if (Number.isNaN(ms)) {
    fail(problems, row, 'receivedAt', 'invalid_timestamp', `${raw} is not a timestamp`);
    return null;
  }
  const iso = new Date(ms).toISOString();
  if (ms > posted.ms + CLOCK_SKEW_MS) {
    fail(
      problems,
      row,
      'receivedAt',
      'received_in_future',
      `receivedAt ${raw} is in the future (now ${posted.iso})`,
    );
    return null;
  }
  if (occurredOn && DATE.test(occurredOn) && iso.slice(0, 10) < occurredOn) {
    fail(
      problems,
      row,
      'receivedAt',
      'received_before_occurred',
      `receivedAt ${raw} is before occurredOn ${occurredOn}`,
    );
    return null;
  }
  return iso;
}
