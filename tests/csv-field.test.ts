import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../src/server/db/db';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

/** Texts with every character CSV treats specially, JSON as the risk runs write it, and none. */
const TEXTS = [
  'plain',
  '',
  'a,b',
  'say "hi"',
  '""',
  '"',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  'NULL',
  '\\N',
  ' spaced ',
  JSON.stringify([{ kind: 'pace', text: '3 "Aura" units behind, 6 % → 80 %', units: 0.7 }]),
];

describe('csvField', () => {
  it('writes numbers, null and texts as PostgreSQL CSV reads them', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField('')).toBe('""');
    expect(csvField('say "hi", twice')).toBe('"say ""hi"", twice"');
    expect(csvField('plain')).toBe('plain');
  });
});

describe.each(engines())('csvField through COPY (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.exec('create table csv_round (id int primary key, value text, n float8)');
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reads back every text, null and number exactly', async () => {
    const lines = TEXTS.map((text, i) => `${i},${csvField(text)},${csvField(i / 3)}\n`);
    lines.push(`${TEXTS.length},${csvField(null)},${csvField(null)}\n`);
    await t.db.copyFrom('copy csv_round (id, value, n) from stdin with (format csv)', [
      lines.join(''),
    ]);
    const { rows } = await t.db.query<{ value: string | null; n: number | null }>(
      'select value, n from csv_round order by id',
    );
    expect(rows).toEqual([
      ...TEXTS.map((value, i) => ({ value, n: i / 3 })),
      { value: null, n: null },
    ]);
  });
});
