/**
 * Issue 13, planning help, in real headless Chromium: the channel manager opens a draft,
 * "Suggest from history and forecast" fills every period with the server's suggestion, "+5 %"
 * scales it (rounded to whole units, total shown) with the prior year under each period; the
 * dealer then reviews the proposal beside last year and the forecast on a phone.
 * Screenshots (desktop and phone) go to screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DRAFTER } from '../helpers/agreements';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('planning help browser tests');
const CHANNEL = 'channel@forecourt.test';
const SHOTS = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('planning help in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let agreementId: number;
  let suggested: number[];
  let priorYear: (number | null)[];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    const dealerCode = app.accounts.dealer.dealerCode;
    // the dealer's best-selling model line of 2026 that none of its agreements commits yet
    const { rows } = await app.services.db.query<{ code: string }>(
      `select m.code from monthly_actuals a join skus s on s.id = a.sku_id
       join model_lines m on m.id = s.model_line_id join dealers d on d.id = a.dealer_id
       where d.code = $1 and a.month >= '2026-01-01'
         and not exists (select 1 from skus s2 join agreement_line_skus ls on ls.sku_id = s2.id
                         join agreements g on g.id = ls.agreement_id
                         where s2.model_line_id = m.id and g.dealer_id = d.id)
       group by m.code order by sum(a.quantity) desc limit 1`,
      [dealerCode],
    );
    const modelLine = rows[0]!.code;
    const a = await app.services.agreements.createAgreement({
      actor: DRAFTER,
      data: {
        dealerCode,
        startMonth: '2027-01',
        months: 12,
        frequency: 'monthly',
        countedKinds: ['retail_delivery', 'unwind'],
        lines: [{ target: { kind: 'model_line', code: modelLine }, total: 12, spread: 'even' }],
      },
    });
    agreementId = a.id;
    const help = await app.services.agreements.planningHelp({
      actor: DRAFTER,
      query: {
        dealerCode,
        startMonth: '2027-01',
        months: 12,
        frequency: 'monthly',
        target: `model_line:${modelLine}`,
      },
    });
    suggested = help.lines[0]!.periods.map((p) => p.suggested);
    priorYear = help.lines[0]!.periods.map((p) => p.priorYear);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const periodValues = async (page: import('playwright-core').Page) =>
    (
      await page
        .getByTestId('line-editor')
        .first()
        .locator('input[data-testid="period-input"]')
        .evaluateAll((nodes) => nodes.map((n) => (n as HTMLInputElement).value))
    ).map(Number);

  for (const viewport of ['desktop', 'phone'] as const)
    it(`prefills the editor from history and forecast and scales it by 5 % (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, CHANNEL, app.accounts.password);
        await page.goto(`/agreements/${agreementId}/edit`);
        const bar = page.getByTestId('planning-help-bar');
        await bar.waitFor();
        expect(suggested.some((q) => q > 0)).toBe(true);
        await bar.getByRole('button', { name: 'Suggest from history and forecast' }).click();
        await expect.poll(() => periodValues(page)).toEqual(suggested);
        // the prior year under each period
        const line = page.getByTestId('line-editor').first();
        await expect.poll(() => line.getByText(/^PY /).count()).toBe(12);
        expect(await line.getByText(/^PY /).first().textContent()).toBe(
          `PY ${priorYear[0] === null ? '–' : priorYear[0]!.toLocaleString('en-US')}`,
        );

        await page.getByLabel('Scale the suggestion by percent').fill('5');
        await page
          .getByRole('button', { name: 'Suggest line 1 from history and forecast' })
          .click();
        const scaled = suggested.map((q) => Math.floor((q * 105 * 2 + 100) / 200));
        await expect.poll(() => periodValues(page)).toEqual(scaled);
        const total = scaled.reduce((s, q) => s + q, 0);
        expect(await line.getByTestId('line-total').textContent()).toContain(
          `${total.toLocaleString('en-US')} units over 12 periods`,
        );
        await line.scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(SHOTS, `planning-help-editor-${viewport}.png`) });
      } finally {
        await context.close();
      }
    });

  it('shows the dealer its proposal beside the prior year and the forecast (phone and desktop)', async () => {
    const draft = await app.services.agreements.getAgreement({ actor: DRAFTER, id: agreementId });
    await app.services.agreements.transition({
      actor: DRAFTER,
      id: agreementId,
      transition: 'propose',
      version: draft.version,
    });
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.dealer.email, app.accounts.password);
      await page.goto(`/agreements/${agreementId}`);
      const table = page.getByTestId('planning-comparison');
      await table.waitFor();
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBe(12); // 12 periods
      expect(await table.locator('tfoot tr').count()).toBe(1); // and the total
      // first period: plan 1 (12 spread evenly), the prior year from the server
      const cells = await rows.first().locator('td').allTextContents();
      expect(cells[1]).toBe('1');
      expect(cells[2]).toBe(priorYear[0] === null ? '–' : priorYear[0]!.toLocaleString('en-US'));
      await table.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'planning-help-review-phone.png') });
    } finally {
      await context.close();
    }
    const desktop = await newContext(browser, app.url, 'desktop');
    try {
      const page = await signIn(desktop, app.accounts.dealer.email, app.accounts.password);
      await page.goto(`/agreements/${agreementId}`);
      const table = page.getByTestId('planning-comparison');
      await table.waitFor();
      await table.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'planning-help-review-desktop.png') });
    } finally {
      await desktop.close();
    }
  });
});
