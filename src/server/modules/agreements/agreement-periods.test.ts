import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  paceFigures,
  completeMonths,
  fiscalQuarterLabel,
  periodIndexOf,
  pct,
  runRateProjection,
  seasonalWeights,
  spreadTotal,
  termPeriods,
  termProblem,
} from './agreement-periods';

describe('agreement periods', () => {
  it('lists monthly and fiscal-quarter periods of a term', () => {
    expect(
      termPeriods({
        startMonth: '2026-11',
        months: 3,
        frequency: 'monthly',
        fiscalYearStartMonth: 1,
      }).map((p) => p.label),
    ).toEqual(['2026-11', '2026-12', '2027-01']);
    const q = termPeriods({
      startMonth: '2026-04',
      months: 12,
      frequency: 'quarterly',
      fiscalYearStartMonth: 4,
    });
    expect(q.map((p) => p.label)).toEqual(['2027-Q1', '2027-Q2', '2027-Q3', '2027-Q4']);
    expect(q[3]).toMatchObject({ firstMonth: '2027-01', lastMonth: '2027-03' });
    expect(fiscalQuarterLabel('2026-03', 1)).toBe('2026-Q1');
  });

  it('refuses quarterly terms that do not align to fiscal quarters', () => {
    expect(
      termProblem({
        startMonth: '2026-05',
        months: 12,
        frequency: 'quarterly',
        fiscalYearStartMonth: 4,
      }),
    ).toMatch(/first month/);
    expect(
      termProblem({
        startMonth: '2026-04',
        months: 10,
        frequency: 'quarterly',
        fiscalYearStartMonth: 4,
      }),
    ).toMatch(/whole number/);
    expect(
      termProblem({
        startMonth: '2026-05',
        months: 7,
        frequency: 'monthly',
        fiscalYearStartMonth: 4,
      }),
    ).toBeNull();
  });

  it('maps months to period indexes', () => {
    expect(periodIndexOf('2026-06', '2026-04', 12, 'quarterly')).toBe(0);
    expect(periodIndexOf('2026-07', '2026-04', 12, 'quarterly')).toBe(1);
    expect(periodIndexOf('2026-03', '2026-04', 12, 'monthly')).toBe(-1);
    expect(periodIndexOf('2027-04', '2026-04', 12, 'monthly')).toBe(-1);
  });

  it('spreads a total exactly', () => {
    expect(spreadTotal(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(spreadTotal(7, [0, 0])).toEqual([4, 3]);
    expect(spreadTotal(100, [1, 3])).toEqual([25, 75]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 24 }),
        (total, weights) => {
          const parts = spreadTotal(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          expect(parts.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('weighs periods by the history of their calendar months', () => {
    const periods = termPeriods({
      startMonth: '2026-01',
      months: 3,
      frequency: 'monthly',
      fiscalYearStartMonth: 1,
    });
    expect(
      seasonalWeights(
        periods,
        new Map([
          [1, 10],
          [2, 20],
          [3, 30],
        ]),
      ),
    ).toEqual([10, 20, 30]);
    expect(seasonalWeights(periods, new Map())).toEqual([1, 1, 1]);
    expect(
      spreadTotal(
        12,
        seasonalWeights(
          periods,
          new Map([
            [1, 10],
            [2, 20],
            [3, 30],
          ]),
        ),
      ),
    ).toEqual([2, 4, 6]);
  });

  it('projects by run rate from complete months', () => {
    expect(completeMonths('2026-01', 12, '2026-04-15')).toBe(3);
    expect(completeMonths('2026-06', 12, '2026-04-15')).toBe(0);
    expect(runRateProjection(30, 3, 12)).toBe(120);
    expect(runRateProjection(30, 0, 12)).toBeNull();
    expect(runRateProjection(130, 12, 12)).toBe(130);
    expect(pct(1, 3)).toBe(33.3);
    expect(pct(1, 0)).toBeNull();
  });
});

describe('pace figures', () => {
  const periods = termPeriods({
    startMonth: '2026-01',
    months: 12,
    frequency: 'monthly',
    fiscalYearStartMonth: 1,
  });
  const planned = periods.map(() => 10);
  it('weights the current period by the elapsed days and projects at the pace so far', () => {
    const actual = [12, 9, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const f = paceFigures({ periods, planned, actual, today: '2026-03-15' });
    // Jan and Feb in full, 15 of 31 days of March
    expect(f.plannedToDate).toBe(Math.round(20 + (10 * 15) / 31));
    expect(f.actualToDate).toBe(27);
    expect(f.gap).toBe(27 - f.plannedToDate);
    // 73 days elapsed of 365
    expect(f.projectedTotal).toBe(Math.round((27 * 365) / 74));
    expect(f.elapsed.slice(0, 4)).toEqual([1, 1, 15 / 31, 0]);
  });
  it('has no projection in the first two weeks and the actual once the term is over', () => {
    expect(
      paceFigures({ periods, planned, actual: planned.map(() => 0), today: '2026-01-05' })
        .projectedTotal,
    ).toBeNull();
    const done = paceFigures({
      periods,
      planned,
      actual: planned.map(() => 11),
      today: '2027-02-01',
    });
    expect(done).toMatchObject({
      plannedToDate: 120,
      actualToDate: 132,
      projectedTotal: 132,
      attainmentPct: 110,
      projectedAttainmentPct: 110,
    });
  });
});
