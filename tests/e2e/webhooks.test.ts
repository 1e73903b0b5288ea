/**
 * The webhooks admin screen in real headless Chromium (issue 15): an administrator creates a
 * subscription and sees its secret once, disables and enables it, sends a test ping and opens it
 * in the delivery log, replays a dead letter; the screen fits a phone. No sender runs in this
 * app (only `main.ts` starts one), so deliveries stay as queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('webhook browser tests');
// a public address literal: accepted without DNS, never contacted (no sender runs here)
const TARGET = 'https://93.184.215.14/forecourt/events';

describe.skipIf(!hasChromium)('webhooks admin screen in Chromium', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('creates a webhook showing its secret once, toggles it, pings it and replays a dead letter', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await followLink(page, page.getByRole('link', { name: 'Webhooks' }), '**/admin/webhooks');
      await page.getByRole('button', { name: 'New webhook' }).first().click();
      await page.getByLabel('Receiver URL').fill(TARGET);
      await page.getByLabel('Description').fill('ERP events');
      await page.getByRole('checkbox', { name: 'agreement.approved' }).check();
      await page.getByRole('checkbox', { name: 'statement.approved' }).check();
      await page.getByRole('button', { name: 'Create webhook' }).click();
      const secret = await page.getByTestId('webhook-secret').textContent();
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'I have stored the secret' }).click();

      const table = page.getByTestId('webhooks-table');
      await expect.poll(() => table.textContent()).toContain('ERP events');
      expect(await page.content()).not.toContain(secret!);
      const [sub] = (
        await app.services.db.query<{ id: number; is_enabled: boolean }>(
          `select id, is_enabled from webhook_subscriptions`,
        )
      ).rows;
      expect(sub!.is_enabled).toBe(true);

      // disable, then enable again
      await table.getByRole('switch').click({ force: true }); // Mantine hides the input under its track
      await expect
        .poll(
          async () =>
            (
              await app.services.db.query<{ e: boolean }>(
                `select is_enabled as e from webhook_subscriptions`,
              )
            ).rows[0]!.e,
        )
        .toBe(false);
      await table.getByRole('switch').click({ force: true }); // Mantine hides the input under its track
      await expect
        .poll(
          async () =>
            (
              await app.services.db.query<{ e: boolean }>(
                `select is_enabled as e from webhook_subscriptions`,
              )
            ).rows[0]!.e,
        )
        .toBe(true);

      // a test ping is queued and shows in the delivery log; its drawer shows the attempts and payload
      await table.getByRole('button', { name: 'Ping' }).click();
      const log = page.getByTestId('webhook-deliveries');
      await expect.poll(() => log.textContent().catch(() => '')).toContain('webhook.ping');
      await log.getByText('webhook.ping').click();
      await expect.poll(() => page.getByRole('dialog').textContent()).toContain('"subscriptionId"');
      await page.keyboard.press('Escape');

      // a dead letter is listed and replayed
      await app.services.db.query(
        `update webhook_deliveries set state = 'dead', attempts = 10, last_status_code = 503`,
      );
      await page.getByRole('tab', { name: 'Dead letters' }).click();
      const dead = page.getByTestId('webhook-deliveries');
      await expect
        .poll(() => dead.textContent().catch(() => ''), { timeout: 10_000 })
        .toContain('dead');
      await dead.getByText('webhook.ping').click();
      await page.getByRole('button', { name: 'Replay' }).click();
      await expect
        .poll(
          async () =>
            (
              await app.services.db.query<{ s: string }>(
                `select state as s from webhook_deliveries`,
              )
            ).rows[0]!.s,
        )
        .toBe('pending');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('fits a phone', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await page.goto('/admin/webhooks');
      await page.getByTestId('webhooks-table').waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
