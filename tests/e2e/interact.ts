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

/** Records the page's uncaught errors and console errors, for the helpers' failure messages. */
export function watchPage(page: Page): Page {
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return page;
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
        errors: pageErrors.get(page) ?? 'not watched',
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
        errors: pageErrors.get(page) ?? 'not watched',
      };
      throw failure(`could not pick ${String(option.name)}`, shown, error);
    }
  }
}
