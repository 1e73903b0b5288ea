/**
 * The browser check every end-to-end file starts with: where the browser tests are required
 * (CI, REQUIRE_BROWSER) a missing Chromium fails the file with one test that says why; elsewhere
 * the file is skipped with a warning. Returns whether the browser tests can run.
 */
import { describe, it } from 'vitest';
import { chromiumStatus } from './web-app';

export function requireChromium(what: string): boolean {
  const chromium = chromiumStatus();
  describe.runIf(chromium.mustFail)(what, () => {
    it('need Chromium', () => {
      throw new Error(chromium.message);
    });
  });
  if (!chromium.isAvailable && !chromium.mustFail) console.warn(chromium.message);
  return chromium.isAvailable;
}
