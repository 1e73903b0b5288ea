import { describe, expect, it } from 'vitest';
import { calibrateBatch, forecastMany, type ForecastProgress } from './index';
import { syntheticPanel } from '../backtest/synthetic';

const panel = syntheticPanel({ dealers: 12, lines: 5, months: 48, seed: 3, dealerMedianUnits: 60 });
const series = panel.series.flat();

describe('forecastMany', () => {
  it('gives the same numbers in worker threads (under tsx) as in-thread, with progress', async () => {
    const options = { horizon: 12, profile: 'fast' as const, chunkSize: 7 };
    const progress: ForecastProgress[] = [];
    const inThread = await forecastMany(series, { ...options, parallelThreshold: 0 });
    const pooled = await forecastMany(
      series,
      { ...options, parallelThreshold: 10, workers: 2 },
      (p) => progress.push(p),
    );
    expect(pooled).toEqual(inThread);
    expect(pooled).toHaveLength(series.length);
    const forecasting = progress.filter((p) => p.phase === 'forecasting');
    expect(forecasting.at(-1)).toEqual({
      phase: 'forecasting',
      done: series.length,
      total: series.length,
    });
    for (let i = 1; i < forecasting.length; i += 1)
      expect(forecasting[i]!.done).toBeGreaterThanOrEqual(forecasting[i - 1]!.done);
    expect(progress[0]?.phase).toBe('calibrating');
  });

  it('calibrates on the batch when it is large enough and accepts stored tables', async () => {
    const large = syntheticPanel({
      dealers: 40,
      lines: 6,
      months: 48,
      seed: 5,
      dealerMedianUnits: 15,
    }).series.flat();
    const calibration = await calibrateBatch(large, { horizon: 12, profile: 'fast' });
    // 240 series of 48 months: at least 50 calibration windows in each class.
    expect(calibration.regular.source).toMatch(/^batch/);
    expect(calibration.intermittent.source).toMatch(/^batch/);
    expect(calibration.regular.quantiles).toHaveLength(12);
    const first = await forecastMany(series.slice(0, 3), {
      horizon: 6,
      profile: 'fast',
      calibration,
    });
    expect(first).toHaveLength(3);
    expect(first[0]!.upper95).toHaveLength(6);
  });

  it('names the bad series', async () => {
    await expect(
      forecastMany(
        [
          [1, 2],
          [1, Number.POSITIVE_INFINITY],
        ],
        { horizon: 3 },
      ),
    ).rejects.toThrow(/series 1/);
  });
});
