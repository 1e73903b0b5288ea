import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduleDaily } from './daily-schedule';

describe('scheduleDaily', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts the job at the next hour:minute UTC, then every day, until stopped', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-10T12:00:00Z'));
    const starts: string[] = [];
    const jobs = {
      start: vi.fn(({ kind }: { kind: string }) => {
        starts.push(`${kind}@${new Date().toISOString()}`);
        return Promise.reject(new Error('409: already running'));
      }),
    };
    const stop = scheduleDaily(jobs as never, 'demo.kind', { hourUtc: 0, minuteUtc: 5 });
    await vi.advanceTimersByTimeAsync(12 * 3600_000 + 4 * 60_000);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toEqual(['demo.kind@2026-03-11T00:05:00.000Z']);
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    expect(starts).toHaveLength(2);
    stop();
    await vi.advanceTimersByTimeAsync(48 * 3600_000);
    expect(starts).toHaveLength(2);
  });

  it('runs today when the time has not come yet', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-10T01:00:00Z'));
    const start = vi.fn(() => Promise.resolve());
    const stop = scheduleDaily({ start } as never, 'purge', { hourUtc: 3 });
    await vi.advanceTimersByTimeAsync(2 * 3600_000);
    expect(start).toHaveBeenCalledWith({ actor: null, kind: 'purge', params: {} });
    stop();
  });
});
