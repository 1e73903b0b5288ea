/**
 * Readers for backtest input files. Every problem is reported as a BacktestInputError naming the
 * 1-based data row (the header is row 0), and nothing is returned for a bad file.
 *
 * - long CSV: `series,period,quantity` (period `YYYY-MM`; a missing month is zero);
 * - M3 wide CSV: `series_id,category,n_obs,horizon,start_year,start_month,values`;
 * - FRED-style CSV: two columns, a date (`YYYY-MM` or `YYYY-MM-DD`) and a value, any header names.
 */
import { parse } from 'csv-parse/sync';

export class BacktestInputError extends Error {
  /** 1-based data row (header excluded); 0 for a problem with the header or the file as a whole. */
  readonly row: number;

  constructor(row: number, message: string) {
    super(row > 0 ? `row ${row}: ${message}` : message);
    this.name = 'BacktestInputError';
    this.row = row;
  }
}

/** A monthly series; `start` is the calendar month of values[0] when known. */
export type BacktestSeries = {
  id: string;
  values: number[];
  start?: YearMonth;
  /**
   * Planned ends of sale (the demo network's catalog; files have none): `last`, the index in
   * `values` of the last month of sale, and for a total the ending line's own `values` (the
   * series is the line itself without them). insights:backtest (risk-backtest.ts) lets them be
   * known only SALES_END_NOTICE_MONTHS before the end.
   */
  salesEnds?: { last: number; values?: number[] }[];
};

export type YearMonth = { year: number; month: number };

const PERIOD_PATTERN = /^(\d{4})-(\d{2})$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/;
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function monthIndex(ym: YearMonth): number {
  return ym.year * 12 + (ym.month - 1);
}

