/**
 * Issue 13, "Settlement in bulk" in real headless Chromium: finance opens a program, closes a
 * period whose cut-off and grace have passed and approves all its statements, each behind a
 * confirmation stating the totals; a disputed statement is left and listed with a link. The
 * clicks are counted (the issue: ~140 for a 138-statement period before, under 10 now).
 * Screenshots (desktop and phone) go to screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { seedIncentivePrograms } from '../../src/server/modules/incentives/incentives.seed';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('bulk settlement browser tests');
const FINANCE = 'finance@forecourt.test';
const SHOTS = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('settlement in bulk in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let code: string;
  let name: string;
  let period: string;
  let statements: number;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    expect(await seedIncentivePrograms(app.services)).toBeGreaterThan(0);
    // The latest period offered for closing, of the program with the most statements in it.
    let best = 0;
    for (const p of await app.services.incentives.findPrograms({ actor: SYSTEM_ACTOR })) {
      const list = await app.services.incentiveLists.findSettlementPeriods({
        actor: SYSTEM_ACTOR,
        code: p.code,
      });
      const closable = list.items.filter((x) => x.closable).at(-1);
      if (!closable) continue;
      const s = await app.services.incentives.findStatements({
        actor: SYSTEM_ACTOR,
        code: p.code,
        period: closable.period,
      });
      const held = s.items.filter((x) => x.lineCount > 0 || Number(x.amountDue) !== 0).length;
      if (held > best) [best, code, name, period] = [held, p.code, p.name, closable.period];
    }
    statements = best;
    expect(statements).toBeGreaterThan(2);
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('closes and approves a whole period in a few clicks, leaving the disputed statement', async () => {
    const context = await newContext(browser, app.url);
    let clicks = 0;
    const click = async (target: Locator) => {
      clicks++;
      await target.click();
    };
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await page.goto('/programs');
      await click(page.getByRole('link', { name, exact: true }));
      // the page whatever period it shows (a glob must match the query too)
      await page.waitForURL((url) => url.pathname === `/programs/${code}`);
      const row = page.locator(`[data-testid="settlement-period"][data-period="${period}"]`);
      expect(await row.getByTestId('period-status').textContent()).toBe('ready to close');

      await click(row.getByRole('button', { name: 'Close period' }));
      const totals = page.getByTestId('bulk-confirm-totals');
      await totals.waitFor();
      expect(await totals.textContent()).toContain(`Closing freezes ${statements} statements`);
      await click(page.getByTestId('bulk-confirm-button'));
      await page
        .getByTestId('bulk-result')
        .getByText(/^Closed /)
        .waitFor();
      await row.getByTestId('period-status').getByText(`approved 0 of ${statements}`).waitFor();

      // A dealer disputes its statement meanwhile: approving all leaves it.
      const { dealerCode, dealerName } = app.accounts.dealer;
      await app.services.db.query(
        `insert into incentive_disputes (program_id, dealer_id, period, created_by)
         select p.id, d.id, $3, 'dealer' from programs p, dealers d where p.code = $1 and d.code = $2`,
        [code, dealerCode, period],
      );
      const held = await app.services.db.query<{ n: number }>(
        `select count(*)::int as n from incentive_statements s join programs p on p.id = s.program_id
         join dealers d on d.id = s.dealer_id where p.code = $1 and s.period = $2 and d.code = $3`,
        [code, period, dealerCode],
      );
      const disputed = held.rows[0]!.n; // 1 when the demo dealer has a statement in the period

      await click(row.getByRole('button', { name: 'Approve all' }));
      await totals.waitFor();
      expect(await totals.textContent()).toContain(
        `Approves ${statements - disputed} of ${statements} closed statements`,
      );
      await page.screenshot({ path: join(SHOTS, 'bulk-settlement-confirm-desktop.png') });
      await click(page.getByTestId('bulk-confirm-button'));
      const result = page.getByTestId('bulk-result');
      await result
        .getByText(`Approved ${statements - disputed} statements`, { exact: false })
        .waitFor();
      await row
        .getByTestId('period-status')
        .getByText(`approved ${statements - disputed} of ${statements}`)
        .waitFor();
      if (disputed) {
        const link = result.getByRole('link', { name: dealerName, exact: true });
        expect(await link.getAttribute('href')).toBe(
          `/programs/${code}/statements/${dealerCode}?period=${period}`,
        );
        expect(await result.textContent()).toContain('open dispute');
      }
      await page.getByTestId('settlement-periods').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'bulk-settlement-desktop.png') });
      // 1 to open the program, 2 to close, 2 to approve all: whatever the number of statements.
      expect(clicks).toBe(5);
      expect(clicks).toBeLessThan(10);
    } finally {
      await context.close();
    }
  });

  it('shows the periods in words on a phone, without sideways scrolling', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await page.goto(`/programs/${code}`);
      const row = page.locator(`[data-testid="settlement-period"][data-period="${period}"]`);
      await row.scrollIntoViewIfNeeded();
      expect(await row.getByTestId('period-status').textContent()).toMatch(
        /^closed · approved \d+ of \d+$/,
      );
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, 'bulk-settlement-phone.png') });
    } finally {
      await context.close();
    }
  });
});
