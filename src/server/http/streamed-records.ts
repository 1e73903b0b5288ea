/**
 * The record loop of a feed whose body streams through its service (the vehicle pipeline, the
 * market feed; see streaming-ingest.ts for the HTTP side): the body read under its byte limit in
 * the feed's own columns, each record parsed and validated, every problem collected by row (the
 * first MAX_LISTED_PROBLEMS listed, all counted), and each valid row handed to the feed.
 */
import type { Readable } from 'node:stream';
import { AppError, type Problem } from '../../shared/errors';
import {
  readRecordBatches,
  type IngestFormat,
  type RawRecord,
} from '../modules/transactions/ingest-parsers';

export const MAX_LISTED_PROBLEMS = 1000;

/** Problems of a batch: the first MAX_LISTED_PROBLEMS kept, all counted. */
export function createProblemList() {
  const list = {
    problems: [] as Problem[],
    count: 0,
    add(p: Problem) {
      list.count += 1;
      if (list.problems.length < MAX_LISTED_PROBLEMS) list.problems.push(p);
    },
    /** The answer to a batch with problems: nothing of it is stored. */
    rejection() {
      return new AppError(
        'VALIDATION_FAILED',
        `The batch was not stored: ${list.count} problem${list.count === 1 ? '' : 's'} in its rows`,
        { problems: list.problems, problemCount: list.count },
      );
    },
  };
  return list;
}

export type ProblemList = ReturnType<typeof createProblemList>;

/** The body, failing with PAYLOAD_TOO_LARGE once more than `limit` bytes have been read. */
export function limitBytes(body: Readable, limit: number): Readable {
  let seen = 0;
  body.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit)
      body.destroy(
        new AppError(
          'PAYLOAD_TOO_LARGE',
          `The body is larger than ${Math.round(limit / 1048576)} MB`,
          { limitBytes: limit },
        ),
      );
  });
  return body;
}

/**
 * Reads every record of the body (a stream in `format`, or records already parsed), validates
 * each with `validate` (which adds its problems to the list it is given and returns null on any)
 * and hands each valid row to `onRow` with its row number. Returns how many records came.
 */
export async function forEachValidRecord<T>(input: {
  format: IngestFormat;
  body: Readable | AsyncIterable<RawRecord>;
  byteLimit: number;
  columns: { all: readonly string[]; optional: readonly string[] };
  problems: ProblemList;
  validate: (value: unknown, row: number, problems: Problem[]) => T | null;
  onRow: (row: T, rowNumber: number) => void;
  /**
   * Awaited after each batch of records (one chunk of the body): a feed that writes as it reads
   * waits here for room, and lets its writes' answers in (a body already in memory is otherwise
   * parsed to the end before any I/O is seen).
   */
  afterBatch?: () => Promise<void>;
}): Promise<number> {
  const { format, body, problems } = input;
  const batches: AsyncIterable<RawRecord[]> =
    'pipe' in body
      ? readRecordBatches(format, limitBytes(body, input.byteLimit), undefined, input.columns)
      : (async function* () {
          for await (const r of body) yield [r];
        })();
  let received = 0;
  const scratch: Problem[] = [];
  for await (const batch of batches) {
    for (const record of batch) {
      received += 1;
      if (record.parseError) {
        problems.add({
          row: record.row,
          code: format === 'csv' ? 'malformed_csv_row' : 'malformed_json',
          message: record.parseError,
        });
        continue;
      }
      scratch.length = 0;
      const row = input.validate(record.value, record.row, scratch);
      if (!row) {
        scratch.forEach(problems.add);
        continue;
      }
      input.onRow(row, record.row);
    }
    if (input.afterBatch) await input.afterBatch();
  }
  return received;
}
