/**
 * The built site served on localhost, and Debian's Chromium, for the tests of one file: started
 * before its first test, closed after its last. Read `server` and `browser` inside tests and hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch } from './browser.ts';
import { serve, type StaticServer } from './serve.ts';
import { DIST, requireDist } from './dist.ts';

export interface SiteInBrowser {
  readonly server: StaticServer;
  readonly browser: Browser;
}

export function siteInBrowser(): SiteInBrowser {
  let server: StaticServer | undefined;
  let chromium: { browser: Browser; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    requireDist();
    server = await serve(DIST);
    chromium = await launch();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('siteInBrowser: the site and the browser start in beforeAll; use them inside tests and hooks');
    return x;
  };
  return {
    get server() {
      return started(server);
    },
    get browser() {
      return started(chromium).browser;
    },
  };
}
