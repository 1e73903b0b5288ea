/**
 * Streaming readers for the actuals feed: JSON array, NDJSON and CSV. Each yields records with
 * their 1-based row number, never holding the whole body in memory.
 */
import type { Readable } from 'node:stream';
import { parse as parseCsvRecord } from 'csv-parse/sync';
import { AppError } from '../../../shared/errors';
import {
  OPTIONAL_TRANSACTION_COLUMNS,
  TRANSACTION_COLUMNS,
} from '../../../shared/schemas/transactions';

export type RawRecord = { row: number; value: unknown; parseError?: string };
export type IngestFormat = 'json' | 'ndjson' | 'csv';

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
): AsyncIterable<RawRecord[]> {
  switch (format) {
    case 'json':
      return readJsonArray(body);
    case 'ndjson':
      return readNdjson(body);
    case 'csv':
      return readCsv(body);
  }
}

/** The records of a body one by one. */
export async function* readRecords(format: IngestFormat, body: Readable): AsyncIterable<RawRecord> {
  for await (const batch of readRecordBatches(format, body)) yield* batch;
}

async function* readNdjson(body: Readable): AsyncIterable<RawRecord[]> {
  let rest = '';
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
    const text = rest + chunk;
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    const batch: RawRecord[] = [];
    for (const line of lines) {
      const record = parseLine(line);
      if (record) batch.push(record);
    }
    if (batch.length > 0) yield batch;
  }
  const last = parseLine(rest);
  if (last) yield [last];
}

/**
 * Splits a top-level JSON array into its elements as they stream in (tracking strings, escapes and
 * nesting), and parses each element with JSON.parse. A malformed array structure stops the read.
 */
async function* readJsonArray(body: Readable): AsyncIterable<RawRecord[]> {
  body.setEncoding('utf8');
  type State = 'start' | 'between' | 'element' | 'end';
  let state = 'start' as State;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let buffer = '';
  let row = 0;
  const malformed = (message: string) =>
    new AppError('MALFORMED_BODY', `The body is not a valid JSON array: ${message}`, {
      problems: [{ row: row + 1, code: 'malformed_json', message }],
    });

  for await (const chunk of body as AsyncIterable<string>) {
    const batch: RawRecord[] = [];
    let elementStart = state === 'element' ? 0 : -1;
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
            const text = buffer + chunk.slice(elementStart, i);
            buffer = '';
            row += 1;
            batch.push(parseElement(text, row));
            state = 'end';
            continue;
          }
          depth -= 1;
        } else if (c === 44 /* , */ && depth === 0) {
          const text = buffer + chunk.slice(elementStart, i);
          buffer = '';
          row += 1;
          batch.push(parseElement(text, row));
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
    if (state === 'element') buffer += chunk.slice(Math.max(elementStart, 0));
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
 * blank lines skipped, a byte-order mark dropped.
 */
async function* readCsv(body: Readable): AsyncIterable<RawRecord[]> {
  let header: string[] | null = null;
  let row = 0;
  let pending = ''; // a record whose quoted field continues on the next line
  let carry = '';
  let isFirstChunk = true;

  const record = (text: string): string[] => {
    if (!text.includes('"')) return text.split(',').map((f) => f.trim());
    try {
      const parsed = parseCsvRecord(text, { trim: true, relax_column_count: true }) as string[][];
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
    let text = pending ? `${pending}\n${line}` : line;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.includes('"') && quoteCount(text) % 2 === 1) {
      pending = text; // inside a quoted field: the record goes on
      return null;
    }
    pending = '';
    if (text.trim() === '') return null;
    const fields = record(text);
    if (!header) {
      header = fields;
      checkHeader(header);
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
  for await (const chunk of body as AsyncIterable<string>) {
    let text = carry + chunk;
    if (isFirstChunk) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      isFirstChunk = false;
    }
    let start = 0;
    const batch: RawRecord[] = [];
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const taken = take(text.slice(start, end));
      if (taken) batch.push(taken);
      start = end + 1;
    }
    carry = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  const last = carry ? take(carry) : null;
  if (last) yield [last];
  if (pending) {
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
          message: `expected columns ${TRANSACTION_COLUMNS.join(',')}`,
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

function checkHeader(header: string[]): void {
  const known = new Set<string>(TRANSACTION_COLUMNS);
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
  for (const column of TRANSACTION_COLUMNS) {
    if (!OPTIONAL_TRANSACTION_COLUMNS.includes(column) && !header.includes(column)) {
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
        expectedColumns: TRANSACTION_COLUMNS,
      },
    );
  }
}
