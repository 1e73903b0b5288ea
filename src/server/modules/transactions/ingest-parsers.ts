/**
 * Streaming readers for the actuals feed: JSON array, NDJSON and CSV. Each yields records with
 * their 1-based row number, never holding the whole body in memory. Every reader is linear in the
 * body: each character is looked at a bounded number of times (a record cut across chunks is kept
 * as a list of pieces and joined once), and one record may hold at most MAX_RECORD_CHARS, so a
 * body can neither make the server re-read a growing buffer nor hold a huge record in memory.
 */
import type { Readable } from 'node:stream';
import { parse as parseCsvRecord } from 'csv-parse/sync';
import { AppError } from '../../../shared/errors';
import {
  OPTIONAL_TRANSACTION_COLUMNS,
  TRANSACTION_COLUMNS,
} from '../../../shared/schemas/transactions';

export type RawRecord = { row: number; value: unknown; parseError?: string };

/** The most characters one record (a JSON element, an NDJSON line, a CSV record) may hold. */
export const MAX_RECORD_CHARS = 64 * 1024;

/** A record over MAX_RECORD_CHARS: the read stops there (nothing of the batch is written). */
function recordTooLarge(row: number, limit: number): AppError {
  const message = `the record is longer than ${limit} characters (the limit for one record)`;
  return new AppError('MALFORMED_BODY', `Row ${row} is too large: ${message}`, {
    problems: [{ row, code: 'record_too_large', message }],
    maxRecordChars: limit,
  });
}

/**
 * A record (or line) cut across chunks, kept as pieces and joined once it is complete: appending
 * to one string and searching it again on every chunk is quadratic in the record's length.
 */
class Pieces {
  private parts: string[] = [];
  chars = 0;
  add(text: string) {
    if (text.length === 0) return;
    this.parts.push(text);
    this.chars += text.length;
  }
  get isEmpty() {
    return this.parts.length === 0;
  }
  /** The pieces joined (with `last` after them), and empties the list. */
  take(last = ''): string {
    if (this.parts.length === 0) return last;
    if (last) this.parts.push(last);
    const text = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.chars = 0;
    return text;
  }
}
export type IngestFormat = 'json' | 'ndjson' | 'csv';

/** The columns a CSV header may name, and which of them it may leave out. */
export type CsvColumns = { all: readonly string[]; optional: readonly string[] };
const FEED_COLUMNS: CsvColumns = {
  all: TRANSACTION_COLUMNS,
  optional: OPTIONAL_TRANSACTION_COLUMNS,
};

export function formatOf(contentType: string | undefined): IngestFormat | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (
    type === 'application/x-ndjson' ||
    type === 'application/ndjson' ||
    type === 'application/jsonl'
  )
    return 'ndjson';
  if (type === 'text/csv') return 'csv';
  return null;
}

/**
 * The records of a body in batches (one per chunk of the body read), so that a million rows do
 * not cost a million turns of async iteration.
 */
export function readRecordBatches(
  format: IngestFormat,
  body: Readable,
  maxRecordChars = MAX_RECORD_CHARS,
  columns: CsvColumns = FEED_COLUMNS,
): AsyncIterable<RawRecord[]> {
  switch (format) {
    case 'json':
      return readJsonArray(body, maxRecordChars);
    case 'ndjson':
      return readNdjson(body, maxRecordChars);
    case 'csv':
      return readCsv(body, maxRecordChars, columns);
  }
}

/** The records of a body one by one. */
export async function* readRecords(
  format: IngestFormat,
  body: Readable,
  maxRecordChars = MAX_RECORD_CHARS,
): AsyncIterable<RawRecord> {
  for await (const batch of readRecordBatches(format, body, maxRecordChars)) yield* batch;
}

