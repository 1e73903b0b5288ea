/**
 * Issue 13, "What-if across all programs" in real headless Chromium: the demo dealer asks
 * "5 more BEVs" on its incentives page and gets a row per program it is in with the added amount
 * and the total, the same as the API answers; on a phone (390 px) the table fits the screen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { seedIncentivePrograms } from '../../src/server/modules/incentives/incentives.seed';
import { createWhatIfAll } from '../../src/server/modules/incentives/what-if-all';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('what-if-all browser test');
const SHOTS = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('what-if across all programs in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    expect(await seedIncentivePrograms(app.services)).toBe(5);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows what 5 more BEVs add to every program, with the total (desktop and phone)', async () => {
    const { dealer } = app.accounts;
    const expected = await createWhatIfAll(app.services).whatIfAll({
      actor: SYSTEM_ACTOR,
      dealerCode: dealer.dealerCode,
      data: { quantity: 5, powertrain: 'BEV' },
    });
    expect(expected.programs.length).toBeGreaterThanOrEqual(2);
    expect(expected.programs.some((p) => Number(p.added) > 0)).toBe(true);
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, dealer.email, app.accounts.password);
        await page.goto('/incentives');
        const form = page.getByTestId('what-if-all');
        await form.waitFor();
        await form.getByLabel('More units').fill('5');
        await form.getByRole('button', { name: 'Show the effect' }).click();
        const table = page.getByTestId('what-if-all-table');
        await table.waitFor();
        const rows = table.locator('tbody tr');
        expect(await rows.count()).toBe(expected.programs.length);
        for (const [i, p] of expected.programs.entries()) {
          const text = (await rows.nth(i).textContent()) ?? '';
          expect(text).toContain(p.name);
          const whole = Number(p.added).toLocaleString('en-US', { maximumFractionDigits: 2 });
          expect(text).toContain(whole);
        }
        const total = expected.totals[0]!;
        const totalText = await page.getByTestId('what-if-all-total').first().textContent();
        expect(totalText).toContain(
          Number(total.added).toLocaleString('en-US', { maximumFractionDigits: 2 }),
        );
        await table.scrollIntoViewIfNeeded();
        // phone: no sideways scrolling
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await page
          .getByTestId('what-if-all')
          .screenshot({ path: join(SHOTS, `what-if-all-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }
  });
});
