/**
 * Screenshots of every screen, desktop (1280×800) and phone (390×844), into screenshots/
 * (git-ignored). Starts the app the way the end-to-end tests do: the real server serving the
 * built web app over an in-memory demo network, and Debian's headless Chromium.
 *
 *   npx tsx scripts/screenshots.ts            # all screens
 *   npx tsx scripts/screenshots.ts dealer     # only screens whose name contains "dealer"
 *   npx tsx scripts/screenshots.ts a,b        # screens whose name contains "a" or "b"
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ROOT,
  VIEWPORTS,
  chromiumStatus,
  launchChromium,
  newContext,
  signIn,
  startWebApp,
  type WebApp,
} from '../tests/e2e/web-app';
import { RISK_JOB_KIND } from '../src/server/modules/insights/insights.service';

type Shot = {
  name: string;
  /** Who is signed in; null for the signed-out screens. */
  as: 'admin' | 'dealer' | 'group' | 'region' | null;
  path: string;
  /** Waits and clicks before the picture. */
  prepare?: (page: Page, app: WebApp) => Promise<void>;
};

const OUT = join(ROOT, 'screenshots');

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Skeletons gone, charts drawn and done animating.
  await page.waitForFunction(
    () => document.querySelectorAll('[aria-busy="true"]').length === 0,
    undefined,
    {
      timeout: 15_000,
    },
  );
  await page.waitForTimeout(900);
}

/** Opens the first record a list links to and waits for one of its tables. */
function openFirst(href: string, testId: string) {
  return async (page: Page) => {
    await page.locator(`tbody a[href^="${href}"]`).first().click();
    await page.getByTestId(testId).waitFor();
  };
}

