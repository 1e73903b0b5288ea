/**
 * Browser journeys in real headless Chromium against the real server and the built web app:
 * the OEM sees the network, a dealer sees its own dealership and cannot reach another's, and a
 * wrong password is refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('browser tests');

describe.skipIf(!hasChromium)('web app in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('refuses a wrong password with a clear message', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await context.newPage();
      await page.goto('/');
      await page.waitForURL('**/login');
      await page.locator('input[name=email]').fill(app.accounts.admin);
      await page.locator('input[name=password]').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const error = page.getByTestId('login-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('Wrong e-mail address or password');
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await context.close();
    }
  });

  it('shows the OEM admin the network overview with dealers and the chart', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      expect(new URL(page.url()).pathname).toBe('/overview');
      await page.getByRole('heading', { name: 'Network overview' }).waitFor();

      // KPIs over the whole network.
      const dealersKpi = page.getByTestId('kpi-dealers');
      await dealersKpi.getByText(/^\d[\d,]*$/).waitFor();
      const activeDealers = app.network.dealers.filter((d) => d.status === 'active').length;
      expect(await dealersKpi.textContent()).toContain(String(activeDealers));

      // The chart of monthly deliveries by region draws lines.
      await page.getByTestId('region-chart').locator('.recharts-line-curve').first().waitFor();
      expect(
        await page.getByTestId('region-chart').locator('.recharts-line-curve').count(),
      ).toBeGreaterThan(0);
      expect(await page.getByTestId('regions-table').locator('tbody tr').count()).toBeGreaterThan(
        0,
      );

      // The dealers table lists the network and links to a dealer page.
      const rows = page.getByTestId('dealers-table').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(Math.min(app.network.dealers.length, 25));
      const { dealerCode, dealerName } = app.accounts.dealer;
      await followLink(
        page,
        page.getByRole('link', { name: dealerName }).first(),
        `**/dealers/${dealerCode}`,
      );
      await page.getByRole('heading', { name: dealerName }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("lands a dealer on its own dealer page with its actuals, and keeps other dealers' pages closed", async () => {
    const context = await newContext(browser, app.url);
    try {
      const { dealer, otherDealer } = app.accounts;
      const page = await signIn(context, dealer.email, app.accounts.password);
      expect(new URL(page.url()).pathname).toBe(`/dealers/${dealer.dealerCode}`);
      await page.getByRole('heading', { name: dealer.dealerName }).waitFor();
      expect(await page.getByTestId('dealer-page').getAttribute('data-dealer-code')).toBe(
        dealer.dealerCode,
      );

      // Monthly actuals: stacked bars and the model line × month table with totals.
      await page
        .getByTestId('model-line-chart')
        .locator('.recharts-bar-rectangle')
        .first()
        .waitFor();
      const tableRows = page.getByTestId('actuals-table').locator('tbody tr');
      expect(await tableRows.count()).toBeGreaterThan(0);
      expect(await page.getByTestId('actuals-table').locator('tfoot').textContent()).toContain(
        'All model lines',
      );
      await page.getByTestId('transactions-table').waitFor();

      // Live: a batch that commits elsewhere shows on the open page without a reload.
      const sample = await app.services.db.query<{ sku: string; currency: string }>(
        `select s.code as sku, t.currency from transactions t join skus s on s.id = t.sku_id
         join dealers d on d.id = t.dealer_id where d.code = $1 limit 1`,
        [dealer.dealerCode],
      );
      await app.services.transactions.ingest({
        actor: SYSTEM_ACTOR,
        format: 'json',
        body: (async function* () {
          yield {
            row: 1,
            value: {
              kind: 'retail_delivery',
              dealerCode: dealer.dealerCode,
              sku: sample.rows[0]!.sku,
              vin: '1LVE0TEST00000001',
              quantity: 1,
              amount: '40000.00',
              currency: sample.rows[0]!.currency.trim(),
              occurredOn: '2026-11-27',
              source: 'live-e2e',
              externalId: 'LIVE-E2E-1',
            },
          };
        })(),
        byteLimit: 1e6,
      });
      await page
        .getByTestId('transactions-table')
        .getByText('1LVE0TEST00000001')
        .waitFor({ timeout: 15_000 });

      // The dealer's navigation has no OEM pages.
      await expect(page.getByRole('link', { name: 'Network overview' }).count()).resolves.toBe(0);
      await expect(page.getByRole('link', { name: 'Users' }).count()).resolves.toBe(0);

      // Another dealer's address: not found or not yours, and nothing of that dealer.
      const apiAnswers: number[] = [];
      page.on('response', (response) => {
        if (response.url().includes(`/api/v1/dealers/${otherDealer.dealerCode}`))
          apiAnswers.push(response.status());
      });
      await page.goto(`/dealers/${otherDealer.dealerCode}`);
      const notFound = page.getByTestId('dealer-not-found');
      await notFound.waitFor();
      expect(await notFound.textContent()).toContain('not one of yours');
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body).not.toContain(otherDealer.dealerName);
      expect(await page.getByTestId('model-line-chart').count()).toBe(0);
      expect(await page.getByTestId('actuals-table').count()).toBe(0);
      expect(apiAnswers.length).toBeGreaterThan(0);
      expect(apiAnswers.every((status) => status === 404)).toBe(true);

      // The session goes away: the next request sends the dealer to the login page, saying why.
      await context.clearCookies();
      await page.getByRole('link', { name: 'Transactions', exact: true }).click();
      await page.getByTestId('session-expired').waitFor();
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await context.close();
    }
  });

  it('works on a phone: the dealer page fits the screen and the menu opens', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
      await page
        .getByTestId('model-line-chart')
        .locator('.recharts-bar-rectangle')
        .first()
        .waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.getByRole('button', { name: 'Open navigation' }).click();
      await followLink(
        page,
        page.getByRole('link', { name: 'Transactions', exact: true }),
        '**/transactions',
      );
      await page.getByTestId('transactions-table').waitFor();
    } finally {
      await context.close();
    }
  });
});
