/**
 * Driving a widget in Chromium: open its page (the widget mounts when scrolled near), read its
 * state from the attributes it keeps on its element, step threads through their buttons, and
 * collect everything that should never happen (console errors, page errors, CSP violations).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';

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
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective}: ${e.blockedURI}`));
  });
  const page = await context.newPage();
  return { page, watch: watch(page), close: () => context.close() };
}

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

/** Clicks each thread's Step button in turn. */
export async function stepThreads(w: Locator, threads: readonly string[]): Promise<void> {
  for (const t of threads) await w.locator(`button.iw-step[data-thread="${t}"]`).click();
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

/** Runs axe-core on the page (its source evaluated by the test, not fetched) and returns the violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await a.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}
