import { describe, expect, it } from 'vitest';
import {
  detectCommonShock,
  removeShock,
  seasonalResiduals,
  shockFactors,
  shockLoading,
} from './common-shock';
import { seededRandom } from '../backtest/synthetic';

const SEASON = [0.8, 0.89, 1.08, 1.0, 1.1, 1.03, 0.99, 1.06, 0.96, 0.97, 0.96, 1.13];

/** 36 months of a seasonal series with 1 % monthly growth, a shock of `depth` at months 24–27. */
function withShock(level: number, depth: number, seed: number): number[] {
  const random = seededRandom(seed);
  const shape = [0, 0.6, 1, 0.6];
  return Array.from({ length: 36 }, (_, t) => {
    const shock = t >= 24 && t < 28 ? 1 - depth * shape[t - 24]! : 1;
    return level * 1.01 ** t * SEASON[t % 12]! * shock * (1 + 0.02 * (random() - 0.5));
  });
}

describe('common shocks', () => {
  it('needs three years of strictly positive values', () => {
    expect(seasonalResiduals(new Array<number>(35).fill(10))).toBeUndefined();
    expect(seasonalResiduals([0, ...new Array<number>(35).fill(10)])).toBeUndefined();
    expect(detectCommonShock(new Array<number>(24).fill(10)).months).toEqual([]);
  });

  it('finds the shock months on the network total and nothing on a clean series', () => {
    const shocked = detectCommonShock(withShock(1000, 0.3, 1));
    expect(shocked.months).toEqual([25, 26, 27]);
    expect(shocked.residual[26]!).toBeLessThan(-0.25);
    expect(detectCommonShock(withShock(1000, 0, 1)).months).toEqual([]);
  });

  it("estimates each line's loading and takes the shock out of its history", () => {
    const network = withShock(1000, 0.3, 1);
    const shock = detectCommonShock(network);
    const strong = withShock(100, 0.45, 2);
    const immune = withShock(100, 0, 3);
    expect(shockLoading(strong, shock)).toBeGreaterThan(1.2);
    expect(shockLoading(immune, shock)).toBeLessThan(0.2);
    // A line with zeros (a launch) cannot be measured: it takes the network's shock.
    expect(shockLoading([0, ...strong.slice(1)], shock)).toBe(1);
    const cleaned = removeShock(strong, shockFactors(shockLoading(strong, shock), shock));
    const clean = withShock(100, 0, 2);
    expect(Math.abs(cleaned[26]! / clean[26]! - 1)).toBeLessThan(0.08);
    expect(strong[26]! / clean[26]!).toBeLessThan(0.6);
    expect(cleaned[10]).toBe(strong[10]);
  });
});
