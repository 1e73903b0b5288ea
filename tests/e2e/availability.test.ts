/**
 * Issue 16 in real headless Chromium: the OEM sees supply vs demand per model line (chart), tries
 * an allocation (what-if), creates and publishes a run; the dealer opens "Availability" (stock
 * and pipeline with ETAs, days' supply, the allocation with its explanation) and accepts its
 * units; on a phone the page fits the screen; another dealer cannot open it.
 * Screenshots (desktop and phone) go to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { followLink, pickOption } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('availability browser tests');
const OUT = join(ROOT, 'docs/screenshots');
const CHANNEL = 'channel@forecourt.test';

describe.skipIf(!hasChromium)('availability and allocation in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let line: { code: string; name: string; sku: string; skuName: string; powertrain: string };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    // the model line the demo dealer sells most, and its best-selling SKU that is not a BEV
    const { rows } = await app.services.db.query<typeof line>(
      `select ml.code, ml.name, s.code as sku, s.name as "skuName", s.powertrain from transactions t
       join skus s on s.id = t.sku_id join model_lines ml on ml.id = s.model_line_id join dealers d on d.id = t.dealer_id
       where d.code = $1 and t.kind = 'retail_delivery' and s.powertrain <> 'BEV' and s.status = 'active'
       group by ml.code, ml.name, s.code, s.name, s.powertrain order by count(*) desc limit 1`,
      [app.accounts.dealer.dealerCode],
    );
    line = rows[0]!;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('lets the OEM compare supply with demand, try a run, create and publish it', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, CHANNEL, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'Supply and demand' }),
        '**/availability',
      );
      await page
        .getByTestId('supply-demand-chart')
        .locator('.recharts-bar-rectangle')
        .first()
        .waitFor();
      expect(
        await page.getByTestId('supply-demand-table').locator('tbody tr').count(),
      ).toBeGreaterThan(1);
      await page.screenshot({
        path: join(OUT, 'availability-supply-demand-desktop.png'),
        fullPage: true,
      });

      await followLink(
        page,
        page.getByRole('link', { name: 'Allocation runs' }).first(),
        '**/allocation',
      );
      await page.getByTestId('allocation-page').waitFor();
      await pickOption(page, page.getByLabel('Model line').first(), {
        name: line.name,
        exact: true,
      });
      const supply = page.getByLabel(`${line.skuName} (${line.powertrain})`);
      await supply.fill('60');
      await page.getByRole('button', { name: 'What-if' }).click();
      const whatIf = page.getByTestId('allocation-results').first();
      await whatIf.locator('tbody tr').first().waitFor();
      // the summary: SKU, supply 60, allocated 60
      await expect
        .poll(() =>
          page
            .getByTestId('allocation-summary')
            .first()
            .locator('tr', { hasText: line.sku })
            .first()
            .textContent(),
        )
        .toContain(`${line.sku}6060`);
      await expect
        .poll(() => page.getByTestId('allocation-results-pager').first().textContent())
        .toMatch(/of/);
      await page.getByRole('button', { name: 'Create draft' }).click();
      await page.getByRole('button', { name: 'Publish' }).click();
      await page.getByRole('button', { name: 'Re-allocate declined' }).waitFor();
      await expect
        .poll(() => page.getByTestId('published-formula').textContent())
        .toMatch(/largest remainder/);
      await page.screenshot({
        path: join(OUT, 'availability-allocation-run-desktop.png'),
        fullPage: true,
      });
    } finally {
      await context.close();
    }
  });

  it('fits the OEM screens on a phone', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, CHANNEL, app.accounts.password);
      for (const [path, testId, shot] of [
        ['/availability', 'supply-demand-chart', 'availability-supply-demand-phone.png'],
        ['/allocation', 'runs-table', 'availability-allocation-run-phone.png'],
      ] as const) {
        await page.goto(path);
        await page.getByTestId(testId).waitFor();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, path).toBeLessThanOrEqual(390);
        await page.screenshot({ path: join(OUT, shot), fullPage: true });
      }
      // a run: its summary and a page of its results fit too (the tables scroll inside)
      await page.getByTestId('runs-table').locator('tbody tr').first().click();
      await page.getByTestId('allocation-results-pager').waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, 'allocation run').toBeLessThanOrEqual(390);
      await page.screenshot({
        path: join(OUT, 'availability-allocation-run-phone.png'),
        fullPage: true,
      });
    } finally {
      await context.close();
    }
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    it(`shows the dealer its availability and lets it accept its allocation (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
        await page.goto('/availability');
        await page.getByTestId('dealer-availability-page').waitFor();
        await page.getByTestId(`line-${line.code}`).waitFor();
        expect(
          await page.getByTestId('pipeline-table').locator('tbody tr').count(),
        ).toBeGreaterThan(0);
        const row = page.getByTestId('allocation-row').filter({ hasText: line.skuName }).first();
        await row.waitFor();
        expect(await row.getByTestId('allocation-explanation').textContent()).toMatch(
          /of 60 units: .*recent sales/,
        );
        if (viewport === 'desktop') {
          await row.getByRole('button', { name: 'Accept' }).click();
          await row.getByText(/accepted \d+/).waitFor();
        } else {
          await row.getByText(/accepted \d+/).waitFor();
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width).toBeLessThanOrEqual(390);
        }
        await page.screenshot({
          path: join(OUT, `availability-dealer-${viewport}.png`),
          fullPage: true,
        });
      } finally {
        await context.close();
      }
    });
  }

  it("does not let another dealer open the first dealer's availability", async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.otherDealer.email, app.accounts.password);
      await page.goto(`/availability/dealers/${app.accounts.dealer.dealerCode}`);
      await page.getByText(/was not found/).waitFor();
      expect(await page.getByText(app.accounts.dealer.dealerName).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
