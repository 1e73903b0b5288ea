import { describe, expect, it } from 'vitest';
import { scaledAll } from './scale';

describe('+N % on several cells in whole vehicles', () => {
  it('moves the total by the percentage, whole units to the largest remainders', () => {
    // 2+2+2+2+2 = 10 → 11: one cell gets the extra vehicle (rounding each cell would add none)
    expect(scaledAll([2, 2, 2, 2, 2], 10)).toEqual([3, 2, 2, 2, 2]);
    expect(scaledAll([10, 20, 30], 10)).toEqual([11, 22, 33]);
    expect(scaledAll([1.4, 2.6], 0)).toEqual([1, 3]);
  });
  it('never goes below zero and takes away on a negative percentage', () => {
    expect(scaledAll([5, 5], -10)).toEqual([5, 4]);
    expect(scaledAll([3], -200)).toEqual([0]);
  });
});
