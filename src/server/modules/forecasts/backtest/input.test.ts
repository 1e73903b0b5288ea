import { describe, expect, it } from 'vitest';
import {
  BacktestInputError,
  m3BacktestSeries,
  parseFredCsv,
  parseLongCsv,
  parseM3Wide,
} from './input';

function inputError(run: () => unknown): BacktestInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BacktestInputError) return error;
    throw error;
  }
  throw new Error('expected a BacktestInputError');
}

describe('parseLongCsv', () => {
  it('reads series, fills missing months with zero up to the last period of the file', () => {
    const series = parseLongCsv(
      ['series,period,quantity', 'A,2024-01,5', 'A,2024-03,7', 'B,2024-02,1.5', 'B,2024-04,2'].join(
        '\n',
      ),
    );
    expect(series).toEqual([
      { id: 'A', values: [5, 0, 7, 0], start: { year: 2024, month: 1 } },
      { id: 'B', values: [1.5, 0, 2], start: { year: 2024, month: 2 } },
    ]);
  });
  it('accepts any column order, spaces and a BOM', () => {
    const series = parseLongCsv('\uFEFFquantity, period ,series\n3, 2023-12 ,X\n');
    expect(series[0]).toEqual({ id: 'X', values: [3], start: { year: 2023, month: 12 } });
  });
  it.each([
    ['A,2024-13,5', 2, /period "2024-13"/],
    ['A,2024/02,5', 2, /period "2024\/02"/],
    ['A,24-02,5', 2, /YYYY-MM/],
    ['A,2024-02,-1', 2, /negative/],
    ['A,2024-02,abc', 2, /not a number/],
    ['A,2024-02,', 2, /not a number/],
    [',2024-02,1', 2, /series is empty/],
  ])('rejects %s naming data row %i', (line, row, message) => {
    const error = inputError(() => parseLongCsv(`series,period,quantity\nA,2024-01,1\n${line}\n`));
    expect(error.row).toBe(row);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(new RegExp(`^row ${row}:`));
  });
  it('rejects duplicate (series, period) rows, naming both rows', () => {
    const error = inputError(() =>
      parseLongCsv('series,period,quantity\nA,2024-01,1\nB,2024-01,1\nA,2024-01,2\n'),
    );
    expect(error.row).toBe(3);
    expect(error.message).toMatch(/duplicate.*"A".*2024-01.*row 1/);
  });
  it('rejects a missing column or an empty file', () => {
    expect(inputError(() => parseLongCsv('series,month,quantity\nA,2024-01,1')).message).toMatch(
      /missing column "period"/,
    );
    expect(inputError(() => parseLongCsv('')).row).toBe(0);
    expect(inputError(() => parseLongCsv('series,period,quantity\n')).message).toMatch(
      /no data rows/,
    );
  });
});

describe('parseM3Wide and the M3 protocol', () => {
  const header = 'series_id,category,n_obs,horizon,start_year,start_month,values';
  const values = Array.from({ length: 70 }, (_, t) => t + 1);
  const text = `${header}\nN1,MICRO,70,18,1990,1,"${values.join(' ')}"\nN2,MICRO,60,18,1990,1,"${values.slice(0, 60).join(' ')}"\n`;
  it('keeps series with at least `history` months before the hold-out, cut to history + horizon', () => {
    const series = m3BacktestSeries(parseM3Wide(text), 12, 48);
    expect(series.map((s) => s.id)).toEqual(['N1']);
    // 52 months before the hold-out: the last 48 of them (values 5..52) and the first 12 hold-out months.
    expect(series[0]!.values).toEqual(values.slice(4, 64));
    expect(series[0]!.start).toEqual({ year: 1990, month: 5 });
  });
  it('names the row of a bad value', () => {
    const error = inputError(() => parseM3Wide(`${header}\nN1,MICRO,3,1,1990,1,"1 x 3"\n`));
    expect(error.row).toBe(1);
    expect(error.message).toMatch(/value 2 "x"/);
  });
});

describe('parseFredCsv', () => {
  it('reads DATE,VALUE files with day-precision or month dates and any header names', () => {
    expect(
      parseFredCsv('DATE,TOTALNSA\n1976-01-01,885.2\n1976-02-01,994.7\n', 'us').values,
    ).toEqual([885.2, 994.7]);
    const quebec = parseFredCsv('"Month","Sales"\n"1960-01",6550\n"1960-03",8728\n', 'qc');
    expect(quebec.values).toEqual([6550, 0, 8728]);
    expect(quebec.start).toEqual({ year: 1960, month: 1 });
  });
  it('rejects bad dates and duplicate months with the row', () => {
    expect(inputError(() => parseFredCsv('d,v\n1960-13,1\n', 'x')).row).toBe(1);
    const duplicate = inputError(() =>
      parseFredCsv('d,v\n1960-01-01,1\n1960-02-01,1\n1960-01-15,2\n', 'x'),
    );
    expect(duplicate.row).toBe(3);
    expect(duplicate.message).toMatch(/duplicate month 1960-01/);
  });
});
