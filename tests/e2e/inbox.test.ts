/**
 * Issue 13, "Attention inbox on every home page", in real headless Chromium: a dealer principal
 * signs in, its home page shows "Needs your attention" with the agreement the OEM just proposed,
 * and the item leads to that agreement; the bell lists the same item. On a phone the card fits
 * the screen. Screenshots (desktop and phone) go to screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('inbox browser tests');
const OUT = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('the attention inbox in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let agreement: { id: number; code: string };

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    // The OEM proposes next term's agreement (after anything the demo holds: no overlap).
    const { agreements } = app.services;
    const draft = await agreements.createAgreement({
      actor: SYSTEM_ACTOR,
      data: {
        dealerCode: app.accounts.dealer.dealerCode,
        startMonth: '2029-01',
        months: 12,
        frequency: 'monthly',
        countedKinds: ['retail_delivery', 'unwind'],
        lines: [
          {
            target: { kind: 'model_line', code: app.network.modelLines[0]!.code },
            total: 120,
            spread: 'even',
          },
        ],
      },
    });
    const proposed = await agreements.transition({
      actor: SYSTEM_ACTOR,
      id: draft.id,
      transition: 'propose',
      version: draft.version,
    });
    agreement = { id: proposed.id, code: proposed.code };
    // Monthly programs of this year (the demo seeds none under test): finance has periods past
    // cut-off and grace to close, and (the demo's rows arrived today, within a long grace)
    // September's statements of the second to approve once closed.
    const { incentives } = app.services;
    for (const [code, graceDays] of [
      ['INBOX-E2E', 0],
      ['INBOX-E2E-GRACE', 120],
    ] as const) {
      await incentives.createProgram({
        actor: SYSTEM_ACTOR,
        data: {
          code,
          name: `Retail volume bonus ${code}`,
          currency: 'USD',
          startDate: '2026-01-01',
          endDate: '2026-12-31',
          measurementPeriod: 'month',
          payoutFrequency: 'month',
          graceDays,
          measure: 'units',
          benefit: 'per_unit',
          tiers: [{ from: '0', value: '50' }],
        },
      });
      await incentives.publishProgram({ actor: SYSTEM_ACTOR, code });
    }
    await incentives.closePeriod({
      actor: SYSTEM_ACTOR,
      code: 'INBOX-E2E-GRACE',
      period: '2026-09',
    });
    mkdirSync(OUT, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    it(`shows a dealer its proposal on its home page, linking to the agreement (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const { email, dealerCode } = app.accounts.dealer;
        const page = await signIn(context, email, app.accounts.password);
        await page.waitForURL(`**/dealers/${dealerCode}`);
        const card = page.getByTestId('inbox-card');
        const item = card.locator(`[data-testid="inbox-item"][data-kind="agreement_proposed"]`);
        await item.first().waitFor();
        expect(await item.first().textContent()).toContain(agreement.code);
        expect(await item.first().getAttribute('href')).toBe(`/agreements/${agreement.id}`);
        // The card fits the screen (no sideways scrolling on a phone).
        const box = (await card.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width + 1);
        await page.screenshot({ path: join(OUT, `inbox-dealer-home-${viewport}.png`) });

        // The bell shows the same list.
        await page.getByTestId('notifications-bell').click();
        const bellItem = page
          .getByTestId('notifications-menu')
          .getByTestId('bell-item')
          .filter({ hasText: agreement.code });
        await bellItem.waitFor();
        await page.screenshot({ path: join(OUT, `inbox-dealer-bell-${viewport}.png`) });
        await page.keyboard.press('Escape');

        await followLink(page, item.first(), `**/agreements/${agreement.id}`);
        // The agreement's own page, where the dealer accepts it.
        await page
          .locator(`[data-testid="agreement-page"][data-agreement="${agreement.code}"]`)
          .waitFor();
        await page.getByTestId('waits-for-you').waitFor();
        await page.screenshot({ path: join(OUT, `inbox-dealer-agreement-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }, 120_000);
  }

  for (const [email, viewport] of [
    ['finance@forecourt.test', 'desktop'],
    ['region@forecourt.test', 'phone'],
  ] as const) {
    it(`shows ${email} the inbox on the network overview (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, email, app.accounts.password);
        await page.waitForURL('**/overview');
        const card = page.getByTestId('inbox-card');
        await card.getByRole('heading', { name: 'Needs your attention' }).waitFor();
        // Loaded: either items or the empty line.
        await card
          .locator('[data-testid="inbox-item"], :text("Nothing needs you today")')
          .first()
          .waitFor();
        const inbox = await page.evaluate(async () => (await fetch('/api/v1/inbox')).json());
        const shown = await card.getByTestId('inbox-item').count();
        if (email.startsWith('finance'))
          expect((inbox as { items: { kind: string }[] }).items.map((i) => i.kind).sort()).toEqual([
            'period_to_close',
            'period_to_close',
            'statements_to_approve',
          ]);
        expect(shown).toBe(Math.min(8, (inbox as { items: unknown[] }).items.length));
        const who = email.split('@')[0];
        await page.screenshot({ path: join(OUT, `inbox-${who}-overview-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }, 120_000);
  }
});
