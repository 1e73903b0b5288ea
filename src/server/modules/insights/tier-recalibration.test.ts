import { describe, expect, it } from 'vitest';
import type { IsotonicModel } from './calibration';
import { recalibrateAt } from './default-risk-calibration';
import { probabilityFromDraws } from './risk-model';
import { assessTiers, remainingDraws } from './program-risk';

const history = Array.from({ length: 36 }, (_, m) => 10 + ((m * 7) % 5) - 2);

/** A map per share: raw ≤ 0.5 → low, above → high (an isotonic step function). */
const step = (low: number, high: number): IsotonicModel => ({
  kind: 'isotonic',
  thresholds: [0.5, 1],
  values: [low, high],
});
const network = [
  { share: 0, model: step(0.1, 0.6) },
  { share: 0.25, model: step(0.2, 0.7) },
  { share: 0.5, model: step(0.3, 0.8) },
  { share: 0.75, model: step(0.4, 0.9) },
];

describe('program tier risk: the network recalibration', () => {
  it("recalibrates each tier with the given maps (the network's), not the shipped default", () => {
    const input = { history, toDate: 20, remaining: 3, term: 6, thresholds: [45, 60, 90] };
    const withMaps = assessTiers({ ...input, reached: -1, recalibration: network });
    const shipped = assessTiers({ ...input, reached: -1 });
    const { sorted } = remainingDraws(history, 3);
    input.thresholds.forEach((threshold, k) => {
      const raw = probabilityFromDraws(sorted, 20, threshold);
      expect(withMaps.tiers[k]!.probability).toBeCloseTo(recalibrateAt(0.5, raw, network), 12);
      expect(shipped.tiers[k]!.probability).toBeCloseTo(recalibrateAt(0.5, raw), 12);
      // the maps' values at share ½ are 0.3 and 0.8 only
      expect([0.3, 0.8]).toContain(Number(withMaps.tiers[k]!.probability.toFixed(12)));
    });
    expect(withMaps.tiers.map((t) => t.probability)).not.toEqual(
      shipped.tiers.map((t) => t.probability),
    );
    // the units that lift a tier to 80 % are read through the same maps
    const first = withMaps.tiers[0]!;
    if (first.probability < 0.8) expect(first.unitsFor80).not.toBeNull();
    // a reached tier stays certain, and the end of the window stays raw
    expect(
      assessTiers({ ...input, reached: 0, recalibration: network }).tiers[0]!.probability,
    ).toBe(1);
    const ended = assessTiers({ ...input, remaining: 0, reached: -1, recalibration: network });
    expect(ended.tiers.map((t) => t.probability)).toEqual([0, 0, 0]);
  });
});
