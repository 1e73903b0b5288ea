/**
 * Issue 14 in headless Chromium: the risk board's program tier section ("Incentive tiers at
 * risk") says which calibration its probabilities used, as the agreements' detail and the
 * dealer's tier card do — once for the section when every row used the same one, and the text
 * matches what the API says. Desktop and phone screenshots of the section go to screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ProgramRiskList } from '../../src/shared/schemas/program-risk';
import { launchChromium, newContext, ROOT, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('program tier risk browser tests');
const OUT = join(ROOT, 'screenshots');

describe.skipIf(!hasChromium)('program tier risks on the risk board', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startWebApp({
        seed: 7,
        dealers: 12,
        months: 24,
        endMonth: '2026-10',
        incentivePrograms: true,
      }),
      launchChromium(),
    ]);
    await app.services.insights.refresh(null);
    mkdirSync(OUT, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    it(`names the calibration of the tier probabilities (${viewport})`, async () => {
      const context = await newContext(browser, app.url, viewport);
      try {
        const page = await signIn(context, 'region@forecourt.test', app.accounts.password);
        await page.goto('/insights/risks');
        const board = page.getByTestId('program-risk-board');
        await board.waitFor();
        const api = (await page.evaluate(async () =>
          (await fetch('/api/v1/insights/program-risks?limit=100')).json(),
        )) as ProgramRiskList;
        expect(api.items.length).toBeGreaterThan(0);
        const sources = new Set(api.items.slice(0, 20).map((r) => r.calibration.source));
        expect(sources.size).toBe(1);
        // one note for the section (every row used the same calibration), not one per row
        const note = page.getByTestId('program-risk-board-calibration');
        expect(await note.count()).toBe(1);
        expect(await note.getAttribute('data-source')).toBe([...sources][0]);
        const text = (await note.textContent()) ?? '';
        expect(text).toMatch(
          api.items[0]!.calibration.source === 'network'
            ? /^Tier probabilities: Calibrated on [\d,]+ past cases/
            : /^Tier probabilities: Shipped default calibration$/,
        );
        // only the pairs whose next tier is at risk (< 95 %): no "100 %" row under "at risk"
        const atRisk = api.items.filter((r) => {
          const next = r.tiers.find((t) => !t.reached);
          return next !== undefined && next.probability < 0.95;
        });
        expect(await board.locator('tbody tr').count()).toBe(Math.min(20, atRisk.length));
        expect(await board.textContent()).not.toMatch(/USD\)/);
        const section = page.locator('section', { has: board }).first();
        await section.scrollIntoViewIfNeeded();
        const box = (await board.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width + 1);
        await page.mouse.move(1, 1);
        await section.screenshot({ path: join(OUT, `insights-program-risks-${viewport}.png`) });
        // its explanation on focus (phones: on touch), as on the agreements' detail
        await note.focus();
        await page.getByRole('tooltip').waitFor();
        expect(await page.getByRole('tooltip').textContent()).toMatch(/raw probability/);
      } finally {
        await context.close();
      }
    }, 120_000);
  }
});
