import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../shared/math';
import {
  applyRecalibration,
  fitIsotonic,
  fitRecalibration,
  fitShrunkIsotonic,
  type IsotonicModel,
  ISOTONIC_SHRINKAGE,
} from './calibration';

/** `n` cases at raw probability `raw`, `hits` of them reached. */
function cases(raw: number, n: number, hits: number) {
  return {
    raw: Array.from({ length: n }, () => raw),
    outcomes: Array.from({ length: n }, (_, i) => i < hits),
  };
}

function fit(...groups: ReturnType<typeof cases>[]): IsotonicModel {
  return fitShrunkIsotonic(
    groups.flatMap((g) => g.raw),
    groups.flatMap((g) => g.outcomes),
  );
}

describe('the shrunk isotonic map (the app’s recalibration)', () => {
  it('moves a block of n cases n / (n + 200) of the way from the raw probability to its rate', () => {
    expect(ISOTONIC_SHRINKAGE).toBe(200);
    // two blocks: 100 cases at 0.3 (10 % reached), 1,000 at 0.8 (90 % reached)
    const model = fit(cases(0.3, 100, 10), cases(0.8, 1000, 900));
    expect(model.thresholds).toEqual([0.3, 0.8]);
    expect(model.values).toEqual([0.1, 0.9]);
    expect(model.counts).toEqual([100, 1000]);
    expect(model.shrinkage).toBe(200);
    for (const raw of [0.05, 0.2, 0.3])
      expect(applyRecalibration(model, raw)).toBeCloseTo(raw + (100 / 300) * (0.1 - raw), 12);
    for (const raw of [0.31, 0.5, 0.8, 0.95])
      expect(applyRecalibration(model, raw)).toBeCloseTo(raw + (1000 / 1200) * (0.9 - raw), 12);
  });

  it('gives a large block its observed rate and leaves a tiny block near the raw probability', () => {
    const large = fit(cases(0.6, 100_000, 20_000));
    expect(applyRecalibration(large, 0.6)).toBeCloseTo(0.2, 2); // w = 0.998
    expect(Math.abs(applyRecalibration(large, 0.6) - 0.2)).toBeLessThan(0.001);
    const tiny = fit(cases(0.6, 2, 0));
    // w = 2 / 202: 0.6 moves by 1 % of the way to 0
    expect(applyRecalibration(tiny, 0.6)).toBeCloseTo(0.6 * (200 / 202), 12);
    expect(Math.abs(applyRecalibration(tiny, 0.6) - 0.6)).toBeLessThan(0.01);
  });

  it('is the plain isotonic map with shrinkage 0, and maps stored without counts apply as before', () => {
    const data = [cases(0.2, 30, 3), cases(0.5, 40, 30), cases(0.7, 10, 6)];
    const raw = data.flatMap((g) => g.raw);
    const outcomes = data.flatMap((g) => g.outcomes);
    const plain = fitIsotonic(raw, outcomes);
    expect(plain.counts).toBeUndefined();
    const unshrunk = fitShrunkIsotonic(raw, outcomes, 0);
    const stored: IsotonicModel = { kind: 'isotonic', thresholds: [0.4, 0.9], values: [0.1, 0.7] };
    for (const p of [0.01, 0.2, 0.45, 0.5, 0.6, 0.7, 0.99]) {
      expect(applyRecalibration(unshrunk, p)).toBe(applyRecalibration(plain, p));
      expect(applyRecalibration(stored, p)).toBe(p <= 0.4 ? 0.1 : 0.7);
    }
  });

  it('stays monotone where a small block sits below a large one with a lower rate', () => {
    // 4 cases at 0.4, none reached (w = 0.02), then 2,000 at 0.45, 10 % reached (w ≈ 0.91): shrunk
    // alone, 0.4 would map to 0.392 and 0.41 to 0.128
    const model = fit(cases(0.4, 4, 0), cases(0.45, 2000, 200), cases(0.9, 300, 240));
    const shrunkAlone = (p: number, n: number, rate: number) =>
      (n / (n + 200)) * rate + (200 / (n + 200)) * p;
    expect(shrunkAlone(0.4, 4, 0)).toBeGreaterThan(shrunkAlone(0.41, 2000, 0.1) + 0.2);
    let previous = -Infinity;
    for (let i = 0; i <= 1000; i += 1) {
      const p = applyRecalibration(model, i / 1000);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    // the envelope from above: 0.4 gets the next block's value at its lower end
    expect(applyRecalibration(model, 0.4)).toBeCloseTo(shrunkAlone(0.4, 2000, 0.1), 12);
    expect(applyRecalibration(model, 0.1)).toBeCloseTo(shrunkAlone(0.1, 4, 0), 12);
  });

  it('is monotone on random data, and a stored (JSON) map applies exactly as fitted', () => {
    const random = mulberry32(3);
    for (let trial = 0; trial < 20; trial += 1) {
      const n = 50 + Math.floor(random() * 3000);
      // optimistic raw probabilities, as the app's at elapsed 0
      const raw = Array.from({ length: n }, () => Math.round(random() * 1000) / 1000);
      const outcomes = raw.map((p) => random() < p * 0.8);
      const model = fitRecalibration('isotonic', raw, outcomes);
      const stored = JSON.parse(JSON.stringify(model)) as IsotonicModel;
      let previous = -Infinity;
      for (let i = 0; i <= 500; i += 1) {
        const p = applyRecalibration(model, i / 500);
        expect(p).toBeGreaterThanOrEqual(previous);
        expect(applyRecalibration(stored, i / 500)).toBe(p);
        previous = p;
      }
    }
  });
});
