/**
 * Issue 13, defect 1: forecast accuracy for a regional manager took minutes on the embedded
 * database (the planner, without statistics, re-aggregated the sales roll-up for every forecast
 * cell of the region), and every other request waited. A region answers as fast as the whole
 * network, and /readyz keeps answering while it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../src/server/modules/demo/seed';
import { seedForecasts } from '../src/server/modules/forecasts/forecasts.seed';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type Accuracy = { cells: number; groups: { key: string }[] };

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

describe.each(engines())('forecast accuracy by scope (%s)', (engine) => {
  let t: TestApp;
  let channel: Client;
  let region: Client;

  beforeAll(async () => {
    t = await startTestApp(engine, { LOGIN_RATE_LIMIT_PER_MINUTE: '100' }, { today: '2026-11-15' });
    await seedDemo(t.services, {
      seed: 3,
      dealers: 48,
      months: 30,
      endMonth: '2026-10',
      modelLines: 12,
    });
    await seedForecasts(t.services);
    [channel, region] = await Promise.all([
      login(t.url, 'channel@forecourt.test', DEMO_PASSWORD),
      login(t.url, 'region@forecourt.test', DEMO_PASSWORD),
    ]);
  }, 300_000);
  afterAll(async () => t?.close());

  it('answers a regional manager as fast as the whole network, and keeps /readyz answering', async () => {
    const path = '/api/v1/forecasts/accuracy?by=dealer';
    await json(await channel.get(path), 200); // warm-up
    const network = await timed(async () => json<Accuracy>(await channel.get(path), 200));
    const regional = await timed(async () => json<Accuracy>(await region.get(path), 200));
    expect(regional.value.cells).toBeGreaterThan(0);
    expect(regional.value.cells).toBeLessThan(network.value.cells);
    expect(regional.ms, `region ${regional.ms} ms, network ${network.ms} ms`).toBeLessThan(
      2 * network.ms + 300,
    );

    // While a regional report runs, the readiness check answers.
    const report = region.get(path);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const ready = await timed(() => fetch(`${t.url}/readyz`));
    expect(ready.value.status).toBe(200);
    expect(ready.ms).toBeLessThan(2000);
    expect((await report).status).toBe(200);
  });
});