async function* readNdjson(body: Readable, maxChars: number): AsyncIterable<RawRecord[]> {
  const rest = new Pieces(); // the start of a line whose end has not arrived
  let row = 0;
  body.setEncoding('utf8');
  const parseLine = (line: string): RawRecord | null => {
    const trimmed = line.trim();
    if (!trimmed) return null;
    row += 1;
    try {
      return { row, value: JSON.parse(trimmed) };
    } catch (error) {
      return { row, value: null, parseError: (error as Error).message };
    }
  };
  for await (const chunk of body as AsyncIterable<string>) {
    const batch: RawRecord[] = [];
    let start = 0;
    for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
      if (rest.chars + end - start > maxChars) throw recordTooLarge(row + 1, maxChars);
      const record = parseLine(rest.take(chunk.slice(start, end)));
      if (record) batch.push(record);
      start = end + 1;
    }
    rest.add(chunk.slice(start));
    if (rest.chars > maxChars) throw recordTooLarge(row + 1, maxChars);
    if (batch.length > 0) yield batch;
  }
  const last = parseLine(rest.take());
  if (last) yield [last];
}

/**
 * Splits a top-level JSON array into its elements as they stream in (tracking strings, escapes and
 * nesting), and parses each element with JSON.parse. A malformed array structure stops the read.
 */
async function* readJsonArray(body: Readable, maxChars: number): AsyncIterable<RawRecord[]> {
  body.setEncoding('utf8');
  type State = 'start' | 'between' | 'element' | 'end';
  let state = 'start' as State;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const buffer = new Pieces(); // the start of an element cut across chunks
  let row = 0;
  const malformed = (message: string) =>
    new AppError('MALFORMED_BODY', `The body is not a valid JSON array: ${message}`, {
      problems: [{ row: row + 1, code: 'malformed_json', message }],
    });

  for await (const chunk of body as AsyncIterable<string>) {
    const batch: RawRecord[] = [];
    let elementStart = state === 'element' ? 0 : -1;
    /** The element ends before `i` (a comma or the closing bracket): parse it as the next row. */
    const endElement = (i: number) => {
      if (buffer.chars + i - elementStart > maxChars) throw recordTooLarge(row + 1, maxChars);
      const text = buffer.take(chunk.slice(elementStart, i));
      row += 1;
      batch.push(parseElement(text, row));
    };
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92 /* \ */) escaped = true;
          else if (c === 34 /* " */) inString = false;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth += 1;
        else if (c === 125 || c === 93) {
          if (depth === 0) {
            // the closing bracket of the array right after a scalar element
            if (c !== 93) throw malformed('unexpected "}"');
            endElement(i);
            state = 'end';
            continue;
          }
          depth -= 1;
        } else if (c === 44 /* , */ && depth === 0) {
          endElement(i);
          state = 'between';
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (state === 'start') {
        if (c !== 91) throw malformed('the body must start with "["');
        state = 'between';
      } else if (state === 'between') {
        if (c === 93 && row === 0) {
          state = 'end';
        } else {
          state = 'element';
          elementStart = i;
          depth = 0;
          i -= 1; // re-read this character inside the element
        }
      } else if (state === 'end') {
        throw malformed('unexpected content after the closing "]"');
      }
    }
    if (state === 'element') {
      buffer.add(chunk.slice(Math.max(elementStart, 0)));
      if (buffer.chars > maxChars) throw recordTooLarge(row + 1, maxChars);
    }
    if (batch.length > 0) yield batch;
  }
  if (state !== 'end') throw malformed('the array is not closed with "]"');
}

function parseElement(text: string, row: number): RawRecord {
  try {
    return { row, value: JSON.parse(text) };
  } catch (error) {
    return { row, value: null, parseError: (error as Error).message };
  }
}

/**
 * CSV records as they arrive. Lines without a quote (nearly all of a feed) are split by hand; a
 * record with quotes — including quoted line breaks — goes through csv-parse. Fields are trimmed,
 * blank lines skipped, a byte-order mark dropped. A record whose quoted field goes on over several
 * lines is kept as a list of lines with the parity of its quotes so far, so each line is counted
 * once, and it is joined when its quotes close.
 */
