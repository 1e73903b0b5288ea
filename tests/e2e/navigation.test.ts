/**
 * Issue 13, "Navigation" in real headless Chromium: OEM users get one Incentives entry in the
 * menu (programs, claims, disputes and payouts are tabs inside it); a dispute reads with the
 * dealer's name and the disputed sale (date, VIN, amount), people by name; an agreement's period
 * that is still running reads "in progress", never red. Screenshots (desktop and phone) of the
 * menu, a dispute and an agreement's progress go to screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { seedIncentivePrograms } from '../../src/server/modules/incentives/incentives.seed';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { followLink } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('navigation browser tests');
const FINANCE = 'finance@forecourt.test';
const CHANNEL = 'channel@forecourt.test';
const SHOTS = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('navigation in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let disputeId: number;
  let sale: { occurredOn: string; vin: string; amount: string; id: string };

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    expect(await seedIncentivePrograms(app.services)).toBeGreaterThan(0);
    const program = (await app.services.incentives.findPrograms({ actor: SYSTEM_ACTOR }))[0]!;
    const { rows } = await app.services.db.query<{
      id: string;
      occurredOn: string;
      vin: string;
      amount: string;
    }>(
      `select t.id::text as id, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn", t.vin,
              t.amount::text as amount
       from transactions t join dealers d on d.id = t.dealer_id
       where d.code = $1 and t.vin is not null and t.quantity > 0
       order by t.occurred_on desc, t.id limit 1`,
      [app.accounts.dealer.dealerCode],
    );
    sale = rows[0]!;
    const made = await app.services.db.query<{ id: number }>(
      `insert into incentive_disputes (program_id, dealer_id, period, transaction_id, created_by)
       select p.id, d.id, $3, $4::bigint, 'user:99:Pat Example'
       from programs p, dealers d where p.code = $1 and d.code = $2 returning id::int as id`,
      [program.code, app.accounts.dealer.dealerCode, sale.occurredOn.slice(0, 7), sale.id],
    );
    disputeId = made.rows[0]!.id;
    await app.services.db.query(
      `insert into incentive_dispute_messages (dispute_id, dealer_id, side, author, body)
       select id, dealer_id, 'dealer', 'user:99:Pat Example', 'This sale was paid at the wrong rate'
       from incentive_disputes where id = $1`,
      [disputeId],
    );
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('gives OEM users one Incentives entry with programs, claims, disputes and payouts inside', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      const nav = page.locator('nav');
      await nav.getByRole('link', { name: 'Incentives', exact: true }).waitFor();
      expect(await nav.getByRole('link', { name: 'Programs', exact: true }).count()).toBe(0);
      // A rounded amount on a card ($2M) carries its exact value on hover.
      const rounded = page.locator('[data-exact]').first();
      await rounded.waitFor();
      expect(await rounded.getAttribute('title')).toMatch(/^\$\d{1,3}(,\d{3})+\.\d{2}$/);
      expect(await rounded.textContent()).toMatch(/^\$[\d.]+[KMB]$/);
      await page.screenshot({ path: join(SHOTS, 'navigation-menu-desktop.png') });
      await followLink(
        page,
        nav.getByRole('link', { name: 'Incentives', exact: true }),
        '**/programs',
      );
      const tabs = page.getByTestId('incentive-tabs');
      for (const name of ['Programs', 'Claims', 'Disputes', 'Payouts'])
        await tabs.getByRole('tab', { name, exact: true }).waitFor();
      await followLink(
        page,
        tabs.getByRole('tab', { name: 'Disputes', exact: true }),
        '**/incentives/disputes',
      );
      // The one entry stays marked as the place you are in.
      expect(
        await nav
          .getByRole('link', { name: 'Incentives', exact: true })
          .getAttribute('data-active'),
      ).toBe('true');
    } finally {
      await context.close();
    }
    const phone = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(phone, FINANCE, app.accounts.password);
      await page.getByRole('button', { name: 'Open navigation' }).click();
      const nav = page.locator('nav');
      await nav.getByRole('link', { name: 'Incentives', exact: true }).waitFor();
      expect(await nav.getByRole('link', { name: 'Programs', exact: true }).count()).toBe(0);
      await page.screenshot({ path: join(SHOTS, 'navigation-menu-phone.png') });
    } finally {
      await phone.close();
    }
  });

  it('shows a dispute with the dealer name, the disputed sale and people by name', async () => {
    const { dealerCode, dealerName } = app.accounts.dealer;
    const amount = Number(sale.amount).toLocaleString('en-US', {
      style: 'currency',
      currency: 'USD',
    });
    const date = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${sale.occurredOn}T00:00:00Z`),
    );
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, CHANNEL, app.accounts.password);
        await page.goto(`/incentives/disputes/${disputeId}?status=open`);
        const row = page.getByTestId('disputes-table').locator('tbody tr', {
          hasText: `${dealerName} (${dealerCode})`,
        });
        await row.first().waitFor();
        const rowText = (await row.first().textContent()) ?? '';
        expect(rowText).toContain(`sale of ${date}`);
        expect(rowText).toContain(`VIN ${sale.vin}`);
        expect(rowText).toContain(amount);
        expect(rowText).not.toContain(`transaction ${sale.id}`);
        const thread = page.getByTestId('dispute-thread');
        await thread.waitFor();
        const threadText = (await thread.textContent()) ?? '';
        expect(threadText).toContain('Pat Example');
        expect(threadText).not.toContain('user:99');
        expect(threadText).toContain(`VIN ${sale.vin}`);
        await thread.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `navigation-dispute-${viewport}.png`) });
      } finally {
        await context.close();
      }
    }
  });

  it('shows a period that is still running as in progress, never red', async () => {
    const { dealerName } = app.accounts.dealer;
    for (const viewport of ['desktop', 'phone'] as const) {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, CHANNEL, app.accounts.password);
        await page.goto('/agreements');
        await followLink(
          page,
          page.getByRole('link', { name: dealerName }).first(),
          /\/agreements\/\d+$/,
        );
        const table = page.getByTestId('progress-table');
        await table.waitFor();
        // The demo agreement spans the fiscal year around today: one period is running.
        const running = table.locator('td[data-state="in-progress"]');
        expect(await running.count()).toBeGreaterThan(0);
        for (const cell of await running.all()) {
          const background = await cell.evaluate((el) => getComputedStyle(el).backgroundColor);
          const style = (await cell.getAttribute('style')) ?? '';
          expect(style).not.toContain('red');
          expect(background).not.toMatch(/rgba?\(2[0-9]{2}, [0-9]{1,2}, [0-9]{1,2}/);
          const attainment = Number((await cell.getAttribute('data-attainment')) || '0');
          if (attainment < 100) expect(await cell.textContent()).toContain('in progress');
        }
        await table.scrollIntoViewIfNeeded();
        await page.screenshot({
          path: join(SHOTS, `navigation-agreement-progress-${viewport}.png`),
        });
      } finally {
        await context.close();
      }
    }
  });
});
