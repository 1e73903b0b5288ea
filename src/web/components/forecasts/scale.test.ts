import { describe, expect, it } from 'vitest';
import { changedIndexes, gridUnits, scaledAll } from './scale';

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

describe('the cells a percentage change writes', () => {
  it('writes every cell whose stored forecast moves, even where the display does not', () => {
    // twelve months of 4.52 (a steady count's mean) show as 5 each and 54 in all
    const row = Array.from({ length: 12 }, () => 4.52);
    const next = scaledAll(row, 10);
    expect(next.reduce((s, v) => s + v, 0)).toBe(60);
    expect(changedIndexes(row, next, 10)).toHaveLength(12);
  });
  it('leaves whole cells that keep their number, and writes nothing at 0 %', () => {
    expect(changedIndexes([10, 20, 30], scaledAll([10, 20, 30], 10), 10)).toEqual([0, 1, 2]);
    expect(changedIndexes([2, 2, 2, 2, 2], scaledAll([2, 2, 2, 2, 2], 10), 10)).toEqual([0]);
    expect(changedIndexes([1.4, 2.6], scaledAll([1.4, 2.6], 0), 0)).toEqual([]);
  });
});

describe('the figures the grid shows', () => {
  it('shows a row of 4.52s as 4.5 each and a total that matches them', () => {
    const row = new Array<number>(12).fill(4.52);
    const shown = row.map(gridUnits);
    expect(shown).toEqual(new Array(12).fill('4.5'));
    const total = gridUnits(row.reduce((s, v) => s + v, 0));
    expect(total).toBe('54');
    // the shown cells add up to the shown total
    expect(Math.round(shown.reduce((s, v) => s + Number(v), 0))).toBe(Number(total));
  });
  it('whole numbers from 10 up and for whole values, no "-0"', () => {
    expect(gridUnits(12.4)).toBe('12');
    expect(gridUnits(9.96)).toBe('10');
    expect(gridUnits(3)).toBe('3');
    expect(gridUnits(0.04)).toBe('0');
    expect(gridUnits(1234.6)).toBe('1,235');
  });
  it('after +10 % the row shows 5 each and writes every cell', () => {
    const row = new Array<number>(12).fill(4.52);
    const next = scaledAll(row, 10);
    expect(next.map(gridUnits)).toEqual(new Array(12).fill('5'));
    expect(changedIndexes(row, next, 10)).toHaveLength(12);
  });
});
