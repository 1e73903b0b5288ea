/**
 * GET /dealers/{code}/home (issue 18): the web app's dealer page in one answer, the same parts as
 * the three endpoints it replaces for the page (which stay for API clients), within the scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type TestApp } from './helpers/test-app';

describe.each(engines())('the dealer home in one request (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-ALPHA', occurredOn: '2026-03-02', externalId: 'home-1' }),
      txRow({ dealerCode: 'DLR-ALPHA', occurredOn: '2026-03-03', externalId: 'home-2' }),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers what the three endpoints answer, and again after the feed moves', async () => {
    const dealer = await login(t.url, USERS.dealerA, PASSWORD);
    const parts = async () => ({
      dealer: await json(await dealer.get('/api/v1/dealers/DLR-ALPHA'), 200),
      actuals: await json(await dealer.get('/api/v1/dealers/DLR-ALPHA/actuals/monthly'), 200),
      recentTransactions: await json(
        await dealer.get('/api/v1/transactions?dealer=DLR-ALPHA&limit=10'),
        200,
      ),
    });
    const home = await json<{ recentTransactions: { items: unknown[] } }>(
      await dealer.get('/api/v1/dealers/DLR-ALPHA/home'),
      200,
    );
    expect(home.recentTransactions.items.length).toBeGreaterThan(0);
    expect(home).toEqual(await parts());
    await ingestRows(t.services, [
      txRow({ dealerCode: 'DLR-ALPHA', occurredOn: '2026-03-04', externalId: 'home-3' }),
    ]);
    const after = await json(await dealer.get('/api/v1/dealers/DLR-ALPHA/home'), 200);
    expect(after).not.toEqual(home);
    expect(after).toEqual(await parts());
  });

  it("answers 404 for another dealer's home, as the dealer's page does", async () => {
    const other = await login(t.url, USERS.dealerB, PASSWORD);
    const res = await other.get('/api/v1/dealers/DLR-ALPHA/home');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('home-1');
    expect((await other.get('/api/v1/dealers/DLR-BRAVO/home')).status).toBe(200);
  });
});
