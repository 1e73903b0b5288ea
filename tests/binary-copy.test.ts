import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTextReader,
  readBinaryCopy,
  readDateDay,
  readInt4,
  readInt8,
  readNumericScaled,
  readNumericText,
  readTimestampDay,
} from '../src/server/db/binary-copy';
import { dayNumber } from '../src/server/modules/incentives/calc/dates';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

/** Rows chosen for the edges of each decoder. */
const ROWS = [
  // id, n, amount, kind, on, at
  [1, 7, '32114.08', 'retail_delivery', '2026-01-31', '2026-02-01T00:00:00Z'],
  [2, -3, '-0.05', 'unwind', '2026-02-28', '2026-02-28T23:59:59.999999Z'],
  [3, 0, '0.00', 'invoice', '1999-12-31', '1999-12-31T23:59:59.999999Z'],
  [5, -2147483648, '-12345678.90', 'wholesale_order', '1970-01-01', '1969-12-31T23:59:59Z'],
  [6, 1, '10000.00', 'unwind', '2024-02-29', '2038-01-19T03:14:08Z'],
  [7, 1, '0.10', 'invoice', '2026-11-28', '2026-11-28T12:00:00+05:00'],
  [
    9007199254740991,
    2147483647,
    '99999999999999.99',
    'registration',
    '2000-01-01',
    '2000-01-01T00:00:00Z',
  ],
] as const;

const SELECT = `copy (select id, n, amount, kind, on_date, at_time from copy_edges order by id) to stdout with (format binary)`;

describe.each(engines())('binary COPY reader (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.exec(
      `create table copy_edges (id bigint, n int, amount numeric(16, 2), kind text, on_date date, at_time timestamptz)`,
    );
    for (const r of ROWS) {
      await t.db.query(`insert into copy_edges values ($1, $2, $3, $4, $5, $6)`, [...r]);
    }
  });
  afterAll(async () => t?.drop());

  async function bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of t.db.copyTo(SELECT)) parts.push(chunk);
    return Buffer.concat(parts);
  }

  it('decodes every field as the database prints it, whatever the chunk boundaries', async () => {
    const expected = await t.db.query<{ id: number; at: string; day: string }>(
      `select id, to_char(at_time at time zone 'UTC', 'YYYY-MM-DD') as day from copy_edges order by id`,
    );
    const all = await bytes();
    const readText = createTextReader();
    // Whole, then cut into pieces of every small size (boundaries fall inside headers, lengths and values).
    for (const size of [all.length, 1, 2, 3, 5, 7, 13, 64]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      const seen: unknown[][] = [];
      const count = await readBinaryCopy(
        (async function* () {
          yield* chunks;
        })(),
        6,
        (row) => {
          seen.push([
            readInt8(row, 0),
            readInt4(row, 1),
            readNumericText(row, 2),
            readNumericScaled(row, 2, 2),
            readText(row, 3),
            readDateDay(row, 4),
            readTimestampDay(row, 5),
          ]);
        },
      );
      expect(count, `chunks of ${size}`).toBe(ROWS.length);
      expect(seen, `chunks of ${size}`).toEqual(
        ROWS.map((r, i) => [
          r[0],
          r[1],
          r[2],
          r[2] === '99999999999999.99' ? null : Math.round(Number(r[2]) * 100),
          r[3],
          dayNumber(r[4]),
          dayNumber(expected.rows[i]!.day),
        ]),
      );
    }
  });

  it('gives null for a scaled numeric with more decimals than the scale', async () => {
    const parts: Uint8Array[] = [];
    for await (const chunk of t.db.copyTo(
      `copy (select 1.005::numeric, 123456789.5::numeric, 0.5::numeric) to stdout with (format binary)`,
    ))
      parts.push(chunk);
    const values: unknown[] = [];
    await readBinaryCopy(
      (async function* () {
        yield Buffer.concat(parts);
      })(),
      3,
      (row) =>
        values.push(
          readNumericScaled(row, 0, 2),
          readNumericScaled(row, 1, 1),
          readNumericScaled(row, 2, 0),
        ),
    );
    expect(values).toEqual([null, 1234567895, null]);
  });

  it('rejects a stream that ends inside a row', async () => {
    const all = await bytes();
    await expect(
      readBinaryCopy(
        (async function* () {
          yield all.subarray(0, all.length - 10);
        })(),
        6,
        () => undefined,
      ),
    ).rejects.toThrow(/ended early/);
  });
});
