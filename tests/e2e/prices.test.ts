/**
 * Prices in real headless Chromium (issue 11): the SKU page shows a SKU's price history and a
 * catalog editor adds a future price; a percent_of_msrp statement shows the unit price each line
 * was priced at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('price browser tests');

describe.skipIf(!hasChromium)('prices in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let period: string;
  let currency: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    // The dealer's latest month of retail deliveries, in their currency.
    const { rows } = await app.services.db.query<{ month: string; currency: string }>(
      `select to_char(t.occurred_on, 'YYYY-MM') as month, trim(t.currency) as currency
       from transactions t join dealers d on d.id = t.dealer_id
       where d.code = $1 and t.kind = 'retail_delivery' order by t.occurred_on desc limit 1`,
      [app.accounts.dealer.dealerCode],
    );
    [period, currency] = [rows[0]!.month, rows[0]!.currency];
    const author = { ...SYSTEM_ACTOR, id: -7, name: 'price author' };
    await app.services.incentives.createProgram({
      actor: author,
      data: {
        code: 'E2E-MSRP',
        name: 'Share of MSRP',
        currency,
        startDate: `${period.slice(0, 4)}-01-01`,
        endDate: `${period.slice(0, 4)}-12-31`,
        measurementPeriod: 'month',
        payoutFrequency: 'month',
        measure: 'units',
        tiers: [{ from: '0', value: '1.5' }],
        benefit: 'percent_of_msrp',
        // The demo's rows arrived when it was seeded (today): they count all year.
        graceDays: 365,
      },
    });
    await app.services.incentives.publishProgram({ actor: author, code: 'E2E-MSRP' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the price history of a SKU and adds a future price', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await page.goto('/catalog/skus');
      const table = page.getByTestId('skus-table');
      await table.waitFor();
      // The first row is the first SKU of the catalog's order (model line, code).
      const { items } = await app.services.catalog.findSkus({
        actor: SYSTEM_ACTOR,
        filter: { limit: 1, offset: 0 },
      });
      const code = items[0]!.code;
      expect(await table.locator('tbody tr').first().textContent()).toContain(code);
      await table.locator('tbody tr').first().getByRole('button', { name: 'Prices' }).click();
      const prices = page.getByTestId('sku-prices');
      await prices.waitFor();
      expect(await prices.locator('tbody tr').count()).toBe(1);
      expect(await prices.locator('tbody tr').first().textContent()).toContain('Always');

      const today = app.services.today();
      const next = `${Number(today.slice(0, 4)) + 1}-01-01`;
      await page.getByLabel('Valid from').fill(next);
      await page.getByLabel('MSRP', { exact: false }).last().fill('99999.00');
      await page.getByRole('button', { name: 'Add price' }).click();
      await expect.poll(() => prices.locator('tbody tr').count()).toBe(2);
      expect(await prices.locator('tbody tr').nth(1).textContent()).toContain('$99,999');
      expect(await prices.locator('tbody tr').nth(1).textContent()).toContain('upcoming');
      const stored = await app.services.catalog.findSkuPrices({ actor: SYSTEM_ACTOR, code });
      expect(stored.items.map((i) => [i.validFrom, i.msrp])).toEqual([
        ['1900-01-01', stored.items[0]!.msrp],
        [next, '99999.00'],
      ]);
    } finally {
      await context.close();
    }
  });

  it('shows whole badges in the price history on a phone (no "T…" for today)', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await page.goto('/catalog/skus');
      const table = page.getByTestId('skus-table');
      await table.waitFor();
      await table.locator('tbody tr').first().getByRole('button', { name: 'Prices' }).click();
      const prices = page.getByTestId('sku-prices');
      await prices.waitFor();
      const badges = prices.locator('td .mantine-Badge-root');
      expect(await badges.allTextContents()).toContain('today');
      for (const badge of await badges.all()) {
        // The label is not cut: all of its text fits in the width it was given.
        const [shown, needed] = await badge.evaluate((el) => {
          const label = el.querySelector<HTMLElement>('.mantine-Badge-label') ?? el;
          return [label.clientWidth, label.scrollWidth];
        });
        expect(needed).toBeLessThanOrEqual(shown);
      }
    } finally {
      await context.close();
    }
  });

  it('shows the unit price each line of a percent_of_msrp statement was priced at', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      const { dealerCode } = app.accounts.dealer;
      const statement = await app.services.incentives.getStatement({
        actor: SYSTEM_ACTOR,
        code: 'E2E-MSRP',
        dealerCode,
        period,
      });
      const benefit = statement.lines.filter((l) => l.kind === 'benefit');
      expect(benefit.length).toBeGreaterThan(0);
      expect(benefit.every((l) => l.unitPrice !== null)).toBe(true);
      await page.goto(`/programs/E2E-MSRP/statements/${dealerCode}?period=${period}`);
      const lines = page.getByTestId('statement-lines');
      await lines.waitFor();
      expect(await lines.locator('th', { hasText: 'Unit price' }).count()).toBe(1);
      const first = Number(benefit[0]!.unitPrice!);
      expect(await lines.locator('[data-unit-price]').first().textContent()).toContain(
        first.toLocaleString('en-US', { minimumFractionDigits: 0 }),
      );
    } finally {
      await context.close();
    }
  });
});
