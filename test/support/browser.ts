/**
 * Debian's Chromium, driven by playwright-core. Nothing here downloads a browser: the executable
 * is /usr/bin/chromium (installed by apt, see .ci/run). Playwright gives every launch a fresh,
 * temporary user-data-dir of its own (it refuses a --user-data-dir argument) and deletes it on
 * close.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  return { browser, close: () => browser.close() };
}
