/**
 * Agreements in real headless Chromium against the real server and the built web app: the OEM
 * channel manager sees the network's agreements with attainment, opens one and sees its progress
 * chart; a dealer principal sees its own agreements only, and another dealer's agreement is closed
 * to it; on a phone the agreement page fits the screen.
 *
 * Needs the agreement routes in src/web/app.tsx and the "Agreements" item in src/web/nav-items.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('agreement browser tests');
const CHANNEL = 'channel@forecourt.test';

/** The id of a dealer's agreement, straight from the database. */
async function agreementIdOf(app: WebApp, dealerCode: string): Promise<number> {
  const { rows } = await app.services.db.query<{ id: number }>(
    `select a.id from agreements a join dealers d on d.id = a.dealer_id
     where d.code = $1 order by a.id limit 1`,
    [dealerCode],
  );
  if (!rows[0]) throw new Error(`The demo has no agreement for ${dealerCode}`);
  return rows[0].id;
}

describe.skipIf(!hasChromium)('agreements in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the OEM the network table with attainment, and one agreement with its progress chart', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, CHANNEL, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'Agreements', exact: true }),
        '**/agreements',
      );
      await page.getByRole('heading', { name: 'Agreements', exact: true }).waitFor();

      // Rows with attainment, one per active dealer's agreement (12 dealers: one page).
      const rows = page.getByTestId('agreements-table').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBeGreaterThan(0);
      const firstAttainment = (await rows.first().getByTestId('attainment').textContent()) ?? '';
      expect(firstAttainment).toMatch(/\d+(\.\d)?\s%/);
      await page.getByTestId('region-rollups').waitFor();
      // the roll-up by model line (server-side) lists model lines with their attainment
      const lineRows = page.getByTestId('model-line-rollups').locator('tbody tr');
      await lineRows.first().waitFor();
      expect(await lineRows.first().getByTestId('attainment').textContent()).toMatch(/\d/);

      // Sorting by attainment asks the server and puts the lowest first.
      await page.locator('[data-sort="attainment"]').click();
      await page.waitForURL('**/agreements?sort=attainment');
      await expect
        .poll(async () => {
          const texts = await page
            .getByTestId('agreements-table')
            .locator('tbody tr [data-testid="attainment"] p')
            .allTextContents();
          const values = texts
            .map((t) => Number.parseFloat(t.replace(/[^\d.]/g, '')))
            .filter((v) => Number.isFinite(v));
          return values.length > 1 && values.every((v, i) => i === 0 || values[i - 1]! <= v);
        })
        .toBe(true);

      // Open one: its page with the planned vs actual bars and the lines × periods table.
      const { dealerCode, dealerName } = app.accounts.dealer;
      await followLink(
        page,
        page.getByRole('link', { name: dealerName }).first(),
        /\/agreements\/\d+$/,
      );
      await page.getByRole('heading', { name: dealerName }).waitFor();
      const agreementPage = page.getByTestId('agreement-page');
      expect(await agreementPage.getAttribute('data-agreement')).toMatch(/^AG-/);
      await page.getByTestId('progress-bars').locator('.recharts-bar-rectangle').first().waitFor();
      await page
        .getByTestId('progress-cumulative')
        .locator('.recharts-line-curve')
        .first()
        .waitFor();
      expect(await page.getByTestId('progress-table').locator('tbody tr').count()).toBeGreaterThan(
        0,
      );
      expect(await page.getByTestId('kpi-attainment').textContent()).toMatch(/\d+(\.\d)?\s%/);
      await page.getByTestId('versions').waitFor();
      await page.getByTestId('ledger-badge').waitFor();
      expect(await page.getByTestId('ledger-badge').getAttribute('data-ok')).toBe('true');
      expect(await page.locator('body').textContent()).toContain(dealerCode);
    } finally {
      await context.close();
    }
  });

  it("shows a dealer its own agreements and no other dealer's", async () => {
    const context = await newContext(browser, app.url);
    try {
      const { dealer, otherDealer } = app.accounts;
      const page = await signIn(context, dealer.email, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'My agreements', exact: true }),
        '**/agreements',
      );
      const cards = page.getByTestId('agreement-cards').locator('[data-agreement]');
      await cards.first().waitFor();
      const dealerCodes = await cards.evaluateAll((nodes) =>
        nodes.map((n) => n.getAttribute('data-dealer-code')),
      );
      expect(dealerCodes.length).toBeGreaterThan(0);
      expect(dealerCodes.every((code) => code === dealer.dealerCode)).toBe(true);
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body).not.toContain(otherDealer.dealerName);

      // Its own agreement opens with the chart.
      await followLink(page, cards.first(), /\/agreements\/\d+$/);
      await page.getByTestId('progress-bars').locator('.recharts-bar-rectangle').first().waitFor();

      // Another dealer's agreement: not found or not yours, and nothing of it.
      const otherId = await agreementIdOf(app, otherDealer.dealerCode);
      const apiAnswers: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === `/api/v1/agreements/${otherId}`)
          apiAnswers.push(response.status());
      });
      await page.goto(`/agreements/${otherId}`);
      const notFound = page.getByTestId('agreement-not-found');
      await notFound.waitFor();
      expect(await notFound.textContent()).toContain('not one of yours');
      expect((await page.locator('body').textContent()) ?? '').not.toContain(
        otherDealer.dealerName,
      );
      expect(apiAnswers.length).toBeGreaterThan(0);
      expect(apiAnswers.every((status) => status === 404)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('fits a phone: the agreement page does not overflow and its table scrolls by itself', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
      const id = await agreementIdOf(app, app.accounts.dealer.dealerCode);
      await page.goto(`/agreements/${id}`);
      await page.getByTestId('progress-bars').locator('.recharts-bar-rectangle').first().waitFor();
      await page.getByTestId('progress-table').waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
