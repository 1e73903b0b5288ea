import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportion,
  forecastBySplit,
  recentShares,
  reconcileBottomUp,
  reconcileMiddleOut,
  reconcileTopDown,
  seasonalProfileFrom,
  splitByShares,
  sumSeries,
} from './pooling';
import { seasonalNaive } from './seasonal-naive';

const units = (v: number, decimals = 3) => Math.round(v * 10 ** decimals);
const sumUnits = (values: number[], decimals = 3) =>
  values.reduce((a, v) => a + units(v, decimals), 0);

describe('apportion', () => {
  it('splits an integer exactly by the largest remainder', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2]); // 3.5, 1.75, 1.75: the .75s win
    expect(apportion(5, [0, 0])).toEqual([3, 2]);
    expect(apportion(-5, [3, 2])).toEqual([-3, -2]);
  });
  it('property: the parts add up to the total and stay within one unit of the exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (total, weights) => {
          const parts = apportion(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const weightSum = weights.reduce((a, b) => a + b, 0);
          if (weightSum > 0)
            parts.forEach((p, i) =>
              expect(Math.abs(p - (total * weights[i]!) / weightSum)).toBeLessThan(1 + 1e-6),
            );
        },
      ),
    );
  });
});

describe('recentShares', () => {
  it('uses the last 12 months, then the whole history, then equal shares', () => {
    const a = [...new Array<number>(12).fill(9), ...new Array<number>(12).fill(3)];
    const b = [...new Array<number>(12).fill(0), ...new Array<number>(12).fill(1)];
    expect(recentShares([a, b])).toEqual([0.75, 0.25]);
    const c = [...new Array<number>(12).fill(2), ...new Array<number>(12).fill(0)];
    const d = [...new Array<number>(12).fill(6), ...new Array<number>(12).fill(0)];
    expect(recentShares([c, d])).toEqual([0.25, 0.75]);
    expect(recentShares([new Array<number>(24).fill(0), new Array<number>(24).fill(0)])).toEqual([
      0.5, 0.5,
    ]);
  });
});

describe('splits and reconciliation add up exactly', () => {
  it('property: splitByShares children sum to the parent in units of 0.001', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 18 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (parent, shares) => {
          const children = splitByShares(parent, shares);
          parent.forEach((p, h) => expect(sumUnits(children.map((c) => c[h]!))).toBe(units(p)));
        },
      ),
    );
  });
  it('reconcileTopDown keeps the children proportions and hits the parent', () => {
    const children = [
      [1, 0, 2],
      [3, 0, 2],
    ];
    const result = reconcileTopDown([8, 5, 1], children, { decimals: 2 });
    expect(result).toEqual([
      [2, 2.5, 0.5],
      [6, 2.5, 0.5],
    ]);
  });
  it('middle-out: top = Σ middle, each middle = Σ its children, exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 6, maxLength: 6 }),
            fc.array(
              fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 6, maxLength: 6 }),
              { minLength: 1, maxLength: 8 },
            ),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (regions) => {
          const result = reconcileMiddleOut({
            middle: regions.map((r) => r[0]),
            children: regions.map((r) => r[1]),
          });
          for (let h = 0; h < 6; h += 1) {
            expect(units(result.top[h]!)).toBe(sumUnits(result.middle.map((m) => m[h]!)));
            result.middle.forEach((m, i) =>
              expect(sumUnits(result.children[i]!.map((c) => c[h]!))).toBe(units(m[h]!)),
            );
          }
        },
      ),
      { numRuns: 50 },
    );
  });
  it('bottom-up sums the children', () => {
    expect(
      reconcileBottomUp([
        [0.1, 1],
        [0.2, 2],
      ]),
    ).toEqual([0.3, 3]);
    expect(
      sumSeries([
        [1, 2],
        [3, 4],
      ]),
    ).toEqual([4, 6]);
  });
});

describe('pooled forecasts', () => {
  it('forecasts the aggregate and splits it by recent shares', () => {
    const a = Array.from({ length: 24 }, (_, t) => (t % 12) + 1);
    const b = a.map((v) => 3 * v);
    const result = forecastBySplit([a, b], 12, seasonalNaive);
    expect(result.parent).toEqual(seasonalNaive(sumSeries([a, b]), 12));
    result.children[0]!.forEach((v, h) => expect(v).toBeCloseTo(result.parent[h]! / 4, 3));
    result.parent.forEach((p, h) =>
      expect(sumUnits(result.children.map((c) => c[h]!))).toBe(units(p)),
    );
  });
  it('derives a seasonal profile from a positive aggregate', () => {
    const pattern = [0.5, 1.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const profile = seasonalProfileFrom(
      Array.from({ length: 36 }, (_, t) => 100 * pattern[t % 12]!),
    );
    expect(profile?.[0]).toBeCloseTo(0.5, 9);
    expect(profile?.[1]).toBeCloseTo(1.5, 9);
    expect(seasonalProfileFrom([1, 2, 3])).toBeUndefined();
  });
  it('rejects misaligned children', () => {
    expect(() => sumSeries([[1, 2], [1]])).toThrow(RangeError);
  });
});
