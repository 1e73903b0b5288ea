/**
 * The retrying click of tests/e2e/interact.ts in Chromium, on a page made for it: a link whose
 * first click is swallowed (as a click landing during a re-render is) is followed on the next
 * click, and a link that never navigates fails with what the page showed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './web-app';
import { followLink, watchPage } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('click helper tests');

const PAGE_URL = 'http://interact.test/';

/** A link to #done whose first `swallow` clicks do nothing. */
async function pageWithLink(browser: Browser, swallow: number): Promise<Page> {
  const page = await watchPage(await browser.newPage());
  // Served at a URL, not set as content: the page's init scripts (the trail's) run on navigations.
  await page.route(PAGE_URL, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<a id="go" href="#done">Go on</a>
    <script>
      let clicks = 0;
      document.getElementById('go').addEventListener('click', (event) => {
        clicks += 1;
        if (clicks <= ${swallow}) event.preventDefault();
        if (clicks === 1) console.error('first click swallowed');
      });
    </script>`,
    }),
  );
  await page.goto(PAGE_URL);
  return page;
}

describe.skipIf(!hasChromium)('followLink in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('clicks again when a click navigated nowhere', async () => {
    const page = await pageWithLink(browser, 1);
    await followLink(page, page.getByRole('link', { name: 'Go on' }), /#done$/, 10_000);
    expect(new URL(page.url()).hash).toBe('#done');
  });

  it('says what the page showed when the link never navigates', async () => {
    const page = await pageWithLink(browser, Number.MAX_SAFE_INTEGER);
    const error = await followLink(
      page,
      page.getByRole('link', { name: 'Go on' }),
      /#done$/,
      1_000,
    ).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toContain('clicking did not reach /#done$/');
    expect(error?.message).toContain('"href":"#done"');
    expect(error?.message).toContain('first click swallowed');
    // The trail: each press and click, what it hit and where the page was.
    expect(error?.message).toMatch(/pointerdown a \\"Go on\\" at \d+,\d+ on \//);
    expect(error?.message).toMatch(/click a \\"Go on\\" at \d+,\d+ on \//);
  });
});
