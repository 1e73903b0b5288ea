/**
 * A statement's correction list in real headless Chromium (docs/incentives.md, "A VIN is paid
 * once"): the dealer whose payment of a vehicle is taken back sees, on its statement page, a line
 * that names the vehicle, its own delivery's date and why, and nothing of the other dealer; on a
 * phone the list fits the screen. Screenshots (desktop and phone) go to docs/screenshots/.
 *
 * The story (as tests/vin-approval-after-close.test.ts): A delivers V on 20 February; B's earlier
 * delivery of V (10 February) arrives after February's close and is paid to B by March's
 * correction; A's approval of February came first, so a late February row of A's recomputes
 * February and B's April takes V back.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createProgram, json, type Client, type TestApp } from '../helpers/test-app';
import { PASSWORD, USERS } from '../helpers/fixtures';
import { deliverOn, monthlyUnitsProgram, startSettlementApp } from '../helpers/settlement';
import { ensureWebBuild, launchChromium, newContext, ROOT, signIn } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('statement correction browser tests');
const OUT = join(ROOT, 'docs/screenshots');
const CODE = 'VIN-SHOWN';
const V = '1SHWNVXS000000001';

describe.skipIf(!hasChromium)('a take-back correction on the statement page', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await ensureWebBuild();
    let admin: Client;
    let finance: Client;
    [{ t, admin, finance }, browser] = await Promise.all([
      startSettlementApp('pglite', { serveWeb: true }),
      launchChromium(),
    ]);
    const close = async (period: string) =>
      json(await finance.send('POST', `/api/v1/programs/${CODE}/periods/close`, { period }), 200);
    const approve = async (dealer: string, period: string) =>
      json(
        await finance.send('POST', `/api/v1/programs/${CODE}/statements/${dealer}/approve`, {
          period,
        }),
        200,
      );
    await createProgram(admin, monthlyUnitsProgram(CODE));
    await deliverOn(admin, 'DLR-ALPHA', [['SH-A1', '2026-02-20', V]]);
    await close('2026-02');
    await deliverOn(admin, 'DLR-BRAVO', [['SH-B1', '2026-02-10', V]]);
    await deliverOn(admin, 'DLR-BRAVO', [['SH-B2', '2026-03-05', '1SHWNVXS000000009']]);
    await close('2026-03');
    await approve('DLR-ALPHA', '2026-02');
    await approve('DLR-BRAVO', '2026-03');
    await approve('DLR-ALPHA', '2026-03');
    await deliverOn(admin, 'DLR-ALPHA', [['SH-A2', '2026-02-21', '1SHWNVXS000000002']]);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const viewport of ['desktop', 'phone'] as const) {
    it(`shows dealer B why V is taken back, without dealer A (${viewport})`, async () => {
      const context = await newContext(browser, t.url, viewport);
      try {
        const page = await signIn(context, USERS.dealerB, PASSWORD);
        await page.goto(`/programs/${CODE}/statements/DLR-BRAVO?period=2026-04`);
        const list = page.getByTestId('statement-corrections');
        await list.waitFor();
        const line = list.locator('[data-reason="vin_paid_to_other_dealer"]');
        expect(await line.count()).toBe(1);
        const text = (await line.textContent()) ?? '';
        expect(text).toContain('Taken back: this vehicle is paid to another dealer');
        expect(text).toContain(`${V} delivered 2026-02-10`);
        // the period it corrects and the amount taken back
        expect(await list.textContent()).toMatch(
          /February 2026.*-\$100\.00|February 2026.*−\$100\.00/,
        );
        // nothing of the other dealer anywhere on the page: its code, name or delivery date
        const body = (await page.locator('body').textContent()) ?? '';
        for (const leak of ['ALPHA', 'Alpha', '2026-02-20']) expect(body).not.toContain(leak);
        if (viewport === 'phone') {
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width).toBeLessThanOrEqual(390);
        }
        await page.screenshot({
          path: join(OUT, `statement-corrections-${viewport}.png`),
          fullPage: true,
        });
      } finally {
        await context.close();
      }
    });
  }
});