const SHOTS: Shot[] = [
  { name: 'login', as: null, path: '/login' },
  {
    name: 'login-error',
    as: null,
    path: '/login',
    prepare: async (page) => {
      await page.locator('input[name=email]').fill('admin@forecourt.test');
      await page.locator('input[name=password]').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('login-error').waitFor();
      await page.getByRole('button', { name: 'Demo logins' }).click();
    },
  },
  { name: 'oem-overview', as: 'admin', path: '/overview' },
  { name: 'oem-overview-region', as: 'admin', path: '/overview?level=US-W&region=US-W' },
  { name: 'oem-dealers', as: 'admin', path: '/dealers' },
  {
    name: 'oem-dealer-page',
    as: 'admin',
    path: '/dealers',
    prepare: async (page, app) => {
      await page.goto(`/dealers/${app.accounts.dealer.dealerCode}`);
    },
  },
  { name: 'catalog-model-lines', as: 'admin', path: '/catalog/model-lines' },
  { name: 'catalog-skus', as: 'admin', path: '/catalog/skus' },
  {
    name: 'catalog-sku-form',
    as: 'admin',
    path: '/catalog/skus',
    prepare: async (page) => {
      await page.getByRole('button', { name: 'New SKU' }).click();
      await page.getByRole('button', { name: 'Create SKU' }).click();
    },
  },
  { name: 'transactions', as: 'admin', path: '/transactions' },
  {
    name: 'transactions-upload-problems',
    as: 'admin',
    path: '/transactions',
    prepare: async (page) => {
      await page.getByRole('button', { name: 'Upload CSV' }).click();
      const csv = [
        'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId',
        'retail_delivery,NOPE,NOPE,,0,12.00,USD,2026-02-30,shots,X1',
        'teleport,D00001,NOPE,,1,abc,USD,2026-03-01,shots,X2',
      ].join('\n');
      await page.locator('input[type=file]').setInputFiles({
        name: 'bad.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      });
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByTestId('upload-error').waitFor();
    },
  },
  {
    // 100,000 new rows: stored at once, rolled up right after (the answer says so)
    name: 'transactions-upload-large',
    as: 'admin',
    path: '/transactions',
    prepare: async (page, app) => {
      await page.getByRole('button', { name: 'Upload CSV' }).click();
      const dealers = app.network.dealers.slice(0, 20).map((d) => d.code);
      const skus = app.network.skus.slice(0, 10).map((s) => s.code);
      const lines = [
        'kind,dealerCode,sku,vin,quantity,amount,currency,occurredOn,source,externalId',
      ];
      for (let i = 0; i < 100_000; i++)
        lines.push(
          `invoice,${dealers[i % dealers.length]},${skus[i % skus.length]},,1,31000.00,USD,2026-0${1 + (i % 9)}-15,shots-bulk,B${i}`,
        );
      await page.locator('input[type=file]').setInputFiles({
        name: 'erp-invoices.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(lines.join('\n')),
      });
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByTestId('upload-result').waitFor({ timeout: 60_000 });
    },
  },
  { name: 'oem-agreements', as: 'admin', path: '/agreements' },
  { name: 'admin-users', as: 'admin', path: '/admin/users' },
  {
    name: 'admin-user-form',
    as: 'admin',
    path: '/admin/users',
    prepare: async (page) => {
      await page.getByRole('button', { name: 'New user' }).click();
      await page.getByRole('dialog').getByLabel('Role').click();
      await page.getByRole('option', { name: 'Dealer principal' }).click();
    },
  },
  { name: 'admin-api-keys', as: 'admin', path: '/admin/api-keys' },
  {
    name: 'admin-api-key-created',
    as: 'admin',
    path: '/admin/api-keys',
    prepare: async (page) => {
      await page.getByRole('button', { name: 'New API key' }).click();
      await page.getByLabel('Name').fill('ERP nightly feed');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByTestId('new-api-key').waitFor();
    },
  },
  { name: 'admin-settings', as: 'admin', path: '/admin/settings' },
  {
    name: 'program-editor-co2',
    as: 'admin',
    path: '/programs/new',
    async prepare(page) {
      await page
        .getByLabel(/^Measure\s*\*?$/)
        .first()
        .click();
      await page.getByRole('option', { name: 'Units at or below a CO2 threshold' }).click();
      await page
        .getByLabel(/^Benefit\s*\*?$/)
        .first()
        .click();
      await page.getByRole('option', { name: /per g\/km below a CO2 threshold/ }).click();
      await page.getByTestId('form-tiers').scrollIntoViewIfNeeded();
    },
  },
  {
    name: 'oem-program-page',
    as: 'admin',
    path: '/programs',
    prepare: openFirst('/programs/', 'tiers-table'),
  },
  {
    name: 'oem-agreement-page',
    as: 'admin',
    path: '/agreements',
    prepare: openFirst('/agreements/', 'progress-table'),
  },
  { name: 'dealer-connected', as: 'dealer', path: '/connected' },
  { name: 'region-overview', as: 'region', path: '/overview' },
  { name: 'insights-performance', as: 'region', path: '/insights/performance' },
  { name: 'insights-risks', as: 'region', path: '/insights/risks' },
  { name: 'dealer-home', as: 'dealer', path: '/' },
  {
    name: 'dealer-other-dealer',
    as: 'dealer',
    path: '/',
    prepare: async (page, app) => {
      await page.goto(`/dealers/${app.accounts.otherDealer.dealerCode}`);
      await page.getByTestId('dealer-not-found').waitFor();
    },
  },
  { name: 'dealer-transactions', as: 'dealer', path: '/transactions' },
  { name: 'group-dealers', as: 'group', path: '/' },
  {
    name: 'dealer-menu',
    as: 'dealer',
    path: '/',
    prepare: async (page) => {
      const burger = page.getByRole('button', { name: 'Open navigation' });
      if (await burger.isVisible()) await burger.click();
      else await page.getByTestId('user-menu').click();
    },
  },
];

function emailOf(app: WebApp, who: NonNullable<Shot['as']>): string | null {
  if (who === 'admin') return app.accounts.admin;
  if (who === 'dealer') return app.accounts.dealer.email;
  if (who === 'group') return app.accounts.groupPrincipal;
  return 'region@forecourt.test';
}

async function main(): Promise<void> {
  const chromium = chromiumStatus();
  if (!chromium.isAvailable) throw new Error(chromium.message);
  const only = process.argv[2];
  const shots = SHOTS.filter((s) => !only || only.split(',').some((o) => s.name.includes(o)));
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  const app = await startWebApp({
    seed: 7,
    dealers: 60,
    months: 36,
    endMonth: '2026-10',
    incentivePrograms: true,
  });
  // As `npm start` does (main.ts): the demo's first risks, so the risk and tier cards show.
  if (await app.services.insights.startFirstRefresh()) {
    await app.services.jobs.startWorkers();
    await app.services.jobs.settle(RISK_JOB_KIND);
  }
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    console.log(
      `app at ${app.url} (${Date.now() - started} ms); ${shots.length} screens × 2 sizes`,
    );
    for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
      // One signed-in context per user and size; a fresh page per screen.
      const contexts = new Map<string, BrowserContext>();
      const contextFor = async (who: Shot['as']): Promise<BrowserContext | null> => {
        const key = who ?? 'anonymous';
        let context = contexts.get(key);
        if (!context) {
          context = await newContext(browser!, app.url, viewport);
          if (who) {
            const email = emailOf(app, who);
            if (!email) return null;
            const page = await signIn(context, email, app.accounts.password);
            await page.close();
          }
          contexts.set(key, context);
        }
        return context;
      };
      for (const shot of shots) {
        const context = await contextFor(shot.as);
        if (!context) {
          console.log(`skip ${shot.name}: no demo user for ${shot.as}`);
          continue;
        }
        const page = await context.newPage();
        try {
          await page.goto(shot.path);
          await settle(page);
          await shot.prepare?.(page, app);
          await settle(page);
          // No hover tooltips in the picture.
          await page.mouse.move(1, 1);
          await page.waitForTimeout(150);
          const file = join(OUT, `${viewport}-${shot.name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          console.log(`${file}${overflow > 0 ? `  (overflows sideways by ${overflow}px)` : ''}`);
        } catch (error) {
          console.error(
            `FAILED ${viewport}-${shot.name}: ${(error as Error).message.split('\n')[0]}`,
          );
        } finally {
          await page.close();
        }
      }
      for (const context of contexts.values()) await context.close();
    }
  } finally {
    await browser?.close();
    await app.close();
  }
}

await main();
