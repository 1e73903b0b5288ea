/** Validation of one market-feed record (hand-written like the other feeds' rows). */
import type { Problem } from '../../../shared/errors';
import { textProblem } from '../../../shared/schemas/common';
import type { MarketWrite } from './market.repository';

const AREA = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,31}$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

export function validateMarketRow(value: unknown, row: number, out: Problem[]): MarketWrite | null {
  const problem = (field: string, code: string, message: string) =>
    out.push({ row, field, code, message });
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    out.push({ row, code: 'invalid_row', message: 'expected an object' });
    return null;
  }
  const v = value as Record<string, unknown>;
  const before = out.length;
  for (const [field, x] of Object.entries(v)) {
    if (typeof x === 'string') {
      const bad = textProblem(x);
      if (bad) problem(field, bad.code, bad.message);
    }
  }
  const area = text(v.area);
  if (!area || !AREA.test(area))
    problem(
      'area',
      'invalid_area',
      'expected a postcode or county code (letters, digits, - _ . space; up to 32)',
    );
  const areaName = text(v.areaName);
  if (areaName !== null && areaName.length > 120)
    problem('areaName', 'too_long', 'at most 120 characters');
  const kindText = text(v.areaKind);
  if (kindText !== null && kindText !== 'postcode' && kindText !== 'county')
    problem('areaKind', 'invalid_enum', 'expected postcode or county');
  const segment = text(v.segment);
  if (!segment || segment.length > 60)
    problem('segment', 'required', 'expected a segment (up to 60 characters)');
  const month = text(v.month);
  const m = month ? MONTH.exec(month) : null;
  if (!m || Number(m[1]) < 1900 || Number(m[1]) > 9999)
    problem('month', 'invalid_month', 'expected a month YYYY-MM (1900–9999)');
  const units =
    typeof v.units === 'string' && /^\d+$/.test(v.units.trim()) ? Number(v.units) : v.units;
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 0 || units > 10_000_000)
    problem(
      'units',
      'invalid_units',
      'expected a whole number of registrations from 0 to 10,000,000',
    );
  if (out.length > before) return null;
  return {
    area: area!,
    areaName,
    areaKind:
      (kindText as 'postcode' | 'county' | null) ?? (/^\d/.test(area!) ? 'postcode' : 'county'),
    segment: segment!,
    month: month!,
    units: units as number,
  };
}
