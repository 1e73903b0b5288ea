/**
 * Issue 13, every role's daily flow as one suite, in real headless Chromium at desktop width and
 * at phone width (375 px): the channel manager simulates and publishes a program and proposes an
 * agreement; the dealer goes from its inbox to accepting a proposal, then raises a forecast row
 * by 10 % with one reason; the regional manager reviews by size of change and accepts all in
 * scope; OEM finance closes a period, approves all of it and builds the payout batch.
 * Screenshots: docs/screenshots/journey-<role>-<step>-<viewport>.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { seedForecasts } from '../../src/server/modules/forecasts/forecasts.seed';
import { demoUsers } from '../../src/server/modules/demo/seed';
import { launchChromium, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('daily journey browser tests');
const OUT = join(ROOT, 'docs/screenshots');
const VIEWPORTS = ['desktop', 'phone'] as const;
type Viewport = (typeof VIEWPORTS)[number];

function context(browser: Browser, url: string, viewport: Viewport): Promise<BrowserContext> {
  const isPhone = viewport === 'phone';
  return browser.newContext({
    baseURL: url,
    viewport: isPhone ? { width: 375, height: 812 } : { width: 1280, height: 800 },
    deviceScaleFactor: isPhone ? 2 : 1,
    isMobile: isPhone,
    hasTouch: isPhone,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
}

async function shot(page: Page, role: string, step: string, viewport: Viewport) {
  await page.screenshot({ path: join(OUT, `journey-${role}-${step}-${viewport}.png`) });
}

/** Nothing scrolls the page sideways, and the element is inside the screen's width. */
async function expectReachable(page: Page, selector: ReturnType<Page['locator']>) {
  const box = (await selector.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width + 1);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

describe.skipIf(!hasChromium)('daily journeys per role in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  const drafts: Record<Viewport, { id: number; code: string }> = {} as never;
  const proposals: Record<Viewport, { id: number; code: string; email: string }> = {} as never;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    await seedForecasts(app.services);
    const { agreements, incentives } = app.services;
    const modelLine = app.network.modelLines[0]!.code;
    const users = demoUsers(app.network);
    const dealers = {
      desktop: app.accounts.dealer,
      phone: app.accounts.otherDealer,
    };
    const next = new Date();
    const startYear = next.getUTCFullYear() + 1;
    for (const [i, viewport] of VIEWPORTS.entries()) {
      // a draft program per viewport for the channel manager to simulate and publish
      await incentives.createProgram({
        actor: SYSTEM_ACTOR,
        data: {
          code: `BEV-PUSH-${viewport.toUpperCase()}`,
          name: `BEV push ${viewport}`,
          currency: 'USD',
          startDate: `${startYear}-01-01`,
          endDate: `${startYear}-03-31`,
          measurementPeriod: 'quarter',
          payoutFrequency: 'quarter',
          qualifying: { powertrains: ['BEV'] },
          measure: 'units',
          benefit: 'per_unit',
          tiers: [
            { from: '1', value: '250.00' },
            { from: '3', value: '500.00' },
          ],
          budget: '20000.00',
        },
      });
      // a draft agreement for the channel manager to propose
      const draft = await agreements.createAgreement({
        actor: SYSTEM_ACTOR,
        data: {
          dealerCode: dealers[viewport].dealerCode,
          startMonth: `${2031 + i}-01`,
          months: 12,
          frequency: 'monthly',
          countedKinds: ['retail_delivery', 'unwind'],
          lines: [{ target: { kind: 'model_line', code: modelLine }, total: 120, spread: 'even' }],
        },
      });
      drafts[viewport] = { id: draft.id, code: draft.code };
      // a proposal waiting for each dealer
      const proposal = await agreements.createAgreement({
        actor: SYSTEM_ACTOR,
        data: {
          dealerCode: dealers[viewport].dealerCode,
          startMonth: '2029-01',
          months: 12,
          frequency: 'monthly',
          countedKinds: ['retail_delivery', 'unwind'],
          lines: [{ target: { kind: 'model_line', code: modelLine }, total: 96, spread: 'even' }],
        },
      });
      const proposed = await agreements.transition({
        actor: SYSTEM_ACTOR,
        id: proposal.id,
        transition: 'propose',
        version: proposal.version,
      });
      proposals[viewport] = {
        id: proposed.id,
        code: proposed.code,
        email: dealers[viewport].email,
      };
      // a monthly program of this year with past periods for finance to settle
      const code = `RETAIL-${viewport.toUpperCase()}`;
      await incentives.createProgram({
        actor: SYSTEM_ACTOR,
        data: {
          code,
          name: `Retail bonus ${viewport}`,
          currency: 'USD',
          startDate: `${startYear - 1}-01-01`,
          endDate: `${startYear - 1}-12-31`,
          measurementPeriod: 'month',
          payoutFrequency: 'month',
          measure: 'units',
          benefit: 'per_unit',
          tiers: [{ from: '0', value: '50.00' }],
        },
      });
      await incentives.publishProgram({ actor: SYSTEM_ACTOR, code });
    }
    expect(users.some((u) => u.email === 'region@forecourt.test')).toBe(true);
    mkdirSync(OUT, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const viewport of VIEWPORTS) {
    it(`channel manager: simulates a program, publishes it naming its cost, proposes an agreement (${viewport})`, async () => {
      const ctx = await context(browser, app.url, viewport);
      try {
        const page = await signIn(ctx, 'channel@forecourt.test', app.accounts.password);
        const code = `BEV-PUSH-${viewport.toUpperCase()}`;
        await page.goto(`/programs/${code}`);
        const cost = page.getByTestId('program-cost');
        await cost.waitFor();
        expect(await cost.innerText()).toMatch(/expected cost\s+\$[\d,]+/i);
        expect(await page.getByTestId('program-cost-tiers').locator('tbody tr').count()).toBe(3);
        await cost.scrollIntoViewIfNeeded();
        await shot(page, 'channel', 'program-cost', viewport);
        await page.getByTestId('publish-button').click();
        const confirm = page.getByTestId('publish-confirm-cost');
        await confirm.waitFor();
        const sentence = await confirm.innerText();
        expect(sentence).toMatch(/expected to cost \$[\d,.]+ \(80 % likely between/);
        expect(sentence).toContain('$20,000.00 budget');
        await shot(page, 'channel', 'publish-confirm', viewport);
        await page.getByTestId('publish-confirm-button').click();
        await page.getByTestId('publish-button').waitFor({ state: 'detached' });
        await page.getByTestId('program-cost').waitFor({ state: 'detached' });

        // the agreement draft, proposed to its dealer
        const draft = drafts[viewport];
        await page.goto(`/agreements/${draft.id}`);
        await page.locator('[data-transition="propose"]').first().click();
        await page.getByRole('dialog').getByRole('button', { name: 'Propose to dealer' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        await page.locator('[data-transition="propose"]').first().waitFor({ state: 'detached' });
        await shot(page, 'channel', 'agreement-proposed', viewport);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }

  for (const viewport of VIEWPORTS) {
    it(`dealer: from the inbox to accepting the proposal, then a forecast row +10 % (${viewport})`, async () => {
      const ctx = await context(browser, app.url, viewport);
      try {
        const proposal = proposals[viewport];
        const page = await signIn(ctx, proposal.email, app.accounts.password);
        const item = page
          .getByTestId('inbox-card')
          .locator('[data-testid="inbox-item"][data-kind="agreement_proposed"]')
          .filter({ hasText: proposal.code });
        await item.waitFor();
        await shot(page, 'dealer', 'inbox', viewport);
        await followLink(page, item, `**/agreements/${proposal.id}`);
        await page.locator('[data-transition="accept"]').first().click();
        await shot(page, 'dealer', 'accept-confirm', viewport);
        await page.getByRole('dialog').getByRole('button', { name: 'Accept' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        await page.locator('[data-transition="accept"]').first().waitFor({ state: 'detached' });

        // the forecast: one whole row +10 % with one reason
        // (on a phone the menu is behind the burger: the address is the same)
        await page.goto('/forecasts/cycles');
        await page.getByRole('link', { name: 'Open my forecast' }).click();
        const grid = page.getByTestId('forecast-grid');
        await grid.waitFor();
        expect(await page.getByTestId('forecast-grid-page').textContent()).not.toMatch(
          /horizon|method|ets|croston|theta/i,
        );
        await page.getByTestId('bulk-adjust-start').click();
        // the busiest row nobody changed yet
        const rows = grid.locator('tbody tr');
        let rowCode: string | null = null;
        let best = 0;
        for (let i = 0; i < (await rows.count()); i++) {
          const row = rows.nth(i);
          const total = Number((await row.locator('td').last().innerText()).replace(/,/g, ''));
          if (
            total > best &&
            (await row.locator('button[data-mark="none"]').count()) ===
              (await row.locator('button[data-cell]').count())
          ) {
            rowCode = await row.locator('[data-pick-row]').getAttribute('data-pick-row');
            best = total;
          }
        }
        expect(rowCode).not.toBeNull();
        await grid.locator(`[data-pick-row="${rowCode}"]`).click();
        const panel = page.getByTestId('bulk-adjust');
        await panel.getByRole('button', { name: '+10 %' }).click();
        await panel.getByLabel('Reason', { exact: true }).click();
        await page.getByRole('option', { name: 'Local demand' }).click();
        const summary = (await page.getByTestId('bulk-adjust-summary').textContent())!;
        const [, from, to] =
          /^\d+ cells picked: (\d+) → (\d+) vehicles \(\d+ cells? changes?\)$/.exec(summary)!;
        // about 10 % more in total (whole vehicles: the row total rounds once)
        expect(Math.abs(Number(from) - best)).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(to) - Number(from) * 1.1)).toBeLessThanOrEqual(1);
        expect(Number(to)).toBeGreaterThan(Number(from));
        await shot(page, 'dealer', 'forecast-plus10', viewport);
        await page.getByTestId('bulk-adjust-apply').click();
        await panel.waitFor({ state: 'detached' });
        const adjusted = grid.locator(`button[data-cell^="${rowCode}|"][data-mark="adjusted"]`);
        await expect.poll(async () => adjusted.count()).toBeGreaterThan(0);
        const row = grid
          .locator('tbody tr')
          .filter({ has: page.locator(`[data-cell^="${rowCode}|"]`) });
        expect(
          Number((await row.locator('td').last().innerText()).replace(/,/g, '')),
        ).toBeGreaterThan(best);
        await shot(page, 'dealer', 'forecast-adjusted', viewport);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }

  for (const viewport of VIEWPORTS) {
    it(`regional manager: reviews by size of change and accepts all in scope (${viewport})`, async () => {
      const ctx = await context(browser, app.url, viewport);
      try {
        const page = await signIn(ctx, 'region@forecourt.test', app.accounts.password);
        await page.goto('/forecasts/review');
        await page.getByTestId('review-sort').waitFor();
        // sorted by the size of the change, biggest first
        const changes = await page.getByTestId('review-change').allTextContents();
        expect(changes.length).toBeGreaterThan(0);
        const sizes = changes.map((t) =>
          Math.abs(Number(/([+−-]?[\d,]+) vehicles/.exec(t)![1]!.replace(/[,−]/g, ''))),
        );
        expect(sizes.length).toBeGreaterThan(0);
        await shot(page, 'region', 'review', viewport);
        if (viewport === 'desktop') return;
        // on a phone: the accept-all button is on the screen, one request accepts everything
        const button = page.getByTestId('accept-all-scope');
        await button.waitFor();
        await expectReachable(page, button);
        await button.click();
        await page.getByTestId('accept-all-confirm').waitFor();
        await shot(page, 'region', 'accept-all-confirm', viewport);
        await page.getByTestId('accept-all-confirm-button').click();
        await button.waitFor({ state: 'detached' });
        const left = await page.evaluate(async () => {
          const cycles = (await (await fetch('/api/v1/forecasts/cycles')).json()) as {
            id: number;
            status: string;
          }[];
          const open = cycles.find((c) => c.status === 'adjusting')!;
          const list = (await (
            await fetch(`/api/v1/forecasts/cycles/${open.id}/adjustments`)
          ).json()) as {
            dealers: { pendingCells: number }[];
          };
          return list.dealers.reduce((s, d) => s + d.pendingCells, 0);
        });
        expect(left).toBe(0);
        await shot(page, 'region', 'accepted', viewport);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }

  for (const viewport of VIEWPORTS) {
    it(`OEM finance: closes a period, approves all, builds the batch (${viewport})`, async () => {
      const ctx = await context(browser, app.url, viewport);
      try {
        const code = `RETAIL-${viewport.toUpperCase()}`;
        const page = await signIn(ctx, 'finance@forecourt.test', app.accounts.password);
        await page.goto(`/programs/${code}`);
        const closable = page
          .locator('[data-testid="settlement-period"]')
          .filter({ has: page.getByRole('button', { name: 'Close period' }) })
          .last();
        const period = (await closable.getAttribute('data-period'))!;
        const row = page.locator(`[data-testid="settlement-period"][data-period="${period}"]`);
        await row.scrollIntoViewIfNeeded();
        await row.getByRole('button', { name: 'Close period' }).click();
        await page.getByTestId('bulk-confirm-totals').waitFor();
        await shot(page, 'finance', 'close-confirm', viewport);
        await page.getByTestId('bulk-confirm-button').click();
        await page
          .getByTestId('bulk-result')
          .getByText(/^Closed /)
          .waitFor();
        await row.getByRole('button', { name: 'Approve all' }).click();
        await page.getByTestId('bulk-confirm-totals').waitFor();
        await page.getByTestId('bulk-confirm-button').click();
        await page
          .getByTestId('bulk-result')
          .getByText(/^Approved /)
          .waitFor();
        await shot(page, 'finance', 'approved', viewport);

        await page.goto('/incentives/payouts');
        await page.getByRole('combobox', { name: 'Program' }).nth(1).click();
        await page.getByRole('option', { name: `Retail bonus ${viewport}` }).click();
        await page.getByRole('button', { name: 'Build batch' }).click();
        await page.getByTestId('batch-confirm-totals').waitFor();
        await shot(page, 'finance', 'batch-confirm', viewport);
        await page.getByRole('button', { name: /^Build batch of \d+ payments$/ }).click();
        await page.getByTestId('payout-batch').waitFor();
        await shot(page, 'finance', 'batch', viewport);
      } finally {
        await ctx.close();
      }
    }, 180_000);
  }
});
