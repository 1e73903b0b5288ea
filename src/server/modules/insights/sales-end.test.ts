/**
 * A model line's planned end of sale (sales-end.ts, issue 14 §1): the months after it expect no
 * units and no spread, on the line and on the agreement's totals, with a `sales_end` driver so the
 * drivers still add up to the gap; the past points of a term seen for the first time apply the
 * plan known now; a program tier's window total loses its ending lines' forecasts after their
 * ends (totalSalesEnd, endingLines; end to end in tests/insights-program-risk-sales-end.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { auraAgreement, HISTORY, lineHistory } from './test-fixtures';
import { addMonths } from '../../../shared/months';
import { assessAgreement } from './agreement-risk';
import { assessCommitment } from './assess';
import type { RiskWrite } from './insights.repository';
import { remainingForecast } from './risk-model';
import {
  backtestKeep,
  endingLines,
  endsWithin,
  keepUntil,
  SALES_END_NOTICE_MONTHS,
  totalSalesEnd,
  type SalesEnds,
} from './sales-end';

const history = HISTORY;
const line = lineHistory('1000000.00');
const agreement = auraAgreement({ aura: Array(12).fill(9), flint: Array(12).fill(9) });
// 2023-01 … 2026-03: the term's first three months are complete as of April 2026.
const histories = new Map([
  [1, line],
  [2, line],
]);
const options = { today: '2026-04-20', currency: 'USD', basis: '2026-04', asOf: '2026-03-31' };
const salesEnds: SalesEnds = {
  lines: new Map([['ML-FLINT', { name: 'Flint', on: '2026-07-15' }]]),
  skus: new Map([['FLINT-X', 'ML-FLINT']]),
};

const additiveSum = (r: RiskWrite) =>
  (r.drivers as { units: number; additive?: boolean }[])
    .filter((d) => d.additive !== false)
    .reduce((s, d) => s + d.units, 0);
const driver = (r: RiskWrite, kind: string) =>
  (r.drivers as { kind: string; units: number; text: string }[]).find((d) => d.kind === kind);

describe('keepUntil / endsWithin', () => {
  it('keeps the months before the end, the days up to it in its month, nothing after', () => {
    expect(keepUntil('2026-07-15', '2026-05', 5)).toEqual([1, 1, 15 / 31, 0, 0]);
    expect(keepUntil('2026-03-31', '2026-05', 2)).toEqual([0, 0]);
    expect(endsWithin('2026-07-15', '2026-04', 9)).toBe(true);
    expect(endsWithin('2026-12-31', '2026-04', 9)).toBe(false);
    expect(endsWithin('2027-03-01', '2026-04', 9)).toBe(false);
  });
});

describe('a line whose sale ends mid-term', () => {
  const before = assessAgreement(agreement, histories, options);
  const after = assessAgreement(agreement, histories, { ...options, salesEnds });
  const [totalBefore, auraBefore, flintBefore] = before;
  const [totalAfter, auraAfter, flintAfter] = after;

  it('expects no units after the end: a lower outcome and probability', () => {
    // July keeps 15 of its 31 days, August to December nothing: about 5.5 of the 9 months lost.
    expect(flintAfter!.expected).toBeLessThan(flintBefore!.expected - 40);
    expect(flintAfter!.probability).toBeLessThan(flintBefore!.probability);
    expect(flintAfter!.upper80).toBeLessThan(flintBefore!.upper80);
    // The other line is untouched; the totals lose exactly what the ending line loses.
    expect(auraAfter).toEqual(auraBefore);
    expect(totalAfter!.expected).toBeCloseTo(
      totalBefore!.expected - (flintBefore!.expected - flintAfter!.expected),
      6,
    );
  });

  it('names the end as a driver, and the drivers still add up to the gap', () => {
    const own = driver(flintAfter!, 'sales_end');
    expect(own?.text).toMatch(/^Flint ends sale on 2026-07-15: [\d.]+ units fewer/);
    expect(own!.units).toBeCloseTo(flintBefore!.expected - flintAfter!.expected, 1);
    expect(driver(totalAfter!, 'sales_end')?.units).toBeCloseTo(own!.units, 1);
    expect(driver(flintBefore!, 'sales_end')).toBeUndefined();
    // The trend is still against the forecast before the end.
    expect(driver(flintAfter!, 'last_year')!.units).toBeCloseTo(
      driver(flintBefore!, 'last_year')!.units,
      0,
    );
    for (const r of after) {
      const gap = Math.round((r.commitment - r.expected) * 10) / 10;
      expect(additiveSum(r)).toBeCloseTo(gap, 6);
    }
  });

  it('changes nothing when the end is after the term', () => {
    const later: SalesEnds = {
      ...salesEnds,
      lines: new Map([['ML-FLINT', { name: 'Flint', on: '2027-02-28' }]]),
    };
    expect(assessAgreement(agreement, histories, { ...options, salesEnds: later })).toEqual(before);
  });
});

describe('assessCommitment after the end', () => {
  it('has neither units nor spread once every remaining month is past the end', () => {
    const a = assessCommitment({
      label: 'Flint',
      history,
      plannedByMonth: Array(12).fill(9),
      elapsed: 3,
      salesEnd: { ends: [{ label: 'Flint', on: '2026-03-31' }], keep: Array(9).fill(0) },
    });
    expect(a.expected).toBe(a.toDate);
    expect(a.lower80).toBe(a.toDate);
    expect(a.upper80).toBe(a.toDate);
    expect(a.drivers.find((d) => d.kind === 'sales_end')!.units).toBeGreaterThan(80);
  });
});

describe('backtestKeep (insights:backtest --demo)', () => {
  const flat = (months: number) => Array<number>(months).fill(10);
  const lineForecast = (_: number[], months: number) => flat(months);
  it(`knows an end only from ${SALES_END_NOTICE_MONTHS} months before the first month without sales`, () => {
    // Last month of sale: index 30; the first month without: 31.
    const ends = [{ last: 30 }];
    const now = 31 - SALES_END_NOTICE_MONTHS;
    expect(backtestKeep(ends, now - 1, flat(14), lineForecast, 48)).toBeUndefined();
    expect(backtestKeep(ends, now, flat(14), lineForecast, 48)).toEqual([
      ...Array(12).fill(1),
      0,
      0,
    ]);
    // Known, but the end is the term's last month: nothing changes.
    expect(backtestKeep(ends, 19, flat(12), lineForecast, 48)).toBeUndefined();
    expect(backtestKeep(ends, 25, flat(12), lineForecast, 48)).toEqual([
      1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    ]);
  });
  it("takes an ending line's own forecast off a total after the end", () => {
    const line = Array<number>(40).fill(4);
    const keep = backtestKeep(
      [{ last: 30, values: line }],
      28,
      flat(6),
      (h, m) => Array(m).fill(h[0]!),
      48,
    );
    expect(keep).toEqual([1, 1, 1, 0.6, 0.6, 0.6]);
  });
});

describe('the past points of a term seen for the first time (backfill)', () => {
  const past = (ends?: SalesEnds) =>
    assessAgreement(agreement, histories, {
      ...options,
      backfill: true,
      ...(ends ? { salesEnds: ends } : {}),
    })[0]!.past!;
  // The lines' histories as the agreement sees them: 2023-04 … 2026-03.
  const seen = history.slice(3);

  it("apply the end as planned now: each point loses the ending line's own forecast after it", () => {
    const without = past();
    const ended = past(salesEnds);
    expect(ended.map((p) => p.day)).toEqual(['2026-02-01', '2026-03-01']);
    expect(ended.map((p) => p.day)).toEqual(without.map((p) => p.day));
    for (const [k, point] of ended.entries()) {
      // as of month e: Flint's forecast of the term's remaining months from its history then
      const e = k + 1;
      const remaining = 12 - e;
      const forecast = remainingForecast(seen.slice(0, seen.length - (3 - e)), remaining);
      const keep = keepUntil('2026-07-15', addMonths('2026-01', e), remaining);
      const lost = forecast.reduce((s, f, h) => s + f * (1 - keep[h]!), 0);
      expect(lost).toBeGreaterThan(40);
      expect(without[k]!.expected - point.expected).toBeCloseTo(lost, 6);
      expect(point.probability).toBeLessThan(without[k]!.probability);
    }
  });

  it('are unchanged by an end after the term', () => {
    const later: SalesEnds = {
      ...salesEnds,
      lines: new Map([['ML-FLINT', { name: 'Flint', on: '2027-02-28' }]]),
    };
    expect(past(later)).toEqual(past());
  });
});

describe('totalSalesEnd / endingLines (a program tier window total)', () => {
  const line = (code: string) => ({ targetKind: 'model_line', targetCode: code });
  it("takes each ending line's forecast after its end off, naming only lines that lose units", () => {
    const ends: SalesEnds = {
      lines: new Map([
        ['ML-FLINT', { name: 'Flint', on: '2026-05-15' }],
        ['ML-GONE', { name: 'Gone', on: '2024-06-30' }],
      ]),
      skus: new Map(),
    };
    let asked = 0;
    const total = totalSalesEnd(
      ends,
      [
        { target: line('ML-FLINT'), forecast: () => [4, 6, 8] },
        { target: line('ML-GONE'), forecast: () => [0.01, 0.01, 0.01] },
        { target: line('ML-AURA'), forecast: () => [(asked += 1), 0, 0] },
      ],
      '2026-04',
      3,
    );
    expect(asked).toBe(0);
    expect(total!.ends).toEqual([{ label: 'Flint', on: '2026-05-15' }]);
    expect(total!.lost![0]).toBe(0);
    expect(total!.lost![1]).toBeCloseTo(6 * (16 / 31), 12);
    expect(total!.lost![2]).toBe(8);
    expect(
      endingLines(
        ends,
        [
          { id: 1, modelLineCode: 'ML-AURA' },
          { id: 3, modelLineCode: 'ML-GONE' },
          { id: 2, modelLineCode: 'ML-FLINT' },
          { id: 4, modelLineCode: 'ML-FLINT' },
        ],
        '2026-04',
        3,
      ),
    ).toEqual([
      { code: 'ML-FLINT', skuIds: [2, 4] },
      { code: 'ML-GONE', skuIds: [3] },
    ]);
  });
});
