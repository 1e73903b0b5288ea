/**
 * Issue 14 in headless Chromium: the regional manager's risk board (sorted by expected shortfall
 * in money, with drivers, interventions and the history chart), the dealer's outlook card on its
 * home page, and the integrity queue for finance. Desktop and phone screenshots go to
 * screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('insights browser tests');
const OUT = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('insights in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let duplicateVin = '';

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    // A VIN the dealer delivered (and never unwound), delivered again by another dealer.
    const { dealer, otherDealer } = app.accounts;
    const { rows } = await app.services.db.query<{ vin: string; sku: string }>(
      `select t.vin, s.code as sku from transactions t join dealers d on d.id = t.dealer_id join skus s on s.id = t.sku_id
       where d.code = $1 and t.kind = 'retail_delivery' and t.vin is not null
         and not exists (select 1 from transactions u where u.vin = t.vin and u.kind = 'unwind')
       order by t.occurred_on desc limit 1`,
      [dealer.dealerCode],
    );
    duplicateVin = rows[0]!.vin;
    await app.services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        yield {
          row: 1,
          value: {
            kind: 'retail_delivery',
            dealerCode: otherDealer.dealerCode,
            sku: rows[0]!.sku,
            vin: duplicateVin,
            quantity: 1,
            amount: '41000.00',
            currency: 'USD',
            occurredOn: '2026-10-20',
            source: 'e2e',
            externalId: 'DUP-1',
          },
        };
      })(),
      byteLimit: Infinity,
    });
    await app.services.insights.refresh(null);
    await app.services.integrity.scan({ actor: null });
    mkdirSync(OUT, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    it(`shows the regional manager the risk board with drivers and interventions (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, 'region@forecourt.test', app.accounts.password);
        await page.goto('/insights/risks');
        const rows = page.getByTestId('risk-row');
        await rows.first().waitFor();
        const board = (await page.evaluate(async () =>
          (await fetch('/api/v1/insights/risks?limit=200')).json(),
        )) as {
          items: { agreementCode: string; shortfallMoney: string }[];
        };
        expect(await rows.count()).toBe(board.items.length);
        const money = board.items.map((i) => Number(i.shortfallMoney));
        expect(money).toEqual([...money].sort((a, b) => b - a));
        expect(await rows.first().getAttribute('data-agreement')).toBe(
          board.items[0]!.agreementCode,
        );
        await page.screenshot({ path: join(OUT, `insights-risk-board-${viewport}.png`) });
        await rows.first().getByRole('button', { name: 'Details' }).click();
        const detail = page.getByTestId('risk-detail');
        await detail.getByTestId('risk-driver').first().waitFor();
        expect(await detail.getByTestId('risk-driver').count()).toBeGreaterThanOrEqual(4);
        await detail.getByTestId('risk-history').waitFor();
        const box = (await rows.first().boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width + 1);
        await rows.first().screenshot({ path: join(OUT, `insights-risk-detail-${viewport}.png`) });
        const log = detail.getByRole('button', { name: 'Log' }).first();
        if ((await log.count()) > 0) {
          await log.click();
          await detail.getByTestId('intervention-log').waitFor();
        }
      } finally {
        await context.close();
      }
    }, 120_000);

    it(`shows the dealer its outlook on its home page (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const { email, dealerCode } = app.accounts.dealer;
        const page = await signIn(context, email, app.accounts.password);
        await page.waitForURL(`**/dealers/${dealerCode}`);
        const card = page.getByTestId('outlook-card');
        await card.getByTestId('outlook-item').first().waitFor();
        expect(await card.textContent()).toMatch(/\d+ % likely to reach your commitment/);
        await card.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(OUT, `insights-dealer-outlook-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }, 120_000);

    it(`shows finance the integrity queue with evidence (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, 'finance@forecourt.test', app.accounts.password);
        await page.goto('/insights/integrity');
        const flag = page.locator('[data-testid="integrity-flag"][data-kind="duplicate_vin"]');
        await flag.first().waitFor();
        expect(await flag.first().textContent()).toContain(duplicateVin);
        await page.screenshot({ path: join(OUT, `insights-integrity-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }, 120_000);
  }
});
