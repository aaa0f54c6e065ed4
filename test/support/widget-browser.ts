/**
 * Driving a widget in Chromium: open its page (the widget mounts when scrolled near), read its
 * state from the attributes it keeps on its element, step threads through their buttons, and
 * collect everything that should never happen (console errors, page errors, CSP violations).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { getWidgetCase } from '../../src/lib/widget-cases.ts';
import type { SiteInBrowser } from './site-in-browser.ts';

export interface Watch {
  /** Console errors and warnings, and uncaught page errors. */
  errors: string[];
  /** Directives the page's CSP refused (recorded by a listener installed before any script). */
  csp(): Promise<string[]>;
}

export function watch(page: Page): Watch {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { errors, csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp) };
}

export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ page: Page; watch: Watch; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  // Playwright's clock: time flows as usual, and a test may run it forward (see playOut).
  await context.clock.install();
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective}: ${e.blockedURI}`));
  });
  const page = await context.newPage();
  return { page, watch: watch(page), close: () => context.close() };
}

export type Session = (run: (page: Page, watch: Watch) => Promise<void>, options?: BrowserContextOptions) => Promise<void>;

/** Runs a test on a fresh page of the site's browser; fails the test on any console error, page error or CSP violation. */
export function sessions(site: SiteInBrowser): Session {
  return async (run, options = {}) => {
    const { page, watch, close } = await newPage(site.browser, options);
    try {
      await run(page, watch);
      expect(watch.errors, 'console errors').toEqual([]);
      // (With JavaScript off nothing runs, so there is nothing for the CSP to refuse, nor a way to listen.)
      if (options.javaScriptEnabled !== false) expect(await watch.csp(), 'CSP violations').toEqual([]);
    } finally {
      await close();
    }
  };
}

/** What the page's build says about the case: the failing variant's shortest failure, and the variant that is ok. */
export async function facts(w: Locator): Promise<{ failing: string; verdict: string; answer: string[]; initialVariant: string }> {
  return w.evaluate((el: HTMLElement) => ({
    failing: el.dataset.challengeVariant ?? '',
    verdict: el.dataset.challengeVerdict ?? '',
    answer: JSON.parse(el.dataset.challengeAnswer ?? '[]') as string[],
    initialVariant: el.dataset.variant ?? '',
  }));
}

/** The case's variant whose verdict is ok. */
export const okVariant = (caseId: string): string | undefined => getWidgetCase(caseId).variants.find((v) => v.expected === 'ok')?.id;

export function widget(page: Page, caseId: string): Locator {
  return page.locator(`interleave-widget[data-case="${caseId}"]`);
}

/** Opens a page and waits for its widget to be live (scrolling to it, as a reader would). */
export async function openWidget(page: Page, url: string, caseId: string): Promise<Locator> {
  await page.goto(url);
  const w = widget(page, caseId);
  await w.scrollIntoViewIfNeeded();
  await page.waitForSelector(`interleave-widget[data-case="${caseId}"][data-state="live"]`, { timeout: 15_000 });
  return w;
}

export interface WidgetState {
  verdict: string;
  schedule: string;
  variant: string;
  status: string;
  objects: string;
  threads: string[];
}

export function state(w: Locator): Promise<WidgetState> {
  return w.evaluate((el: HTMLElement) => ({
    verdict: el.dataset.verdict ?? '',
    schedule: el.dataset.schedule ?? '',
    variant: el.dataset.variant ?? '',
    status: el.querySelector('.iw-status')?.textContent ?? '',
    objects: el.querySelector('.iw-objects')?.textContent ?? '',
    threads: [...el.querySelectorAll<HTMLElement>('.iw-thread')].map((t) => t.textContent ?? ''),
  }));
}

/**
 * Waits for the widget to start a replay (after a search, or "Play the answer"), then runs the
 * page's clock forward until the replay is over: the steps the widget plays one by one, some
 * hundred milliseconds apart for the reader's eye, follow each other at once.
 */
export async function playOut(page: Page, w: Locator): Promise<void> {
  const el = await w.elementHandle();
  await page.waitForFunction((e) => e!.hasAttribute('data-replaying') || /Replayed/.test(e!.querySelector('.iw-replay-note')?.textContent ?? ''), el, { timeout: 60_000 });
  while (await w.evaluate((e) => e.hasAttribute('data-replaying'))) await page.clock.runFor(1000);
}

/** Clicks each thread's Step button in turn (on a narrow screen, after its tab). */
export async function stepThreads(w: Locator, threads: readonly string[]): Promise<void> {
  const tabbed = (await w.locator('.iw-tabs:not([hidden])').count()) > 0;
  for (const t of threads) {
    if (tabbed) await w.locator(`.iw-tab[data-thread="${t}"]`).click();
    await w.locator(`button.iw-step[data-thread="${t}"]`).click();
  }
}

/** Steps the first runnable thread until the execution ends (at most `limit` steps); returns the verdict. */
export function runToEnd(w: Locator, limit = 5000): Promise<string> {
  return w.evaluate((el: HTMLElement, max: number) => {
    for (let i = 0; i < max && el.dataset.verdict === 'running'; i++) {
      const b = el.querySelector<HTMLButtonElement>('.iw-thread.is-runnable .iw-step');
      if (!b) break;
      b.click();
    }
    return el.dataset.verdict ?? '';
  }, limit);
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page, or on the element `selector` names (its source evaluated by the test,
 * not fetched), and returns the violations.
 */
export async function axe(page: Page, selector?: string): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async (sel) => {
    const a = (window as unknown as { axe: { run(ctx: Element | Document, o: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await a.run(sel ? document.querySelector(sel)! : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, selector);
}