export function fromMonthIndex(index: number): YearMonth {
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function formatYearMonth(ym: YearMonth): string {
  return `${String(ym.year).padStart(4, '0')}-${String(ym.month).padStart(2, '0')}`;
}

/** Parses `YYYY-MM` (month 01–12); undefined otherwise. */
export function parsePeriod(text: string): YearMonth | undefined {
  const match = PERIOD_PATTERN.exec(text);
  if (!match) return undefined;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return { year: Number(match[1]), month };
}

/** Parses a decimal number written plainly (no empty strings, no `0x`, no `Infinity`). */
export function parseQuantity(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMBER_PATTERN.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

function readRecords(text: string): string[][] {
  try {
    return parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new BacktestInputError(
      typeof line === 'number' ? Math.max(0, line - 1) : 0,
      `malformed CSV: ${(error as Error).message}`,
    );
  }
}

function minMax(keys: Iterable<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const k of keys) {
    if (k < min) min = k;
    if (k > max) max = k;
  }
  return { min, max };
}

function columnIndex(header: readonly string[], name: string): number {
  const index = header.findIndex((h) => h.trim().toLowerCase() === name);
  if (index < 0)
    throw new BacktestInputError(
      0,
      `missing column "${name}" in the header (found: ${header.join(', ')})`,
    );
  return index;
}

/**
 * Reads the long format `series,period,quantity`. Each series runs from its first period to the
 * last period of the file; missing months are zero. Rejects bad periods, non-numeric or negative
 * quantities and duplicate (series, period) rows.
 */
export function parseLongCsv(text: string): BacktestSeries[] {
  const records = readRecords(text);
  const header = records[0];
  if (!header)
    throw new BacktestInputError(0, 'the file is empty: expected a header series,period,quantity');
  const seriesColumn = columnIndex(header, 'series');
  const periodColumn = columnIndex(header, 'period');
  const quantityColumn = columnIndex(header, 'quantity');
  const bySeries = new Map<string, Map<number, number>>();
  const firstRow = new Map<string, number>();
  let lastMonth = Number.NEGATIVE_INFINITY;
  for (let r = 1; r < records.length; r += 1) {
    const record = records[r]!;
    const id = record[seriesColumn] ?? '';
    const periodText = record[periodColumn] ?? '';
    const quantityText = record[quantityColumn] ?? '';
    if (id === '') throw new BacktestInputError(r, 'the series is empty');
    const period = parsePeriod(periodText);
    if (!period)
      throw new BacktestInputError(
        r,
        `period "${periodText}" is not a month written YYYY-MM (01–12)`,
      );
    const quantity = parseQuantity(quantityText);
    if (quantity === undefined)
      throw new BacktestInputError(r, `quantity "${quantityText}" is not a number`);
    if (quantity < 0) throw new BacktestInputError(r, `quantity ${quantityText} is negative`);
    const key = `${id}\u0000${periodText}`;
    const previous = firstRow.get(key);
    if (previous !== undefined) {
      throw new BacktestInputError(
        r,
        `duplicate row for series "${id}" and period ${periodText} (first seen in row ${previous})`,
      );
    }
    firstRow.set(key, r);
    const index = monthIndex(period);
    lastMonth = Math.max(lastMonth, index);
    let months = bySeries.get(id);
    if (!months) {
      months = new Map();
      bySeries.set(id, months);
    }
    months.set(index, quantity);
  }
  if (bySeries.size === 0)
    throw new BacktestInputError(0, 'the file has a header but no data rows');
  return [...bySeries.entries()].map(([id, months]) => {
    const first = minMax(months.keys()).min;
    const values = Array.from(
      { length: lastMonth - first + 1 },
      (_, k) => months.get(first + k) ?? 0,
    );
    return { id, values, start: fromMonthIndex(first) };
  });
}

/** One row of the M3 wide file; `values` includes the official hold-out (its last `horizon` values). */
export type M3Series = {
  id: string;
  category: string;
  values: number[];
  officialHorizon: number;
  start: YearMonth;
};

export function parseM3Wide(text: string): M3Series[] {
  const records = readRecords(text);
  const header = records[0];
  if (!header) throw new BacktestInputError(0, 'the file is empty');
  const col = (name: string) => columnIndex(header, name);
  const idCol = col('series_id');
  const categoryCol = col('category');
  const nCol = col('n_obs');
  const horizonCol = col('horizon');
  const yearCol = col('start_year');
  const monthCol = col('start_month');
  const valuesCol = col('values');
  const out: M3Series[] = [];
  for (let r = 1; r < records.length; r += 1) {
    const record = records[r]!;
    const id = record[idCol] ?? '';
    if (id === '') throw new BacktestInputError(r, 'series_id is empty');
    const parts = (record[valuesCol] ?? '').split(/\s+/).filter((p) => p !== '');
    const values = parts.map((p) => parseQuantity(p));
    const badIndex = values.findIndex((v) => v === undefined);
    if (badIndex >= 0)
      throw new BacktestInputError(r, `value ${badIndex + 1} "${parts[badIndex]}" is not a number`);
    const n = Number(record[nCol]);
    if (n !== values.length)
      throw new BacktestInputError(
        r,
        `n_obs is ${record[nCol]} but ${values.length} values were found`,
      );
    const officialHorizon = Number(record[horizonCol]);
    if (!Number.isInteger(officialHorizon) || officialHorizon < 1 || officialHorizon >= n) {
      throw new BacktestInputError(
        r,
        `horizon "${record[horizonCol]}" is not a valid hold-out length`,
      );
    }
    const month = Number(record[monthCol]);
    const year = Number(record[yearCol]);
    out.push({
      id,
      category: record[categoryCol] ?? '',
      values: values as number[],
      officialHorizon,
      start: {
        year: Number.isInteger(year) ? year : 0,
        month: month >= 1 && month <= 12 ? month : 1,
      },
    });
  }
  return out;
}

/**
 * The M3 protocol: series with at least `history` months before the official hold-out, cut to the
 * history plus the first `horizon` hold-out months (so a single backtest origin forecasts exactly
 * those months from the last `history` months of history).
 */
export function m3BacktestSeries(
  series: readonly M3Series[],
  horizon: number,
  history: number,
): BacktestSeries[] {
  return series
    .filter((s) => s.values.length - s.officialHorizon >= history && horizon <= s.officialHorizon)
    .map((s) => {
      const cut = s.values.length - s.officialHorizon;
      return {
        id: s.id,
        values: s.values.slice(cut - history, cut + horizon),
        start: fromMonthIndex(monthIndex(s.start) + cut - history),
      };
    });
}

/** Reads a two-column date/value file (FRED style); months missing between rows are zero. */
export function parseFredCsv(text: string, id: string): BacktestSeries {
  const records = readRecords(text);
  const header = records[0];
  if (!header || header.length < 2)
    throw new BacktestInputError(0, 'expected a header with a date column and a value column');
  const months = new Map<number, number>();
  const rowOf = new Map<number, number>();
  for (let r = 1; r < records.length; r += 1) {
    const record = records[r]!;
    const dateText = record[0] ?? '';
    const match = DATE_PATTERN.exec(dateText);
    const month = match ? Number(match[2]) : 0;
    if (!match || month < 1 || month > 12) {
      throw new BacktestInputError(
        r,
        `date "${dateText}" is not a month written YYYY-MM or YYYY-MM-DD`,
      );
    }
    const value = parseQuantity(record[1] ?? '');
    if (value === undefined)
      throw new BacktestInputError(r, `value "${record[1] ?? ''}" is not a number`);
    if (value < 0) throw new BacktestInputError(r, `value ${record[1]} is negative`);
    const index = monthIndex({ year: Number(match[1]), month });
    const previous = rowOf.get(index);
    if (previous !== undefined)
      throw new BacktestInputError(
        r,
        `duplicate month ${dateText.slice(0, 7)} (first seen in row ${previous})`,
      );
    rowOf.set(index, r);
    months.set(index, value);
  }
  if (months.size === 0) throw new BacktestInputError(0, 'the file has a header but no data rows');
  const { min: first, max: last } = minMax(months.keys());
  return {
    id,
    values: Array.from({ length: last - first + 1 }, (_, k) => months.get(first + k) ?? 0),
    start: fromMonthIndex(first),
  };
}
