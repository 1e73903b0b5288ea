/**
 * End-to-end harness: the real server (serving the built web app) on a random port, over a fresh
 * in-memory PGlite with a small deterministic demo network, and headless Chromium through
 * playwright-core (Debian's /usr/bin/chromium, not Playwright's downloaded browsers).
 *
 * Used by tests/e2e/*.test.ts and scripts/screenshots.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, BrowserContext } from 'playwright-core';
import { buildApp } from '../../src/server/app';
import { parseEnv } from '../../src/server/env';
import { createServices, type Services } from '../../src/server/services';
import { DEMO_PASSWORD, demoUsers, seedDemo } from '../../src/server/modules/demo/seed';
import type { DemoNetwork } from '../../src/server/modules/demo/generator';
import { createTestDb, testEnv } from '../helpers/test-app';
import { watchPage } from './interact';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB_INDEX = join(ROOT, 'dist/web/index.html');
/** What the web build is made from: a newer file here means dist/web is stale. */
const WEB_SOURCES = ['src/web', 'src/shared', 'index.html', 'vite.config.ts'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function isWebBuildFresh(): boolean {
  if (!existsSync(WEB_INDEX)) return false;
  const built = statSync(WEB_INDEX).mtimeMs;
  return WEB_SOURCES.every((source) => newestMtime(join(ROOT, source)) <= built);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds the web app (`vite build` → dist/web) when it is missing or older than its sources.
 * A lock directory keeps parallel test files from building at the same time.
 */
export async function ensureWebBuild(): Promise<void> {
  if (isWebBuildFresh()) return;
  const lock = join(
    tmpdir(),
    `forecourt-web-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`,
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process is building; a lock older than 3 minutes is a crashed build.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for the web build lock ${lock}`);
      await sleep(250);
    }
  }
  try {
    if (isWebBuildFresh()) return;
    try {
      await run('npx', ['vite', 'build', '--logLevel', 'warn'], {
        cwd: ROOT,
        maxBuffer: 32 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`vite build failed:\n${e.stderr ?? ''}\n${e.stdout ?? ''}\n${e.message}`, {
        cause: error,
      });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export type DemoAccounts = {
  password: string;
  admin: string;
  /** A dealer principal of one dealer. */
  dealer: { email: string; dealerCode: string; dealerName: string };
  /** Another dealer the first must never see. */
  otherDealer: { email: string; dealerCode: string; dealerName: string };
  groupPrincipal: string | null;
};

function accountsOf(network: DemoNetwork): DemoAccounts {
  const users = demoUsers(network);
  const dealerOf = (email: string) => {
    const user = users.find((u) => u.email === email);
    const dealer = network.dealers.find((d) => d.code === user?.dealerCode);
    if (!user || !dealer) throw new Error(`The demo network has no ${email} with a dealer`);
    return { email, dealerCode: dealer.code, dealerName: dealer.name };
  };
  return {
    password: DEMO_PASSWORD,
    admin: 'admin@forecourt.test',
    dealer: dealerOf('dealer@forecourt.test'),
    otherDealer: dealerOf('dealer2@forecourt.test'),
    groupPrincipal: users.some((u) => u.email === 'group@forecourt.test')
      ? 'group@forecourt.test'
      : null,
  };
}

export type WebApp = {
  url: string;
  services: Services;
  network: DemoNetwork;
  accounts: DemoAccounts;
  close: () => Promise<void>;
};

export const E2E_DEMO = { seed: 7, dealers: 12, months: 24, endMonth: '2026-10' } as const;

/** The real app over a fresh in-memory PGlite seeded with a small demo network, web app served. */
export async function startWebApp(
  demo: {
    seed: number;
    dealers: number;
    months: number;
    endMonth: string;
    /** the demo's incentive programs (off under NODE_ENV=test; the screenshots turn them on) */
    incentivePrograms?: boolean;
  } = E2E_DEMO,
): Promise<WebApp> {
  await ensureWebBuild();
  const { db, drop } = await createTestDb('pglite');
  try {
    // Browser journeys sign in many times from one address: lift the login rate limit.
    const env = testEnv({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
    const services = createServices({ db, env });
    const { network } = await seedDemo(services, demo);
    const app = await buildApp({ env, services, logger: false, serveWeb: true });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      services,
      network,
      accounts: accountsOf(network),
      close: async () => {
        await app.close();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ChromiumStatus = {
  path: string;
  isAvailable: boolean;
  /** Missing while REQUIRE_BROWSER=1 or CI=true: the run must fail, not skip. */
  mustFail: boolean;
  message: string;
};

/** Is Debian's Chromium there, and may the browser tests be skipped without it? */
export function chromiumStatus(): ChromiumStatus {
  const env = parseEnv(process.env);
  const path = env.CHROMIUM_PATH;
  const isAvailable = existsSync(path);
  const isRequired = env.REQUIRE_BROWSER || env.CI;
  return {
    path,
    isAvailable,
    mustFail: !isAvailable && isRequired,
    message: isAvailable
      ? `Chromium at ${path}`
      : `Chromium is not installed at ${path} (apt-get install chromium, or set CHROMIUM_PATH). ` +
        (isRequired
          ? 'REQUIRE_BROWSER or CI is set, so the browser tests fail.'
          : 'Skipping the browser tests; set REQUIRE_BROWSER=1 to make this a failure.'),
  };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumStatus().path,
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export async function newContext(
  browser: Browser,
  baseURL: string,
  viewport: keyof typeof VIEWPORTS = 'desktop',
): Promise<BrowserContext> {
  const isPhone = viewport === 'phone';
  return browser.newContext({
    baseURL,
    viewport: VIEWPORTS[viewport],
    deviceScaleFactor: isPhone ? 2 : 1,
    isMobile: isPhone,
    hasTouch: isPhone,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
}

/** Signs in through the login form and waits until the app has navigated away from it. */
export async function signIn(
  context: BrowserContext,
  email: string,
  password: string,
): Promise<import('playwright-core').Page> {
  const page = await watchPage(await context.newPage());
  await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15_000 });
  return page;
}
