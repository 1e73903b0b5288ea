import { describe, expect, it } from 'vitest';
import { Dec } from '../../../../shared/money';
import { calculateMeasure, formatMeasure } from './measure';

const base = { qualifyingUnits: 30, qualifyingRevenue: '1350000.50', bevUnits: 9 };

describe('measures', () => {
  it('units and revenue are the net qualifying volume', () => {
    expect(calculateMeasure({ program: { measure: 'units' }, ...base }).value).toBe('30');
    expect(calculateMeasure({ program: { measure: 'revenue' }, ...base }).value).toBe('1350000.5');
  });

  it('agreement_attainment: units × 100 / planned; undefined without a plan', () => {
    const program = { measure: 'agreement_attainment' as const };
    expect(calculateMeasure({ program, ...base, plannedQuantity: 40 }).value).toBe('75');
    expect(calculateMeasure({ program, ...base, plannedQuantity: '36' }).value).toBe('83.333333');
    expect(calculateMeasure({ program, ...base, plannedQuantity: 0 })).toMatchObject({
      value: null,
    });
    expect(calculateMeasure({ program, ...base }).note).toContain('planned quantity');
  });

  it('growth on units or revenue against the prior year; undefined without one', () => {
    const priorYear = { units: 24, revenue: '1500000.00' };
    expect(
      calculateMeasure({ program: { measure: 'growth', growthBasis: 'units' }, ...base, priorYear })
        .value,
    ).toBe('25');
    expect(
      calculateMeasure({
        program: { measure: 'growth', growthBasis: 'revenue' },
        ...base,
        priorYear,
      }).value,
    ).toBe('-9.999967');
    expect(
      calculateMeasure({ program: { measure: 'growth', growthBasis: 'units' }, ...base }).value,
    ).toBeNull();
    expect(
      calculateMeasure({
        program: { measure: 'growth', growthBasis: 'units' },
        ...base,
        priorYear: { units: 0, revenue: '0' },
      }).note,
    ).toContain('prior-year');
  });

  it('ev_share: BEV units × 100 / qualifying units; undefined with none', () => {
    expect(calculateMeasure({ program: { measure: 'ev_share' }, ...base }).value).toBe('30');
    expect(
      calculateMeasure({
        program: { measure: 'ev_share' },
        ...base,
        qualifyingUnits: 0,
        bevUnits: 0,
      }).value,
    ).toBeNull();
  });

  it('shown values are rounded down to 6 decimals (never above the exact value)', () => {
    expect(formatMeasure(new Dec(2).div(3).times(100))).toBe('66.666666');
    expect(formatMeasure(new Dec(-1).div(3))).toBe('-0.333334');
    expect(formatMeasure(null)).toBeNull();
  });
});
