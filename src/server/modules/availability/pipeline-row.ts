/**
 * Validation of one pipeline-feed record (hand-written like the actuals feed's transaction-row.ts,
 * for the same reason: a zod parse per row is the bottleneck at a million rows).
 */
import type { Problem } from '../../../shared/errors';
import { isRealDate, textProblem } from '../../../shared/schemas/common';
import { VEHICLE_EVENTS, type VehicleEvent } from '../../../shared/schemas/availability';

export type PipelineRow = {
  event: VehicleEvent;
  dealerCode: string;
  vin: string;
  occurredOn: string;
  sku: string | null;
  orderType: 'dealer' | 'stock' | null;
  options: string[] | null;
  planWeek: string | null;
  plant: string | null;
  eta: string | null;
  deliveryExternalId: string | null;
  source: string;
  externalId: string;
};

const EVENTS = new Set<string>(VEHICLE_EVENTS);
const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const WEEK = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;

function text(value: unknown): string | null {
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? null : t;
  }
  return null;
}

/** Dates already checked (a feed repeats the same few hundred dates). */
const realDates = new Map<string, boolean>();

function isRealDateCached(date: string): boolean {
  let real = realDates.get(date);
  if (real === undefined) {
    real = DATE.test(date) && isRealDate(date);
    if (realDates.size >= 100_000) realDates.clear();
    realDates.set(date, real);
  }
  return real;
}

function fail(problems: Problem[], row: number, field: string, code: string, message: string) {
  problems.push({ row, field, code, message });
}

/**
 * A text field trimmed (empty: null), its type, length and storability checked. Module-level
 * helpers, not closures made per row: at a million rows the closures (and tsx's naming of each)
 * cost more than the checks.
 */
function str(
  r: Record<string, unknown>,
  row: number,
  problems: Problem[],
  field: string,
  max: number,
  required: boolean,
): string | null {
  const raw = r[field];
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    fail(problems, row, field, 'invalid_type', `${field} must be a string`);
    return null;
  }
  const t = text(raw);
  if (t === null) {
    if (required) fail(problems, row, field, 'required', `${field} is required`);
    return null;
  }
  if (t.length > max)
    fail(problems, row, field, 'too_long', `${field} is longer than ${max} characters`);
  const problem = textProblem(t);
  if (problem) fail(problems, row, field, problem.code, `${field} ${problem.message}`);
  return t;
}

function date(
  r: Record<string, unknown>,
  row: number,
  problems: Problem[],
  field: string,
  required: boolean,
): string | null {
  const t = str(r, row, problems, field, 10, required);
  if (t !== null && !isRealDateCached(t))
    fail(problems, row, field, 'invalid_date', `${field} must be a real date YYYY-MM-DD`);
  return t;
}

export function validatePipelineRow(
  value: unknown,
  row: number,
  problems: Problem[],
): PipelineRow | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ row, code: 'not_an_object', message: 'each row must be an object' });
    return null;
  }
  const r = value as Record<string, unknown>;
  const before = problems.length;
  const event = str(r, row, problems, 'event', 20, true);
  if (event !== null && !EVENTS.has(event))
    fail(
      problems,
      row,
      'event',
      'invalid_event',
      `event must be one of ${VEHICLE_EVENTS.join(', ')}`,
    );
  const dealerCode = str(r, row, problems, 'dealerCode', 40, true);
  const rawVin = str(r, row, problems, 'vin', 17, true);
  const vin = rawVin === null ? null : rawVin.toUpperCase();
  if (vin !== null && !VIN.test(vin))
    fail(
      problems,
      row,
      'vin',
      'invalid_vin',
      'vin must be 17 characters of A–Z (no I, O, Q) and 0–9',
    );
  const occurredOn = date(r, row, problems, 'occurredOn', true);
  const sku = str(r, row, problems, 'sku', 60, event === 'ordered');
  const orderType = str(r, row, problems, 'orderType', 10, event === 'ordered');
  if (orderType !== null && orderType !== 'dealer' && orderType !== 'stock')
    fail(problems, row, 'orderType', 'invalid_order_type', 'orderType must be dealer or stock');
  let options: string[] | null = null;
  const rawOptions = r.options;
  // a list of codes, or one string of codes separated by ";"
  const list = Array.isArray(rawOptions)
    ? (rawOptions as unknown[])
    : typeof rawOptions === 'string'
      ? rawOptions.split(';')
      : null;
  if (list) {
    if (list.some((o) => typeof o !== 'string' || o.trim().length > 40 || textProblem(o)))
      fail(
        problems,
        row,
        'options',
        'invalid_options',
        'options must be codes of at most 40 characters',
      );
    else options = (list as string[]).map((o) => o.trim()).filter(Boolean);
  } else if (rawOptions !== undefined && rawOptions !== null) {
    fail(problems, row, 'options', 'invalid_options', 'options must be a list of codes');
  }
  if (options && options.length === 0) options = null; // no options given: keep the order's
  if (options && options.length > 50)
    fail(problems, row, 'options', 'too_many', 'at most 50 options');
  const planWeek = str(r, row, problems, 'planWeek', 8, event === 'planned');
  if (planWeek !== null && !WEEK.test(planWeek))
    fail(problems, row, 'planWeek', 'invalid_week', 'planWeek must be an ISO week YYYY-Www');
  const plant = str(r, row, problems, 'plant', 60, event === 'planned');
  const eta = date(r, row, problems, 'eta', event === 'in_transit');
  const deliveryExternalId = str(r, row, problems, 'deliveryExternalId', 120, false);
  const source = str(r, row, problems, 'source', 60, true);
  const externalId = str(r, row, problems, 'externalId', 120, true);
  if (problems.length > before) return null;
  return {
    event: event as VehicleEvent,
    dealerCode: dealerCode!,
    vin: vin!,
    occurredOn: occurredOn!,
    sku,
    orderType: orderType as PipelineRow['orderType'],
    options,
    planWeek,
    plant,
    eta,
    deliveryExternalId,
    source: source!,
    externalId: externalId!,
  };
}
