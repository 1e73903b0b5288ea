import { describe, expect, it } from 'vitest';
import { runBacktest } from './backtest';

const PATTERN = [0.7, 0.8, 1.2, 1.3, 1.1, 1.0, 0.9, 1.0, 1.1, 0.9, 0.95, 1.05];

describe('runBacktest', () => {
  it('scores a perfectly seasonal series: seasonal naive has zero error', async () => {
    const values = Array.from({ length: 72 }, (_, t) => 100 * PATTERN[t % 12]!);
    const report = await runBacktest([{ id: 'S', values }], {
      horizon: 12,
      history: 48,
      origins: 2,
      methods: ['seasonal-naive', 'theta'],
    });
    expect(report.windowCount).toBe(2);
    const snaive = report.methods.find((m) => m.method === 'seasonal-naive')!;
    expect(snaive.smape).toBe(0);
    expect(snaive.wape).toBe(0);
    expect(snaive.medianTotalAbsError).toBe(0);
    expect(snaive.coverage80).toBe(100);
    expect(snaive.windows).toBe(2);
  });

  it('steps origins back by `step` months and skips windows without enough history', async () => {
    const values = Array.from({ length: 40 }, (_, t) => 10 + t);
    const report = await runBacktest([{ id: 'L', values }], {
      horizon: 6,
      history: 24,
      origins: 5,
      step: 3,
      methods: ['theta'],
    });
    // Origins at 34, 31, 28, 25, 22: the last has only 22 < 24 months of history.
    expect(report.windowCount).toBe(4);
    expect(report.skippedWindows).toBe(1);
    expect(report.step).toBe(3);
  });

  it('runs every method on a handful of series and reports finite metrics and progress', async () => {
    const series = Array.from({ length: 4 }, (_, k) => ({
      id: `S${k}`,
      values: Array.from(
        { length: 60 },
        (_, t) => (50 + 5 * k + t) * PATTERN[t % 12]! + ((t * (k + 3)) % 7),
      ),
    }));
    const progress: number[] = [];
    const report = await runBacktest(series, {
      horizon: 12,
      history: 48,
      origins: 1,
      onProgress: (p) => progress.push(p.done),
    });
    expect(progress.at(-1)).toBe(4);
    expect(report.seriesCount).toBe(4);
    for (const m of report.methods) {
      expect(Number.isFinite(m.smape)).toBe(true);
      expect(Number.isFinite(m.coverage95)).toBe(true);
      expect(m.series).toBe(4);
    }
    expect(report.methods.map((m) => m.method)).toContain('production');
  });

  it('rejects invalid options', async () => {
    await expect(runBacktest([], { horizon: 0, history: 48, origins: 1 })).rejects.toThrow(
      /horizon/,
    );
  });
});
