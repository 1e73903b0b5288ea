import { describe, expect, it } from 'vitest';
import { buildBaseline, evSignals } from './baseline';

function seasonal(level: number, n: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, t) =>
    Math.max(0, Math.round(level * (1 + 0.3 * Math.sin(((t + phase) / 12) * 2 * Math.PI)))),
  );
}

describe('buildBaseline', () => {
  const series = [
    { regionIndex: 0, lineIndex: 0, values: seasonal(20, 36) },
    { regionIndex: 0, lineIndex: 0, values: seasonal(3, 36, 2).map((v, t) => (t % 3 ? 0 : v)) },
    { regionIndex: 1, lineIndex: 0, values: seasonal(12, 36, 1) },
    { regionIndex: 1, lineIndex: 1, values: seasonal(8, 36) },
    { regionIndex: 0, lineIndex: 1, values: new Array<number>(36).fill(0) },
  ];
  const ev = [
    { total: new Array<number>(36).fill(100), bev: Array.from({ length: 36 }, (_, t) => 5 + t) },
    { total: new Array<number>(36).fill(100), bev: new Array<number>(36).fill(10) },
  ];

  it('reconciles dealers exactly to their region × model line and keeps intervals around the mean', async () => {
    const result = await buildBaseline({
      horizon: 6,
      lastMonthOfYear: 12,
      regionCount: 2,
      lineCount: 2,
      series,
      ev,
      lineBevFraction: [1, 0],
      parallelThreshold: 0,
    });
    expect(result.cells).toHaveLength(series.length);
    for (const region of result.regionLines) {
      const members = series
        .map((s, i) => ({ s, i }))
        .filter(
          ({ s }) => s.regionIndex === region.regionIndex && s.lineIndex === region.lineIndex,
        );
      region.mean.forEach((v, h) => {
        const sum = members.reduce(
          (a, { i }) => a + Math.round(result.cells[i]!.mean[h]! * 1000),
          0,
        );
        expect(sum).toBe(Math.round(v * 1000));
      });
    }
    for (const cell of result.cells)
      cell.mean.forEach((m, h) => {
        expect(cell.lower95[h]!).toBeLessThanOrEqual(cell.lower80[h]!);
        expect(cell.lower80[h]!).toBeLessThanOrEqual(m);
        expect(m).toBeLessThanOrEqual(cell.upper80[h]!);
        expect(cell.upper80[h]!).toBeLessThanOrEqual(cell.upper95[h]!);
        expect(cell.lower95[h]!).toBeGreaterThanOrEqual(0);
      });
    expect(result.cells[4]!.mean.every((v) => v === 0)).toBe(true);
  });

  it('moves a BEV line towards the region adopting faster, keeping the national total', async () => {
    const common = {
      horizon: 12,
      lastMonthOfYear: 12,
      regionCount: 2,
      lineCount: 2,
      series,
      lineBevFraction: [1, 0],
      parallelThreshold: 0,
    };
    const withSignal = await buildBaseline({ ...common, ev });
    const without = await buildBaseline({ ...common, ev: undefined });
    const line0 = (r: typeof withSignal, region: number) =>
      r.regionLines.find((x) => x.regionIndex === region && x.lineIndex === 0)!;
    const total = (r: typeof withSignal, h: number) => line0(r, 0).mean[h]! + line0(r, 1).mean[h]!;
    expect(total(withSignal, 11)).toBeCloseTo(total(without, 11), 2);
    expect(line0(withSignal, 0).mean[11]!).toBeGreaterThan(line0(without, 0).mean[11]!);
    expect(line0(withSignal, 0).evEffect[11]!).toBeGreaterThan(0);
    expect(line0(withSignal, 1).evEffect[11]!).toBeLessThan(0);
    // Line 1 has no BEV: untouched.
    expect(
      withSignal.regionLines.find((x) => x.lineIndex === 1)!.evEffect.every((v) => v === 0),
    ).toBe(true);
  });
});

describe('evSignals', () => {
  it('measures BEV share growth against the nation, capped', () => {
    const signals = evSignals([
      {
        total: new Array<number>(24).fill(100),
        bev: Array.from({ length: 24 }, (_, t) => (t < 12 ? 5 : 20)),
      },
      { total: new Array<number>(24).fill(100), bev: new Array<number>(24).fill(10) },
    ]);
    expect(signals[0]!.growth).toBeCloseTo(4, 5);
    expect(signals[1]!.growth).toBeCloseTo(1, 5);
    expect(signals[0]!.relativeGrowth).toBe(1.25);
    expect(signals[1]!.relativeGrowth).toBe(0.8);
  });
});
