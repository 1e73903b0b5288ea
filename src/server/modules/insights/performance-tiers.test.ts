import { describe, expect, it } from 'vitest';
import { tierInterventionValue } from './performance';

const w = (dealerId: number, target: number, reached: number, interventions = 0) => ({
  programId: 1,
  dealerId,
  regionCode: dealerId < 10 ? 'WEST' : 'EAST',
  period: 'program',
  targetTier: target,
  tierReached: reached,
  interventions,
  probabilityBefore: interventions > 0 ? 0.4 : null,
});

describe('value of incentive_tier interventions', () => {
  it('compares the share of windows reaching the tier aimed at with comparable dealers', () => {
    const windows = [
      w(1, 1, 1, 1), // treated, reached
      w(2, 1, 0, 1), // treated, missed
      w(3, 1, 1), // comparable, reached
      w(4, 0, -1), // comparable, missed
      w(5, 2, 2), // comparable, reached
      w(6, -1, 2), // top tier already reached: no target, left out
      w(11, 1, 1, 1), // treated in the East, no comparable there: not matched
    ];
    const v = tierInterventionValue(windows, () => 'medium');
    expect(v.treatedWindows).toBe(3);
    expect(v.matchedWindows).toBe(2);
    expect(v.treatedReached).toBe(0.5);
    expect(v.comparableReached).toBeCloseTo(2 / 3, 4);
    expect(v.difference).toBeCloseTo(0.5 - 2 / 3, 4);
    expect(v.meanProbabilityBefore).toBe(0.4);
    expect(v.strata.find((s) => s.regionCode === 'WEST')).toMatchObject({
      treatedWindows: 2,
      comparableWindows: 3,
    });
    expect(v.strata.find((s) => s.regionCode === 'EAST')!.comparableReached).toBeNull();
  });
});
