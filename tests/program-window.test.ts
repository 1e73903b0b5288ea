/**
 * The program tier card's window (issue 14 §1): the months a dealer reads as dates ("Aug–Oct
 * 2026"), the program's fiscal label ("2027-Q1": a fiscal quarter named by its fiscal year's end)
 * only secondary, and none when the label is just the month.
 */
import { describe, expect, it } from 'vitest';
import { monthSpan } from '../src/shared/months';
import { windowText } from '../src/web/components/insights/program-window';

describe('program window text', () => {
  it('spans months within a year, across years, and one month', () => {
    expect(monthSpan('2026-08', '2026-10')).toBe('Aug–Oct 2026');
    expect(monthSpan('2026-11', '2027-01')).toBe('Nov 2026–Jan 2027');
    expect(monthSpan('2026-10', '2026-10')).toBe('Oct 2026');
  });

  it('shows a fiscal quarter as months first, the fiscal label second', () => {
    const w = { windowStart: '2026-08-01', windowEnd: '2026-10-31' };
    expect(windowText({ ...w, windowLabel: '2027-Q1' })).toEqual({
      months: 'Aug–Oct 2026',
      label: 'FY2027 Q1',
    });
    expect(
      windowText({ windowStart: '2026-10-01', windowEnd: '2026-10-31', windowLabel: '2026-10' }),
    ).toEqual({ months: 'Oct 2026', label: null });
    expect(
      windowText({ windowStart: '2025-11-01', windowEnd: '2026-10-31', windowLabel: '2026' }),
    ).toEqual({ months: 'Nov 2025–Oct 2026', label: 'FY2026' });
    expect(
      windowText({ windowStart: '2026-01-01', windowEnd: '2026-06-30', windowLabel: 'program' }),
    ).toEqual({ months: 'Jan–Jun 2026', label: 'whole program' });
  });
});
