import { describe, expect, it } from 'vitest';
import { apportion, commitmentFactor } from './agreements.seed';

describe('the demo commitments', () => {
  it("spread a line's total over the months in last year's shape, adding up exactly", () => {
    const prior = [1, 0, 2, 0, 0, 3, 1, 0, 1, 2, 0, 2];
    const planned = apportion(prior, 13);
    expect(planned.reduce((a, b) => a + b, 0)).toBe(13);
    // the busiest month keeps the most, a month without a sale is not raised above a selling one
    expect(Math.max(...planned)).toBe(planned[5]);
    expect(planned[1]).toBeLessThanOrEqual(planned[0]!);
    expect(apportion([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 61)).toEqual([
      6, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    ]);
    expect(apportion(Array(12).fill(0), 4)).toEqual(Array(12).fill(0));
  });

  it("scale last year by the square root of the dealer's trend (0.85–1.2) and its stretch", () => {
    expect(commitmentFactor({ lastYear: 100, yearBefore: 100, stretch: 1.05 })).toBeCloseTo(1.05);
    expect(commitmentFactor({ lastYear: 121, yearBefore: 100, stretch: 1 })).toBeCloseTo(1.1);
    expect(commitmentFactor({ lastYear: 300, yearBefore: 100, stretch: 1 })).toBeCloseTo(
      Math.sqrt(1.2),
    );
    expect(commitmentFactor({ lastYear: 10, yearBefore: 100, stretch: 1 })).toBeCloseTo(
      Math.sqrt(0.85),
    );
    expect(commitmentFactor({ lastYear: 50, yearBefore: 0, stretch: 0.95 })).toBeCloseTo(0.95);
  });
});
