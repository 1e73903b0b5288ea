import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, request } from './api';

const limited = () =>
  new Response(JSON.stringify({ code: 'CONCURRENCY_LIMITED', message: 'Too many requests' }), {
    status: 429,
    headers: { 'retry-after': '1', 'content-type': 'application/json' },
  });
const ok = () => new Response(JSON.stringify({ hello: 'world' }), { status: 200 });

describe("request: a 429 for the caller's requests in flight", () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is sent again after Retry-After (nothing of it ran) and answers with the retry', async () => {
    const fetch = vi.fn().mockResolvedValueOnce(limited()).mockResolvedValueOnce(ok());
    vi.stubGlobal('fetch', fetch);
    const started = Date.now();
    await expect(request('/things')).resolves.toEqual({ hello: 'world' });
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("gives up after four tries with the server's error", async () => {
    vi.useFakeTimers();
    try {
      const fetch = vi.fn().mockImplementation(() => Promise.resolve(limited()));
      vi.stubGlobal('fetch', fetch);
      const answer = request('/things').catch((e: unknown) => e);
      await vi.runAllTimersAsync();
      const error = await answer;
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('CONCURRENCY_LIMITED');
      expect(fetch).toHaveBeenCalledTimes(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not retry other 429s (a per-minute limit)', async () => {
    const fetch = vi.fn().mockResolvedValue(
      new Response(JSON.stringify({ code: 'RATE_LIMITED', message: 'Slow down' }), {
        status: 429,
      }),
    );
    vi.stubGlobal('fetch', fetch);
    await expect(request('/things')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
