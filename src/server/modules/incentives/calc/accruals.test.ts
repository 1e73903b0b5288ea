import { describe, expect, it } from 'vitest';
import { calculateAccrual, projectAccrual } from './accruals';
import { DEALER, makeProgram, makeSales } from './test-fixtures';

describe('accruals', () => {
  it('projects the window from the run-rate and re-decides the tier', () => {
    // 90-day quarter; 15 units in the first 30 days → 45 projected: still below 50.
    const program = makeProgram();
    const a = calculateAccrual({
      program,
      dealer: DEALER,
      asOf: '2026-01-30',
      transactions: makeSales(15, {}, '2026-01-01'),
    });
    expect(a).toMatchObject({
      period: '2026-Q1',
      elapsedDays: 30,
      totalDays: 90,
      earnedToDate: '1500.00',
      projectedMeasureValue: '45',
      projectedTierReached: '0',
      projectedEarned: '4500.00',
    });
    // 18 units in 30 days → 54 projected: the 50 tier, retroactively
    const b = calculateAccrual({
      program,
      dealer: DEALER,
      asOf: '2026-01-30',
      transactions: makeSales(18, {}, '2026-01-01'),
    });
    expect(b).toMatchObject({ projectedTierReached: '50', projectedEarned: '10800.00' });
  });

  it('incremental tiers and caps apply to the projection', () => {
    const a = calculateAccrual({
      program: makeProgram({ tierMode: 'incremental', capPerDealer: '6000.00' }),
      dealer: DEALER,
      asOf: '2026-01-30',
      transactions: makeSales(20, {}, '2026-01-01'),
    });
    // 60 projected: 50 × 100 + 10 × 200 = 7,000, capped at 6,000
    expect(a.projectedEarned).toBe('6000.00');
  });

  it('nothing elapsed: nothing projected beyond what is earned', () => {
    const a = calculateAccrual({
      program: makeProgram(),
      dealer: DEALER,
      asOf: '2025-12-15',
      transactions: [],
    });
    expect(a).toMatchObject({ elapsedDays: 0, earnedToDate: '0.00', projectedEarned: '0.00' });
  });

  it('projects from volumes alone (a SQL roll-up)', () => {
    const p = projectAccrual({
      program: makeProgram({
        measure: 'revenue',
        benefit: 'percent_of_revenue',
        tiers: [{ from: '0', value: '1.5' }],
      }),
      volumes: {
        qualifyingUnits: 10,
        qualifyingRevenue: '450000.00',
        bevUnits: 10,
        payingUnits: 10,
        payingRevenue: '450000.00',
        payingMsrp: null,
      },
      elapsedDays: 45,
      totalDays: 90,
    });
    expect(p).toEqual({
      projectedMeasureValue: '900000',
      projectedTierReached: '0',
      projectedEarned: '13500.00',
    });
  });
});
