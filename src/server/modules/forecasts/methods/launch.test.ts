import { describe, expect, it } from 'vitest';
import { analogueLaunchMultipliers, launchMonth } from './launch';

/** A line launched at `start` ramping up to `level` (availability 1 − exp(−(age + 0.5) / 2.5)). */
function launched(start: number, level: number, n = 36): number[] {
  return Array.from({ length: n }, (_, t) =>
    t < start ? 0 : level * (1 - Math.exp(-(t - start + 0.5) / 2.5)),
  );
}

describe('launches by analogy', () => {
  it('recognises a launch only after a year without sales', () => {
    expect(launchMonth(launched(20, 50))).toBe(20);
    expect(launchMonth(launched(5, 50))).toBeUndefined();
    expect(launchMonth(new Array<number>(36).fill(0))).toBeUndefined();
  });

  it("projects a new line's ramp-up from an earlier launch's", () => {
    const lines = [launched(14, 100), launched(35, 40), new Array<number>(36).fill(10)];
    const multipliers = analogueLaunchMultipliers(lines, 6);
    expect([...multipliers.keys()]).toEqual([1]);
    // The new line sold launched(35, 40)[35] in its first month; the analogue says what follows.
    const first = lines[1]![35]!;
    const forecast = multipliers.get(1)!.map((m) => m * first);
    const truth = launched(35, 40, 42).slice(36);
    forecast.forEach((v, h) => expect(v).toBeCloseTo(truth[h]!, 6));
  });

  it('leaves a new line alone without an earlier launch to learn from', () => {
    expect(analogueLaunchMultipliers([launched(34, 40), launched(33, 10)], 6).size).toBe(0);
  });
});

describe('launch analogues that stopped selling', () => {
  it('are not used', () => {
    const stopped = launched(14, 100).map((v, t) => (t >= 33 ? 0 : v));
    expect(analogueLaunchMultipliers([stopped, launched(35, 40)], 6).size).toBe(0);
  });
});
