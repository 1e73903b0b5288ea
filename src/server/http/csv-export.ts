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
import type { FastifyReply } from 'fastify';
import { csvField } from '../db/db';
import { sqlLiteral } from '../db/sql-literal';
import { minorUnits, SUPPORTED_CURRENCIES } from '../../shared/money';

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

type Cell = string | number | boolean | null | undefined;

/** One CSV line of an export (without the line break). */
export function exportRow(values: readonly Cell[]) {
  return values.map(exportCell).join(',');
}

/** The text of an export: `header` (with its line break), then each row on its own line. */
export function csvLines(header: string, rows: readonly (readonly Cell[])[]): string {
  const body = rows.map(exportRow).join('\n');
  return header + body + (body ? '\n' : '');
}

/** Sends an export as a CSV download named `filename` (text, or a stream of CSV text). */
export function sendCsv(reply: FastifyReply, filename: string, csv: unknown) {
  reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`);
  return reply.send(csv as never);
}

/**
 * The same cells written by the database, for exports that stream a `COPY (select …) TO STDOUT`
 * in CSV (the server's CSV quoting is csvField's: a value with `,`, `"` or a line break is quoted,
 * an empty text is `""`, null is empty). `neutraliseSql(x)` is neutraliseCell of the text `x`; the
 * first character is compared before the number pattern runs, as almost no cell needs it.
 */
const FORMULA_FIRST = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

export function neutraliseSql(text: string): string {
  return `case when substr(${text}, 1, 1) in (${FORMULA_FIRST.map(sqlLiteral).join(', ')})
            and ${text} !~ '^-?[0-9]+(\\.[0-9]+)?$' then '''' || ${text} else ${text} end`;
}

/** formatMinor in SQL: the amount rounded half-up to its currency's minor unit, as text. */
export function minorUnitSql(amount: string, currency: string): string {
  const odd = SUPPORTED_CURRENCIES.filter((c) => minorUnits(c) !== 2);
  const when = odd.map((c) => `when ${sqlLiteral(c)} then ${minorUnits(c)}`).join(' ');
  return `round(${amount}, case trim(${currency}) ${when} else 2 end)::text`;
}
