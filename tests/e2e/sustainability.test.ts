/**
 * Issue 17 in real headless Chromium on the demo network: the OEM's fleet CO2 page shows the
 * premium the API computes; the demo dealer sees its contribution and its connected-vehicle
 * opportunities, the other dealer none of them. Desktop and phone screenshots in docs/screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { DEMO_MARKET } from '../../src/server/modules/connected/sustainability.seed';
import { seedIncentivePrograms } from '../../src/server/modules/incentives/incentives.seed';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('sustainability browser test');
const SHOTS = join(ROOT, 'docs/screenshots');

function euros(amount: string): string {
  return Number(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

describe.skipIf(!hasChromium)('sustainability and connected vehicles in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    await seedIncentivePrograms(app.services);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the OEM the fleet premium the API computes (desktop and phone)', async () => {
    const fleet = await app.services.sustainability.getFleet({
      actor: SYSTEM_ACTOR,
      market: DEMO_MARKET,
    });
    expect(fleet.years.some((y) => y.registrations > 0)).toBe(true);
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, app.accounts.admin, app.accounts.password);
        await page.goto(`/sustainability?market=${DEMO_MARKET}`);
        const kpi = page.getByTestId('kpi-premium');
        await kpi.waitFor();
        expect(await kpi.textContent()).toContain(euros(fleet.windowPremium));
        await page.getByText('Shadow price per model line').waitFor();
        await noSidewaysScroll(page);
        await page.screenshot({
          path: join(SHOTS, `sustainability-fleet-${viewport}.png`),
          fullPage: viewport === 'desktop',
        });
      } finally {
        await context.close();
      }
    }
  });

  it("shows the dealer its contribution and opportunities, and nobody else's cars", async () => {
    const { dealer, otherDealer } = app.accounts;
    const own = await app.services.sustainability.getDealer({
      actor: SYSTEM_ACTOR,
      dealerCode: dealer.dealerCode,
      market: DEMO_MARKET,
    });
    const opportunities = await app.services.connected.getSummary({ actor: SYSTEM_ACTOR });
    expect(opportunities.vehicles).toBeGreaterThan(0);
    let vins: string[] = [];
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, dealer.email, app.accounts.password);
        await page.goto('/sustainability');
        const kpi = page.getByTestId('kpi-contribution');
        await kpi.waitFor();
        expect(await kpi.textContent()).toContain(euros(own.contribution).replace('-', ''));
        // the EV incentives that pay for the next electric sale (read from the programs)
        const incentives = await app.services.sustainability.getDealer({
          actor: SYSTEM_ACTOR,
          dealerCode: dealer.dealerCode,
          market: DEMO_MARKET,
        });
        expect(incentives.evIncentives.length).toBeGreaterThan(0);
        await page.getByText(incentives.evIncentives[0]!.name).first().waitFor();
        await noSidewaysScroll(page);
        await page.screenshot({
          path: join(SHOTS, `sustainability-dealer-${viewport}.png`),
          fullPage: viewport === 'desktop',
        });
        await page.goto('/connected');
        const list = page.getByTestId('opportunities');
        await list.waitFor();
        const text = (await list.textContent()) ?? '';
        vins = [...text.matchAll(/[A-HJ-NPR-Z0-9]{17}/g)].map((m) => m[0]);
        expect(vins.length).toBeGreaterThan(0);
        await noSidewaysScroll(page);
        await page.screenshot({
          path: join(SHOTS, `connected-dealer-${viewport}.png`),
          fullPage: viewport === 'desktop',
        });
      } finally {
        await context.close();
      }
    }
    const context = await newContext(browser, app.url, 'desktop');
    try {
      const page = await signIn(context, otherDealer.email, app.accounts.password);
      await page.goto('/connected');
      await page.getByText('Consent registry').waitFor();
      await page.waitForLoadState('networkidle');
      const body = (await page.locator('main').textContent()) ?? '';
      for (const vin of vins) expect(body).not.toContain(vin);
    } finally {
      await context.close();
    }
  });
});
