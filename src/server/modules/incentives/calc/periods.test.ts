import { describe, expect, it } from 'vitest';
import {
  classifyArrival,
  findSettlementPeriod,
  findWindow,
  listSettlementPeriods,
  listWindows,
  priorYearRange,
  quarterLabel,
  resolvePeriod,
} from './periods';
import { makeProgram } from './test-fixtures';

describe('windows', () => {
  it('months are clipped to the program dates', () => {
    const program = makeProgram({
      startDate: '2026-01-15',
      endDate: '2026-03-10',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
    });
    expect(listWindows({ program })).toEqual([
      { label: '2026-01', start: '2026-01-15', end: '2026-01-31' },
      { label: '2026-02', start: '2026-02-01', end: '2026-02-28' },
      { label: '2026-03', start: '2026-03-01', end: '2026-03-10' },
    ]);
  });

  it('quarters and the whole program', () => {
    const quarterly = makeProgram({ startDate: '2025-11-01', endDate: '2026-04-30' });
    expect(listWindows({ program: quarterly }).map((w) => [w.label, w.start, w.end])).toEqual([
      ['2025-Q4', '2025-11-01', '2025-12-31'],
      ['2026-Q1', '2026-01-01', '2026-03-31'],
      ['2026-Q2', '2026-04-01', '2026-04-30'],
    ]);
    const whole = makeProgram({ measurementPeriod: 'program', payoutFrequency: 'program' });
    expect(listWindows({ program: whole })).toEqual([
      { label: 'program', start: '2026-01-01', end: '2026-03-31' },
    ]);
  });

  it('fiscal quarters follow the fiscal year start, named after the year they end in', () => {
    expect(quarterLabel('2025-10', 10)).toBe('2026-Q1');
    expect(quarterLabel('2026-01', 10)).toBe('2026-Q2');
    expect(quarterLabel('2026-09', 10)).toBe('2026-Q4');
    expect(quarterLabel('2026-09')).toBe('2026-Q3');
    const program = makeProgram({ startDate: '2025-10-01', endDate: '2026-03-31' });
    expect(listWindows({ program, fiscalYearStartMonth: 10 }).map((w) => w.label)).toEqual([
      '2026-Q1',
      '2026-Q2',
    ]);
  });

  it('finds the window of a date, none outside the program', () => {
    const program = makeProgram();
    expect(findWindow({ program, date: '2026-02-28' })?.label).toBe('2026-Q1');
    expect(findWindow({ program, date: '2026-04-01' })).toBeNull();
  });

  it('the prior-year range shifts by one year (29 February becomes 28 February)', () => {
    expect(
      priorYearRange({ window: { label: '2028-02', start: '2028-02-01', end: '2028-02-29' } }),
    ).toEqual({ start: '2027-02-01', end: '2027-02-28' });
  });
});

describe('settlement periods', () => {
  it('program measured, paid monthly: cumulative from the program start', () => {
    const program = makeProgram({
      measurementPeriod: 'program',
      payoutFrequency: 'month',
      graceDays: 10,
    });
    const periods = listSettlementPeriods({ program });
    expect(
      periods.map((p) => [p.period, p.window.label, p.periodStart, p.cutoff, p.graceUntil]),
    ).toEqual([
      ['2026-01', 'program', '2026-01-01', '2026-01-31', '2026-02-10'],
      ['2026-02', 'program', '2026-02-01', '2026-02-28', '2026-03-10'],
      ['2026-03', 'program', '2026-03-01', '2026-03-31', '2026-04-10'],
    ]);
    expect(periods.every((p) => p.isCumulative)).toBe(true);
  });

  it('quarter measured, paid monthly: cumulative within each quarter', () => {
    const program = makeProgram({ endDate: '2026-06-30', payoutFrequency: 'month' });
    const periods = listSettlementPeriods({ program });
    expect(periods.map((p) => `${p.period}@${p.window.label}`)).toEqual([
      '2026-01@2026-Q1',
      '2026-02@2026-Q1',
      '2026-03@2026-Q1',
      '2026-04@2026-Q2',
      '2026-05@2026-Q2',
      '2026-06@2026-Q2',
    ]);
    expect(periods[3]?.window.start).toBe('2026-04-01');
  });

  it('each measured window settles on its own when the frequencies match', () => {
    const periods = listSettlementPeriods({ program: makeProgram() });
    expect(periods).toHaveLength(1);
    expect(periods[0]).toMatchObject({
      period: '2026-Q1',
      isCumulative: false,
      cutoff: '2026-03-31',
    });
  });

  it('resolves a label or fails with the field path and the valid labels', () => {
    const program = makeProgram({ measurementPeriod: 'program', payoutFrequency: 'quarter' });
    expect(resolvePeriod({ program, period: '2026-Q1' }).window.label).toBe('program');
    try {
      resolvePeriod({ program, period: '2026-03' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          problems: [
            { path: 'period', code: 'invalid_period', message: 'expected one of 2026-Q1' },
          ],
        },
      });
    }
  });

  it('finds the period containing a date (first before, last after the program)', () => {
    const program = makeProgram({ measurementPeriod: 'program', payoutFrequency: 'month' });
    expect(findSettlementPeriod({ program, date: '2026-02-14' }).period).toBe('2026-02');
    expect(findSettlementPeriod({ program, date: '2025-12-01' }).period).toBe('2026-01');
    expect(findSettlementPeriod({ program, date: '2026-07-01' }).period).toBe('2026-03');
  });
});

describe('grace days', () => {
  const program = makeProgram({
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    graceDays: 3,
  });
  const [january] = listSettlementPeriods({ program });

  it('counts a transaction dated inside that arrives up to graceDays after the end', () => {
    const settlement = january!;
    expect(classifyArrival({ settlement, occurredOn: '2026-01-31', arrivedOn: '2026-02-03' })).toBe(
      'counts',
    );
    expect(classifyArrival({ settlement, occurredOn: '2026-01-31', arrivedOn: '2026-02-04' })).toBe(
      'late',
    );
    expect(classifyArrival({ settlement, occurredOn: '2026-02-01', arrivedOn: '2026-02-01' })).toBe(
      'outside',
    );
  });
});
