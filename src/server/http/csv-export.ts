/**
 * Cells of the CSV files the API sends to people (every export route goes through here; the COPY
 * lines written to the database use `csvField` from db/db.ts, unchanged).
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return as a formula, so a dealer or SKU name like
 * `=HYPERLINK("http://evil","x")` would run on the OEM's desk. Such a text cell is written with a
 * leading single quote (`'=HYPERLINK(...)`), which spreadsheets show as text. A cell that is a plain
 * number (`-20.00`, `-3`: JS numbers, or strings of digits with an optional leading minus and
 * decimals) is left as it is, so amounts and quantities stay numbers. Full-width `＝＋－＠` are
 * treated like their ASCII forms.
 */
import { csvField } from '../db/db';

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The text a cell should hold so that no spreadsheet evaluates it. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One CSV cell of an export: neutralised, then quoted where needed. */
export function exportCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return csvField(String(value));
  return csvField(neutraliseCell(value));
}

/** One CSV line of an export (without the line break). */
export function exportRow(values: readonly (string | number | boolean | null | undefined)[]) {
  return values.map(exportCell).join(',');
}
