import { describe, expect, it } from 'vitest';
import { periodTone, toDateColor } from './agreement-labels';

describe('a period that has just begun is not shown as failing', () => {
  it('reads a running month with little delivered as in progress, in a neutral colour', () => {
    // 3 days into a 31-day month, nothing delivered yet: 0 % of the month's plan.
    expect(periodTone({ isElapsed: true, elapsedShare: 0.097, attainmentPct: 0 })).toEqual({
      color: 'gray',
      state: 'in-progress',
    });
    expect(periodTone({ isElapsed: true, elapsedShare: 0.9, attainmentPct: 60 }).color).toBe(
      'gray',
    );
  });
  it('shows a running period whose plan is already met as met', () => {
    expect(periodTone({ isElapsed: true, elapsedShare: 0.5, attainmentPct: 104 }).color).toBe(
      'teal',
    );
  });
  it('still reads a finished period behind plan as behind, and a future one as plain', () => {
    expect(periodTone({ isElapsed: true, elapsedShare: 1, attainmentPct: 40 })).toEqual({
      color: 'red',
      state: 'done',
    });
    expect(periodTone({ isElapsed: false, elapsedShare: 0, attainmentPct: null }).state).toBe(
      'future',
    );
  });
  it('keeps term-to-date attainment neutral until there is a projection', () => {
    expect(toDateColor({ attainmentPct: 0, projectedTotal: null })).toBe('gray');
    expect(toDateColor({ attainmentPct: 120, projectedTotal: null })).toBe('teal');
    expect(toDateColor({ attainmentPct: 50, projectedTotal: 40 })).toBe('red');
  });
});
