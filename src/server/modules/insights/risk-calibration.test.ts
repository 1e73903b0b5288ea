import { describe, expect, it } from 'vitest';
import { applyRecalibration, fitIsotonic, ISOTONIC_SHRINKAGE } from './calibration';
import { calibrationUsed, endedTerms, fitNetworkCalibration } from './risk-calibration';

describe('the network risk calibration (pure)', () => {
  it('pools tied raw probabilities into one step (thresholds rise strictly)', () => {
    // 0.2 twice with different outcomes, then 0.5 twice: one step each, their mean
    const model = fitIsotonic([0.2, 0.5, 0.2, 0.5, 0.9], [false, true, true, false, true]);
    expect(model.thresholds).toEqual([0.2, 0.5, 0.9]);
    expect(model.values).toEqual([0.5, 0.5, 1]);
    expect(applyRecalibration(model, 0.2)).toBe(0.5);
  });

  it('counts the ended terms a series has room for', () => {
    expect(endedTerms(35)).toBe(0);
    expect(endedTerms(36)).toBe(1); // 24 months, then one term
    expect(endedTerms(47)).toBe(1);
    expect(endedTerms(48)).toBe(2);
    expect(endedTerms(84)).toBe(5);
  });

  it('fits no map below the minimum cases, and scores walk-forward only with earlier terms', async () => {
    const series = Array.from({ length: 3 }, (_, s) => ({
      id: `S${s}`,
      values: Array.from({ length: 48 }, (_, t) => 20 + s + ((t * 7 + s) % 5)),
    }));
    const fit = await fitNetworkCalibration(series, undefined, { draws: 200 });
    expect(fit.terms).toBe(2);
    expect(fit.series).toBe(3);
    expect(fit.cases).toBe(6); // 3 series × 2 terms at each elapsed point
    expect(fit.points).toBeNull();
    // the oldest term is not scored: 3 cases per elapsed point (the latest term's)
    expect(fit.scores.map((s) => s.cases)).toEqual([3, 3, 3, 3]);
  });

  it('fits and stores the shrunk isotonic map (cases per block and k with it)', async () => {
    const series = Array.from({ length: 30 }, (_, s) => ({
      id: `S${s}`,
      values: Array.from(
        { length: 48 },
        (_, t) => 20 + (s % 7) + ((t * 7 + s) % 5) - (t > 36 ? s % 3 : 0),
      ),
    }));
    const fit = await fitNetworkCalibration(series, undefined, { draws: 200 });
    expect(fit.cases).toBe(60); // 30 series × 2 terms
    expect(fit.points).not.toBeNull();
    for (const point of fit.points!) {
      const { model } = point;
      expect(model.shrinkage).toBe(ISOTONIC_SHRINKAGE);
      expect(model.counts!.reduce((s, n) => s + n, 0)).toBe(point.cases);
      // each block's value shrunk n / (n + k) of the way (lowered where the next blocks start
      // lower: the monotone envelope), and a stored copy applies the same
      const stored = JSON.parse(JSON.stringify(point)) as typeof point;
      let previous = -Infinity;
      model.thresholds.forEach((t, b) => {
        const w = model.counts![b]! / (model.counts![b]! + ISOTONIC_SHRINKAGE);
        const p = applyRecalibration(model, t);
        expect(p).toBeLessThanOrEqual(w * model.values[b]! + (1 - w) * t + 1e-12);
        expect(p).toBeGreaterThanOrEqual(previous);
        expect(applyRecalibration(stored.model, t)).toBe(p);
        previous = p;
      });
    }
  });

  it('describes the calibration a risk used', () => {
    expect(calibrationUsed(null).source).toBe('default');
    const used = calibrationUsed({
      fittedAt: '2026-12-06T01:00:00Z',
      throughMonth: '2026-10',
      terms: 3,
      cases: 1200,
    });
    expect(used).toMatchObject({ source: 'network', terms: 3, cases: 1200 });
    expect(used.text).toContain('3 ended terms through 2026-10');
  });
});
