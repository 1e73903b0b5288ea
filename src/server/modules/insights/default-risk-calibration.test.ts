import { describe, expect, it } from 'vitest';
import { applyRecalibration, ISOTONIC_SHRINKAGE } from './calibration';
import { DEFAULT_RECALIBRATION, recalibrateAt } from './default-risk-calibration';

const grid = Array.from({ length: 1001 }, (_, i) => i / 1000);

describe('default recalibration', () => {
  it('is isotonic, fitted at the shares 0, ¼, ½ and ¾', () => {
    expect(DEFAULT_RECALIBRATION.map((p) => p.share)).toEqual([0, 0.25, 0.5, 0.75]);
    for (const { model } of DEFAULT_RECALIBRATION) {
      expect(model.kind).toBe('isotonic');
      if (model.kind !== 'isotonic') continue;
      expect(model.values.length).toBe(model.thresholds.length);
      for (let i = 1; i < model.values.length; i += 1) {
        expect(model.thresholds[i]!).toBeGreaterThan(model.thresholds[i - 1]!);
        expect(model.values[i]!).toBeGreaterThanOrEqual(model.values[i - 1]!);
      }
    }
  });

  it('is the shrunk isotonic map: each step with its cases, shrunk with the app’s k', () => {
    // every share was fitted on the same cases (the M3 series' 4 ended terms)
    const totals = DEFAULT_RECALIBRATION.map(({ model }) =>
      model.kind === 'isotonic' ? model.counts!.reduce((sum, n) => sum + n, 0) : 0,
    );
    expect(new Set(totals).size).toBe(1);
    expect(totals[0]).toBeGreaterThan(5000);
    for (const { model } of DEFAULT_RECALIBRATION) {
      if (model.kind !== 'isotonic') continue;
      expect(model.shrinkage).toBe(ISOTONIC_SHRINKAGE);
      expect(model.counts!.length).toBe(model.thresholds.length);
      // a step of n cases moves a raw probability at its threshold n / (n + k) of the way
      const at = model.thresholds.findIndex((_, i) => i > 0 && model.counts![i]! > 100);
      const t = model.thresholds[at]!;
      const w = model.counts![at]! / (model.counts![at]! + ISOTONIC_SHRINKAGE);
      expect(applyRecalibration(model, t)).toBeLessThanOrEqual(
        w * model.values[at]! + (1 - w) * t + 1e-12,
      );
    }
  });

  it('equals the fitted model at a fitted share', () => {
    for (const { share, model } of DEFAULT_RECALIBRATION)
      for (const raw of grid)
        expect(recalibrateAt(share, raw)).toBe(applyRecalibration(model, raw));
  });

  it('interpolates linearly between fitted shares and is flat beyond the ends', () => {
    const [first, second] = DEFAULT_RECALIBRATION;
    const last = DEFAULT_RECALIBRATION[DEFAULT_RECALIBRATION.length - 1]!;
    for (const raw of [0.05, 0.3, 0.5, 0.7, 0.95]) {
      const low = applyRecalibration(first!.model, raw);
      const high = applyRecalibration(second!.model, raw);
      expect(recalibrateAt(0.1, raw)).toBeCloseTo(low + 0.4 * (high - low), 12);
      expect(recalibrateAt(-0.5, raw)).toBe(low);
      expect(recalibrateAt(0.9, raw)).toBe(applyRecalibration(last.model, raw));
      expect(recalibrateAt(1, raw)).toBe(applyRecalibration(last.model, raw));
    }
  });

  it('is monotone in the raw probability at every share', () => {
    for (const share of [0, 1 / 12, 0.1, 0.25, 1 / 3, 0.4, 0.5, 7 / 12, 0.75, 11 / 12, 1]) {
      let previous = -Infinity;
      for (const raw of grid) {
        const p = recalibrateAt(share, raw);
        expect(p).toBeGreaterThanOrEqual(previous);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
        previous = p;
      }
      expect(recalibrateAt(share, 0.02)).toBeLessThan(recalibrateAt(share, 0.98));
    }
  });
});
