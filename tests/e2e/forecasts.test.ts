/**
 * Forecasts in real headless Chromium against the real server and the built web app, over the
 * small e2e demo network with the demo forecast cycles (forecasts.seed.ts: one cycle in its
 * adjustment window, one locked six months back). A dealer opens its grid, adjusts a cell with a
 * reason and sees it marked (and a refused value shown at the cell); the OEM sees the cycles, one
 * cycle's roll-ups and the accuracy page; on a phone the grid scrolls sideways inside its box.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedForecasts } from '../../src/server/modules/forecasts/forecasts.seed';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('forecast browser tests');
const CHANNEL = 'channel@forecourt.test';

/** From the dealer's forecast page to its grid in the open cycle. */
async function openOwnGrid(page: Page): Promise<void> {
  await followLink(
    page,
    page.getByRole('link', { name: 'My forecast', exact: true }),
    '**/forecasts/cycles',
  );
  await followLink(
    page,
    page.getByRole('link', { name: 'Open my forecast' }),
    '**/forecasts/cycles/*/dealers/*',
  );
  await page.getByTestId('forecast-grid').waitFor();
}

describe.skipIf(!hasChromium)('forecasts in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let cycles: Awaited<ReturnType<typeof seedForecasts>>;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    cycles = await seedForecasts(app.services);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('seeds one cycle in its adjustment window and one locked cycle', () => {
    expect(cycles.openCycleId).not.toBeNull();
    expect(cycles.lockedCycleId).not.toBeNull();
  });

  it('lets a dealer adjust a cell with a reason and marks it; a refused value shows at the cell', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
      await openOwnGrid(page);
      expect(page.url()).toContain(`/dealers/${app.accounts.dealer.dealerCode}`);
      const grid = page.getByTestId('forecast-grid');
      const target = grid.locator('button[data-mark="none"]').first();
      const key = (await target.getAttribute('data-cell'))!;
      const cell = grid.locator(`button[data-cell="${key}"]`);

      // A negative number: the server refuses it and says so at the field and the cell.
      await cell.click();
      const form = page.getByTestId('adjust-form');
      await form.waitFor();
      await form.getByLabel('Vehicles').fill('-3');
      await form.getByLabel('Reason', { exact: true }).click();
      await page.getByRole('option', { name: 'Fleet deal' }).click();
      await form.getByRole('button', { name: 'Save adjustment' }).click();
      await expect
        .poll(async () => form.getByText('non-negative whole number').count())
        .toBeGreaterThan(0);
      expect(await cell.getAttribute('aria-invalid')).toBe('true');
      expect(await cell.getAttribute('data-mark')).toBe('none');

      // A valid adjustment with its reason: saved, the cell is marked and the history lists it.
      await form.getByLabel('Vehicles').fill('17');
      await form.getByLabel('Comment (optional)').fill('Fleet tender with the city');
      await form.getByRole('button', { name: 'Save adjustment' }).click();
      await expect.poll(async () => cell.getAttribute('data-mark')).toBe('adjusted');
      expect(await cell.getAttribute('aria-invalid')).toBeNull();
      expect(await cell.textContent()).toContain('17');
      const edits = page.getByTestId('cell-edits');
      await edits.waitFor();
      expect(await edits.textContent()).toContain('Fleet deal');
      expect(await edits.textContent()).toContain('Fleet tender with the city');

      // Stored: the API's grid has the adjustment with its reason.
      const [modelLine, month] = key.split('|');
      const { rows } = await app.services.db.query<{ adjusted: number; reason: string }>(
        `select fc.adjusted, fc.adjust_reason as reason from forecast_cells fc
         join dealers d on d.id = fc.dealer_id join model_lines m on m.id = fc.model_line_id
         where fc.cycle_id = $1 and d.code = $2 and m.code = $3 and fc.target_month = $4::date`,
        [cycles.openCycleId, app.accounts.dealer.dealerCode, modelLine, `${month}-01`],
      );
      expect(rows[0]).toEqual({ adjusted: 17, reason: 'fleet_deal' });

      // The chart of history and forecast with its interval band is there.
      await page.keyboard.press('Escape');
      await page.getByTestId('line-forecast-chart').waitFor();

      // Its commitments: the dealer sets what it expects to deliver in an open period.
      const commitments = page.getByTestId('agreement-expectations');
      await commitments.waitFor();
      const input = commitments.getByRole('textbox').first();
      const label = (await input.getAttribute('aria-label'))!;
      await input.fill('23');
      await commitments.getByRole('button', { name: 'Save expectations' }).click();
      await expect
        .poll(async () =>
          commitments.getByRole('button', { name: 'Save expectations' }).isDisabled(),
        )
        .toBe(true);
      const stored = await app.services.db.query<{ expected: number }>(
        `select e.expected_quantity as expected from agreement_expectations e
         join agreements a on a.id = e.agreement_id join dealers d on d.id = a.dealer_id
         where d.code = $1`,
        [app.accounts.dealer.dealerCode],
      );
      expect(
        stored.rows.map((r) => r.expected),
        label,
      ).toEqual([23]);
    } finally {
      await context.close();
    }
  });

  it('shows the OEM the cycles, a cycle with its roll-ups, and the accuracy page', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, CHANNEL, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'Forecasts', exact: true }),
        '**/forecasts/cycles',
      );
      const rows = page.getByTestId('cycles-table').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(2);
      expect(await page.getByTestId('cycles-table').textContent()).toContain('Adjusting');
      expect(await page.getByTestId('cycles-table').textContent()).toContain('Published');

      await page.locator(`a[href="/forecasts/cycles/${cycles.openCycleId}"]`).click();
      await page.getByTestId('forecast-cycle-page').waitFor();
      expect(await page.getByTestId('cycle-status').textContent()).toBe('Adjusting');
      await page.getByTestId('rollup-table').locator('tbody tr').first().waitFor();
      expect(await page.locator('[data-transition="lock"]').count()).toBe(1);

      await followLink(
        page,
        page.getByRole('link', { name: 'Forecast accuracy', exact: true }),
        '**/forecasts/accuracy',
      );
      const wape = page.getByTestId('wape-consensus');
      await wape.waitFor();
      expect(await wape.textContent()).toMatch(/\d+(\.\d)?\s%/);
      expect(await page.getByTestId('value-added').textContent()).toMatch(
        /Dealer adjustments (improved|worsened|did not change) WAPE/,
      );
      await page.getByTestId('accuracy-horizon-chart').waitFor();
      expect(await page.getByTestId('accuracy-table').locator('tbody tr').count()).toBeGreaterThan(
        0,
      );
    } finally {
      await context.close();
    }
  });

  it('fits a phone: no sideways page overflow, the grid scrolls inside its own box', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
      await page.goto(
        `/forecasts/cycles/${cycles.openCycleId}/dealers/${app.accounts.dealer.dealerCode}`,
      );
      await page.getByTestId('forecast-grid').waitFor();
      await page.getByTestId('line-forecast-chart').waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      const scroller = await page
        .getByTestId('forecast-grid-scroll')
        .locator('.mantine-ScrollArea-viewport')
        .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      expect(scroller.scroll).toBeGreaterThan(scroller.client);
      // A tap opens the cell's detail with its interval.
      await page.getByTestId('forecast-grid').locator('button[data-cell]').first().tap();
      await page.getByTestId('cell-detail').waitFor();
      expect(await page.getByTestId('cell-detail').textContent()).toContain('Likely range');
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
