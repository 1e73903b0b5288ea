/**
 * Bank details in real headless Chromium (issue 15): OEM finance finds a dealer without bank
 * details, is told why a wrong IBAN is refused, saves a valid one and sees it in full; the
 * dealer's own principal reads it masked through the API; the page fits a phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('bank details browser tests');
const FINANCE = 'finance@forecourt.test';

describe.skipIf(!hasChromium)('bank details in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('lets OEM finance set a dealer’s IBAN, refusing a wrong one', async () => {
    const { dealerCode, dealerName } = app.accounts.dealer;
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await followLink(
        page,
        page.locator('nav').getByRole('link', { name: 'Bank details' }),
        '**/payments/bank-details',
      );
      await page.getByTestId('dealer-select').fill(dealerCode);
      await page.getByRole('option', { name: `${dealerName} (${dealerCode})` }).click();
      await page.getByTestId('no-bank-account').waitFor();
      await page.getByLabel('Account holder').fill(`${dealerName} GmbH`);
      await page.getByRole('textbox', { name: 'IBAN' }).fill('DE89 3704 0044 0532 0130 01');
      await page.getByRole('textbox', { name: 'BIC' }).fill('COBADEFFXXX');
      await page.getByRole('button', { name: 'Save bank details' }).click();
      await page.getByText('not a valid IBAN').waitFor();
      await page.getByRole('textbox', { name: 'IBAN' }).fill('DE89 3704 0044 0532 0130 00');
      await page.getByRole('button', { name: 'Save bank details' }).click();
      await page.getByText('recorded in the ledger').waitFor();
      const shown = page.getByTestId('bank-account');
      await shown.waitFor();
      expect(await shown.textContent()).toContain('DE89370400440532013000');
    } finally {
      await context.close();
    }
    // the dealer reads its own account masked
    const dealer = await newContext(browser, app.url);
    try {
      const page = await signIn(dealer, app.accounts.dealer.email, app.accounts.password);
      const res = await page.request.get(`/api/v1/dealers/${dealerCode}/bank-account`);
      const body = (await res.json()) as { iban: string; isMasked: boolean };
      expect(body.isMasked).toBe(true);
      expect(body.iban).toMatch(/^•+3000$/);
    } finally {
      await dealer.close();
    }
  });

  it('puts a blank account holder and a wrong currency at their fields', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await page.goto('/payments/bank-details');
      await page.getByTestId('dealer-select').fill(app.accounts.dealer.dealerCode);
      await page.getByRole('option').first().click();
      const holder = page.getByRole('textbox', { name: 'Account holder' });
      await holder.waitFor();
      await holder.fill('');
      await page.getByRole('textbox', { name: 'Currency' }).fill('E1');
      await page.getByRole('button', { name: 'Save bank details' }).click();
      await expect.poll(() => holder.getAttribute('aria-invalid')).toBe('true');
      const currency = page.getByRole('textbox', { name: 'Currency' });
      expect(await currency.getAttribute('aria-invalid')).toBe('true');
    } finally {
      await context.close();
    }
  });

  it('fits a phone', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await page.goto('/payments/bank-details');
      await page.getByTestId('dealer-select').fill(app.accounts.dealer.dealerCode);
      await page.getByRole('option').first().click();
      await page
        .locator('[data-testid=bank-account], [data-testid=no-bank-account]')
        .first()
        .waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