async function* readCsv(
  body: Readable,
  maxChars: number,
  columns: CsvColumns,
): AsyncIterable<RawRecord[]> {
  let header: string[] | null = null;
  let row = 0;
  const pending: string[] = []; // the lines of a record whose quoted field goes on
  let pendingChars = 0;
  let isQuoteOpen = false;
  const carry = new Pieces(); // the start of a line whose end has not arrived
  let isFirstChunk = true;
  /** The row number of the record being read (the header is row 0). */
  const nextRow = () => (header ? row + 1 : 0);

  const record = (text: string): string[] => {
    if (!text.includes('"')) return text.split(',').map((f) => f.trim());
    try {
      const parsed = parseCsvRecord(text, {
        trim: true,
        relax_column_count: true,
        max_record_size: maxChars,
      }) as string[][];
      return parsed[0] ?? [];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('MALFORMED_BODY', `The CSV cannot be read: ${message}`, {
        problems: [{ row: row + 1, code: 'malformed_csv', message }],
      });
    }
  };

  /** The record a line completes, or null (a header, a blank line, a quoted field going on). */
  function take(line: string): RawRecord | null {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let text = line;
    const hasQuote = line.includes('"');
    if (isQuoteOpen || hasQuote) {
      if (hasQuote && quoteCount(line) % 2 === 1) isQuoteOpen = !isQuoteOpen;
      pendingChars += line.length + (pending.length > 0 ? 1 : 0);
      if (pendingChars > maxChars) throw recordTooLarge(nextRow(), maxChars);
      pending.push(line);
      if (isQuoteOpen) return null; // inside a quoted field: the record goes on
      text = pending.length === 1 ? pending[0]! : pending.join('\n');
      pending.length = 0;
      pendingChars = 0;
    }
    if (text.trim() === '') return null;
    const fields = record(text);
    if (!header) {
      header = fields;
      checkHeader(header, columns);
      return null;
    }
    row += 1;
    if (fields.length !== header.length) {
      return {
        row,
        value: null,
        parseError: `expected ${header.length} columns, found ${fields.length}`,
      };
    }
    const value: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) value[header[i]!] = fields[i]!;
    return { row, value };
  }

  body.setEncoding('utf8');
  for await (let chunk of body as AsyncIterable<string>) {
    if (isFirstChunk) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      isFirstChunk = false;
    }
    let start = 0;
    const batch: RawRecord[] = [];
    for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
      if (carry.chars + end - start > maxChars) throw recordTooLarge(nextRow(), maxChars);
      const taken = take(carry.take(chunk.slice(start, end)));
      if (taken) batch.push(taken);
      start = end + 1;
    }
    carry.add(chunk.slice(start));
    if (carry.chars > maxChars) throw recordTooLarge(nextRow(), maxChars);
    if (batch.length > 0) yield batch;
  }
  const last = carry.isEmpty ? null : take(carry.take());
  if (last) yield [last];
  if (isQuoteOpen) {
    const message = 'a quoted field is not closed';
    throw new AppError('MALFORMED_BODY', `The CSV cannot be read: ${message}`, {
      problems: [{ row: row + 1, code: 'malformed_csv', message }],
    });
  }
  if (!header) {
    throw new AppError('VALIDATION_FAILED', 'The CSV is empty: expected a header row', {
      problems: [
        {
          row: 0,
          code: 'missing_header',
          message: `expected columns ${columns.all.join(',')}`,
        },
      ],
    });
  }
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n += 1;
  return n;
}

function checkHeader(header: string[], columns: CsvColumns): void {
  const known = new Set<string>(columns.all);
  const problems = [];
  for (const column of header) {
    if (!known.has(column)) {
      problems.push({
        row: 0,
        field: column,
        code: 'unknown_column',
        message: `unknown column "${column}"`,
      });
    }
  }
  for (const column of columns.all) {
    if (!columns.optional.includes(column) && !header.includes(column)) {
      problems.push({
        row: 0,
        field: column,
        code: 'missing_column',
        message: `missing column "${column}"`,
      });
    }
  }
  if (problems.length) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The CSV header is not right: ${problems.map((p) => p.message).join('; ')}`,
      {
        problems,
        expectedColumns: columns.all,
      },
    );
  }
}
