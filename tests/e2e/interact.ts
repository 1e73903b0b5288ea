/**
 * Clicks that survive a loaded machine. On CI (two cores, many test files at once) a click can land
 * while the page re-renders as its queries settle: a dropdown closes before its option is clicked
 * (stop 29's CI, the allocation page) or a link's click navigates nowhere (stop 29's second CI, the
 * programs list). A person clicks again; these helpers do the same, for up to 45 s, and only for
 * actions that are safe to repeat (opening a select, following a link: never a submit). When the
 * action never works, the error says what the page showed and the errors it logged.
 */
import type { Locator, Page } from 'playwright-core';

const RETRY_FOR_MS = 45_000;
const pageErrors = new WeakMap<Page, string[]>();
const pageTrails = new WeakMap<Page, string[]>();
const TRAIL_MARK = '[trail] ';
const TRAIL_LENGTH = 40;

/**
 * In the page: every pointer press and click, with what it hit and where the page was, logged to
 * the console for the trail (a click that landed somewhere unexpected shows there).
 */
function recordPresses(mark: string) {
  for (const type of ['pointerdown', 'click']) {
    document.addEventListener(
      type,
      (event) => {
        const target = event.target instanceof Element ? event.target : null;
        const label = target
          ? `${target.tagName.toLowerCase()} "${(target.textContent ?? '').trim().slice(0, 40)}"`
          : 'nothing';
        const { clientX, clientY } = event as MouseEvent;
        console.debug(
          `${mark}${type} ${label} at ${Math.round(clientX)},${Math.round(clientY)} on ${location.pathname}${location.search}`,
        );
      },
      true,
    );
  }
}

/**
 * Records the page's uncaught errors and console errors, and a trail of its navigations and of the
 * presses and clicks it received, for the helpers' failure messages.
 */
export async function watchPage(page: Page): Promise<Page> {
  const errors: string[] = [];
  const trail: string[] = [];
  const started = Date.now();
  const note = (text: string) => {
    trail.push(`${((Date.now() - started) / 1000).toFixed(2)}s ${text}`);
    if (trail.length > TRAIL_LENGTH) trail.shift();
  };
  pageErrors.set(page, errors);
  pageTrails.set(page, trail);
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    if (message.text().startsWith(TRAIL_MARK)) note(message.text().slice(TRAIL_MARK.length));
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) note(`at ${frame.url()}`);
  });
  await page.addInitScript(recordPresses, TRAIL_MARK);
  return page;
}

/** What the page logged and went through, for a failure message or a warning. */
export function pageTrail(page: Page) {
  return {
    errors: pageErrors.get(page) ?? 'not watched',
    trail: pageTrails.get(page) ?? 'not watched',
  };
}

async function describeTarget(target: Locator) {
  const count = await target.count().catch(() => null);
  const first = target.first();
  return {
    count,
    visible: count ? await first.isVisible().catch(() => null) : null,
    href: count ? await first.getAttribute('href').catch(() => null) : null,
    text: count ? await first.textContent({ timeout: 1_000 }).catch(() => null) : null,
  };
}

function failure(what: string, shown: object, cause: unknown): Error {
  return new Error(`${what}: ${JSON.stringify(shown)}`, { cause });
}

type UrlMatch = string | RegExp | ((url: URL) => boolean);

/**
 * Clicks a link (or a tab, a card: anything whose click only navigates) and waits until the URL
 * matches; clicks again while it does not.
 */
export async function followLink(
  page: Page,
  target: Locator,
  url: UrlMatch,
  retryForMs = RETRY_FOR_MS,
): Promise<void> {
  const deadline = Date.now() + retryForMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await target.click({ timeout: Math.min(15_000, retryForMs) });
      await page.waitForURL(url, { timeout: Math.min(10_000, retryForMs / 5) });
      return;
    } catch (error) {
      // A click that did navigate, slowly, leaves no link to click again.
      if (
        await page.waitForURL(url, { timeout: 2_000 }).then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() < deadline) continue;
      const shown = {
        attempts: attempt,
        url: page.url(),
        target: await describeTarget(target),
        ...pageTrail(page),
      };
      throw failure(`clicking did not reach ${String(url)}`, shown, error);
    }
  }
}

/** Opens a select and picks one of its options; opens it again if it closed first. */
export async function pickOption(
  page: Page,
  field: Locator,
  option: { name: string | RegExp; exact?: boolean },
): Promise<void> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await field.click({ timeout: 15_000 });
      await page.getByRole('option', option).first().click({ timeout: 5_000 });
      return;
    } catch (error) {
      if (Date.now() < deadline) continue;
      const shown = {
        attempts: attempt,
        url: page.url(),
        value: await field.inputValue().catch(() => null),
        expanded: await field.getAttribute('aria-expanded').catch(() => null),
        disabled: await field.isDisabled().catch(() => null),
        options: await page.getByRole('option').allTextContents(),
        ...pageTrail(page),
      };
      throw failure(`could not pick ${String(option.name)}`, shown, error);
    }
  }
}
