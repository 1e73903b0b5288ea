/**
 * The web app under its Content-Security-Policy (issue 12, the second wall): every page renders
 * in Chromium with `script-src 'self'` and not one violation reported, for the OEM admin (with
 * the audit log) and for a dealer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('browser tests of the security headers');

/** Collects CSP violations (the DOM event and Chromium's console report) of every page. */
async function watchViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { reportCspViolation: (t: string) => void })
        .reportCspViolation;
      report(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
      );
    });
  });
  context.on('page', (page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    }),
  );
  return violations;
}

describe.skipIf(!hasChromium)('the web app under its CSP', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('renders the admin pages and a dealer home with no CSP violation', async () => {
    const context = await newContext(browser, app.url);
    const violations = await watchViolations(context);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      const document = await page.request.get('/overview');
      expect(document.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(document.headers()['x-frame-options']).toBe('DENY');
      await page.getByRole('heading', { name: 'Network overview' }).waitFor();
      await page.getByTestId('region-chart').locator('.recharts-line-curve').first().waitFor();
      await page.goto('/admin/audit-log');
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      const table = page.getByTestId('audit-log-table');
      await table.getByText('Signed in').first().waitFor();
      expect(await table.textContent()).toContain('127.0.0.1');
      await page.goto('/programs');
      await page.waitForLoadState('networkidle');
      await page.goto('/forecasts/accuracy');
      await page.waitForLoadState('networkidle');
    } finally {
      await context.close();
    }
    const dealerContext = await newContext(browser, app.url, 'phone');
    const dealerViolations = await watchViolations(dealerContext);
    try {
      const page = await signIn(dealerContext, app.accounts.dealer.email, app.accounts.password);
      await page.getByText(app.accounts.dealer.dealerName).first().waitFor();
      await page.goto('/incentives');
      await page.waitForLoadState('networkidle');
    } finally {
      await dealerContext.close();
    }
    expect([...violations, ...dealerViolations]).toEqual([]);
  });
});
