import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { floatArrayParser, integerArrayParser } from '../src/server/db/array-text';
import { seededRandom } from '../src/server/modules/forecasts/backtest/synthetic';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

/** The driver's own parser of a type (postgres.ts replaces them; a fresh registry has pg-types'). */
const driverParser = (oid: number): ((text: string) => unknown) =>
  // (its typing says the parser takes a number: it takes the column's text)
  new pg.TypeOverrides().getTypeParser(oid, 'text') as unknown as (text: string) => unknown;
const driverInt = driverParser(1007);
const driverFloat = driverParser(1231);
const fastInt = integerArrayParser(driverInt);
const fastFloat = floatArrayParser(driverFloat);

/** Texts of every form: the simple ones read here, the others handed to the driver's parser. */
const EDGES = [
  '{}',
  '{0}',
  '{-0}',
  '{1,-2,NULL,3}',
  '{2147483647,-2147483648}',
  '{9007199254740993,-123456789012345678}',
  '{1.5,NaN,Infinity,-Infinity,-0,1e-7,NULL}',
  '{ 1, 2 }',
  '{1,,2}',
  '{,}',
  '{"1","NULL",NULL}',
  '{{1,2},{3,NULL}}',
  '[0:2]={7,8,9}',
  '{1\\,2}',
  '{x,12abc}',
  '',
  '{',
];

describe('numeric array texts', () => {
  it("reads every form to the driver's values", () => {
    // what a parser gives, or the message it throws ('{': unbalanced)
    const outcome = (parse: (text: string) => unknown, text: string) => {
      try {
        return parse(text);
      } catch (error) {
        return { threw: (error as Error).message };
      }
    };
    for (const text of EDGES) {
      expect(outcome(fastInt, text), text).toEqual(outcome(driverInt, text));
      expect(outcome(fastFloat, text), text).toEqual(outcome(driverFloat, text));
    }
    expect(outcome(fastInt, '{')).toEqual({ threw: 'array dimension not balanced' });
    // −0 kept as −0 (toEqual tells them apart)
    expect(Object.is((fastFloat('{-0}') as number[])[0], -0)).toBe(true);
  });

  it('reads random arrays of integers and decimals as the driver does', () => {
    const random = seededRandom(3);
    for (let k = 0; k < 500; k += 1) {
      const n = Math.floor(random() * 40);
      const ints = Array.from({ length: n }, () =>
        random() < 0.05 ? 'NULL' : String(Math.round((random() - 0.5) * 10 ** (1 + random() * 9))),
      );
      const text = `{${ints.join(',')}}`;
      expect(fastInt(text)).toEqual(driverInt(text));
      const decimals = ints.map((v) => (v === 'NULL' ? v : `${v}.${Math.floor(random() * 100)}`));
      const decimalText = `{${decimals.join(',')}}`;
      expect(fastFloat(decimalText)).toEqual(driverFloat(decimalText));
    }
  });
});

/**
 * On the PostgreSQL server (the driver's parsers; PGlite reads arrays with its own): each column
 * as the app reads it equals the driver's own parser on the column's text.
 */
describe.each(engines().filter((e) => e === 'postgres'))('numeric arrays from %s', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reads int2, int4, oid, float and numeric arrays, empty, with NULLs and nested', async () => {
    const columns: Record<string, [string, (text: string) => unknown]> = {
      i4: ['array[1, -2, null, 2147483647]::int4[]', driverInt],
      empty: [`'{}'::int4[]`, driverInt],
      i2: ['array[3, -4]::int2[]', driverParser(1005)],
      oids: ['array[5]::oid[]', driverParser(1028)],
      f8: ['array[1.25, null, -0.5]::float8[]', driverParser(1022)],
      f4: ['array[0.5]::float4[]', driverParser(1021)],
      num: ['array[32114.08, -0.05, null]::numeric[]', driverFloat],
      nested: ['array[[1, 2], [3, 4]]::int4[]', driverInt],
      bounded: [`'[0:1]={7,8}'::int4[]`, driverInt],
    };
    const select = Object.entries(columns)
      .map(([name, [sql]]) => `${sql} as ${name}, (${sql})::text as ${name}_text`)
      .join(', ');
    const { rows } = await t.db.query<Record<string, unknown>>(`select ${select}`);
    for (const [name, [, driver]] of Object.entries(columns))
      expect(rows[0]![name], name).toEqual(driver(rows[0]![`${name}_text`] as string));
    expect(rows[0]!.i4).toEqual([1, -2, null, 2147483647]);
    expect(rows[0]!.num).toEqual([32114.08, -0.05, null]);
  });
});
