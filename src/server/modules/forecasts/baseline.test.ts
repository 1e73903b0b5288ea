import { describe, expect, it } from 'vitest';
import { buildBaseline, evSignals, type BaselineSeries } from './baseline';
import { seededRandom } from './backtest/synthetic';
import { coverage } from './methods';

function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

/**
 * A small network: 2 regions × 60 dealers of different sizes × 4 model lines, Poisson counts
 * around a seasonal level. Line 2 stops selling 4 months before the end; line 3 launches in
 * month 44 of 48 and line 1 launched in month 14 (the analogue).
 */
function network(months: number, seed = 5) {
  const random = seededRandom(seed);
  const season = [0.8, 0.9, 1.1, 1, 1.1, 1, 1, 1.05, 0.95, 1, 0.95, 1.15];
  const ramp = (age: number) => (age < 0 ? 0 : 1 - Math.exp(-(age + 0.5) / 2.5));
  const series: BaselineSeries[] = [];
  for (let d = 0; d < 120; d += 1) {
    const size = 0.3 + 2.5 * random();
    for (let line = 0; line < 4; line += 1) {
      const values = Array.from({ length: months }, (_, t) => {
        let level = size * [3, 2, 1.5, 1][line]! * season[t % 12]!;
        if (line === 1) level *= ramp(t - 14);
        if (line === 2 && t >= 44) level = 0;
        if (line === 3) level *= ramp(t - 44);
        return poisson(random, level);
      });
      series.push({ regionIndex: d % 2, lineIndex: line, dealerIndex: d, values });
    }
  }
  return series;
}

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
      evTilt: true,
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

describe('buildBaseline on a small network', () => {
  const full = network(60);
  const history = full.map((s) => ({ ...s, values: s.values.slice(0, 48) }));
  const holdout = full.map((s) => s.values.slice(48));
  const input = {
    horizon: 12,
    lastMonthOfYear: 12,
    regionCount: 2,
    lineCount: 4,
    series: history,
    parallelThreshold: 0,
  };

  it('calibrates the intervals on the reconciled forecasts and covers about what it claims', async () => {
    const result = await buildBaseline(input);
    expect(result.calibration.originHistory).toBe(36);
    expect(result.calibration.originHorizon).toBe(12);
    expect(result.calibration.intermittent.source).toMatch(/^reconciled:intermittent/);
    // 8 region × line series are too few for a table of their own: the default one.
    expect(result.calibration.region.source).toMatch(/^default/);
    // Score the lines that sell on: line 2 (discontinued, all zeros, always inside) and line 3
    // (launched after the calibration origin) would flatter and blur the figure.
    const known = result.cells.flatMap((c, i) => (history[i]!.lineIndex < 2 ? [i] : []));
    const pick = (f: (i: number) => number[]) => known.flatMap(f);
    const c80 = coverage(
      pick((i) => holdout[i]!),
      pick((i) => result.cells[i]!.lower80),
      pick((i) => result.cells[i]!.upper80),
    );
    const c95 = coverage(
      pick((i) => holdout[i]!),
      pick((i) => result.cells[i]!.lower95),
      pick((i) => result.cells[i]!.upper95),
    );
    expect(c80).toBeGreaterThan(75);
    expect(c80).toBeLessThan(88);
    expect(c95).toBeGreaterThan(90);
    for (const n of result.nationalLines)
      n.mean.forEach((m, h) => {
        expect(n.lower95[h]!).toBeLessThanOrEqual(m);
        expect(n.upper95[h]!).toBeGreaterThanOrEqual(n.upper80[h]!);
      });
  });

  it('zeroes a discontinued line and forecasts a new one by analogy, where the dealers sell', async () => {
    const result = await buildBaseline(input);
    expect(result.stats.discontinuedLines).toEqual([2]);
    expect(result.stats.launchedLines).toEqual([3]);
    const line = (l: number) => result.cells.filter((_, i) => history[i]!.lineIndex === l);
    expect(line(2).every((c) => c.mean.every((v) => v === 0))).toBe(true);
    const launched = line(3).reduce((a, c) => a + c.mean[11]!, 0);
    const truth = holdout.reduce((a, y, i) => a + (history[i]!.lineIndex === 3 ? y[11]! : 0), 0);
    expect(launched).toBeGreaterThan(0.6 * truth);
    expect(launched).toBeLessThan(1.5 * truth);
    // Without the analogue the statistical methods see a month or two of sales: far too low.
    const plain = await buildBaseline({ ...input, launchAnalogues: false });
    const plainSum = plain.cells.reduce(
      (a, c, i) => a + (history[i]!.lineIndex === 3 ? c.mean[11]! : 0),
      0,
    );
    expect(plainSum).toBeLessThan(0.5 * truth);
  });

  it("forecasts nothing after a line's planned end of sale, part of its last month", async () => {
    const plain = await buildBaseline(input);
    // Line 0's last month of sale is the third forecast month (index 50), half of it sold.
    const ended = await buildBaseline({
      ...input,
      lineSalesEnd: [{ last: 50, share: 0.5 }, null, null, null],
    });
    const sum = (r: typeof plain, line: number, h: number) =>
      r.regionLines.filter((x) => x.lineIndex === line).reduce((a, x) => a + x.mean[h]!, 0);
    expect(sum(ended, 0, 0)).toBeCloseTo(sum(plain, 0, 0), 1);
    expect(sum(ended, 0, 2)).toBeCloseTo(sum(plain, 0, 2) / 2, 1);
    for (let h = 3; h < 12; h += 1) expect(sum(ended, 0, h)).toBe(0);
    const cells = ended.cells.filter((_, i) => history[i]!.lineIndex === 0);
    expect(cells.every((c) => c.mean.slice(3).every((v) => v === 0))).toBe(true);
    expect(sum(ended, 1, 5)).toBeCloseTo(sum(plain, 1, 5), 6);
  });
});
