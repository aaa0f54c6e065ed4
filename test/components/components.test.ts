/**
 * The components the case pages will use, rendered on their own with the Container API against
 * small scenarios and five stand-in cases: what each must show, and how each fails loudly when
 * given something wrong.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, mutex_lock, mutex_unlock } from '@interleave/engine';
import Verdict from '../../src/components/Verdict.astro';
import Listing from '../../src/components/Listing.astro';
import FixDiff from '../../src/components/FixDiff.astro';
import Timeline from '../../src/components/Timeline.astro';
import WaitGraph from '../../src/components/WaitGraph.astro';
import LockdepReport from '../../src/components/LockdepReport.astro';
import ScenarioRun from '../../src/components/ScenarioRun.astro';
import VerdictTable from '../../src/components/VerdictTable.astro';
import CaseList from '../../src/components/CaseList.astro';
import CaseHeader from '../../src/components/CaseHeader.astro';
import { summarize } from '../../src/lib/cases.ts';
import { fakeCases, pair, recursive, rwListing } from './fake-cases.ts';
import { render, text } from './render.ts';

describe('Verdict', () => {
  it.each(['ok', 'deadlock', 'violation', 'leak', 'incomplete'] as const)('says %s in words, not only in colour', async (v) => {
    const root = await render(Verdict, { verdict: v, of: 'x' });
    const badge = root.querySelector('.verdict')!;
    expect(badge.getAttribute('data-verdict')).toBe(v);
    expect(text(badge)).toContain(v);
    expect(badge.querySelector('[aria-hidden="true"]')).not.toBeNull();
  });
});

describe('Listing', () => {
  it('numbers every line, gives each an id, and marks the highlighted ones', async () => {
    const root = await render(Listing, { listing: rwListing, highlight: [3, 4], id: 'fault', title: 'fault()' });
    const lines = root.querySelectorAll('span.line');
    expect(lines).toHaveLength(rwListing.text.split('\n').length);
    expect(lines.map((l) => l.getAttribute('id'))).toEqual(lines.map((_, i) => `fault-L${i + 1}`));
    expect(lines.filter((l) => l.classList.contains('highlighted')).map((l) => l.getAttribute('data-line'))).toEqual(['3', '4']);
    expect(text(root)).not.toContain('//@'); // an engine listing shows its text, markers removed
    expect(text(root.querySelector('figcaption'))).toBe('fault() (marked: lines 3–4)');
    expect(root.querySelector('pre')?.getAttribute('data-language')).toBe('c');
  });

  it('refuses a marked line outside the listing', async () => {
    await expect(render(Listing, { code: 'int x;\n', highlight: [2] })).rejects.toThrow(/outside 1..1/);
  });

  it('with a focus, shows that function and folds the whole listing, each line keeping one id', async () => {
    const root = await render(Listing, { listing: rwListing, id: 'fault', focus: ['brk'] });
    const brk = rwListing.functions.find((f) => f.name === 'brk')!;
    const [shown, whole] = root.querySelectorAll('pre');
    expect(shown!.querySelectorAll('span.line').map((l) => Number(l.getAttribute('data-line')))).toEqual(
      Array.from({ length: brk.end - brk.start + 1 }, (_, k) => brk.start + k),
    );
    expect(root.querySelector('details.listing-rest pre')).toBe(whole);
    const ids = root.querySelectorAll('span.line[id]').map((l) => l.getAttribute('id'));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(rwListing.text.split('\n').length);
    await expect(render(Listing, { listing: rwListing, focus: ['nope'] })).rejects.toThrow(/no function 'nope'/);
  });
});

describe('FixDiff', () => {
  it('shows removed and added lines, and the patch', async () => {
    const root = await render(FixDiff, { before: 'a();\nb();\nc();\n', after: 'a();\nB();\nc();\n', file: 'x.c', title: 'the fix' });
    const lines = root.querySelectorAll('pre.has-diff span.line');
    expect(lines.map((l) => l.getAttribute('data-mark'))).toEqual([' ', '-', '+', ' ']);
    expect(text(root.querySelector('figcaption'))).toBe('the fix (1 line removed, 1 line added)');
    expect(text(root.querySelector('details pre'))).toBe('--- a/x.c +++ b/x.c @@ -1,3 +1,3 @@ a(); -b(); +B(); c();');
  });

  it('puts the mark in each line\'s text, and folds a long unchanged run', async () => {
    const same = Array.from({ length: 12 }, (_, i) => `s${i}();`).join('\n');
    const root = await render(FixDiff, { before: `a();\n${same}\nz();\n`, after: `A();\n${same}\nz();\n` });
    const lines = root.querySelectorAll('pre.has-diff span.line').map(text);
    expect(lines.slice(0, 2)).toEqual(['- a();', '+ A();']);
    expect(lines).toContain('/* … 7 unchanged lines … */'); // s3() to s9(): 13 unchanged lines, 3 kept on each side
    expect(lines).toHaveLength(2 + 3 + 1 + 3);
    // The plain patch still has every line of its hunks.
    expect(text(root.querySelector('details pre'))).toContain('-a(); +A();');
  });

  it('refuses two identical listings', async () => {
    await expect(render(FixDiff, { before: 'a;', after: 'a;' })).rejects.toThrow(/the same/);
  });
});

describe('Timeline', () => {
  const s = recursive(false);
  const report = explore(s);

  it('has one lane per thread and one row per step, linking steps to listing lines', async () => {
    const root = await render(Timeline, { scenario: s, schedule: report.counterexample!.schedule, listing: 'fault' });
    expect(root.querySelectorAll('thead th').map(text)).toEqual(['Step', 'T1', 'T2']);
    const rows = root.querySelectorAll('tbody tr[data-thread]');
    expect(rows.map((r) => r.getAttribute('data-thread'))).toEqual(report.counterexample!.steps.map((x) => x.thread));
    const links = root.querySelectorAll('a.line-ref').map((a) => a.getAttribute('href'));
    expect(links).toEqual(report.counterexample!.steps.map((x) => `#fault-L${x.line}`));
    expect(root.querySelector('figure')?.getAttribute('data-outcome')).toBe('deadlock');
    expect(text(root.querySelector('.outcome'))).toContain(report.message);
  });

  it('says after each step what every thread holds and waits for', async () => {
    const root = await render(Timeline, { trace: replay(s, report.counterexample!.schedule) });
    const last = root.querySelectorAll('tbody tr').at(-1)!;
    expect(text(last)).toContain('holds mmap_sem (read)');
    expect(text(last)).toContain("waits in down_read on mmap_sem: queued behind T2's down_write");
  });

  it('refuses to render without a trace', async () => {
    await expect(render(Timeline, { scenario: s })).rejects.toThrow(/give it a trace/);
  });
});

describe('WaitGraph', () => {
  it('draws the wait-for cycle of a deadlock, with a text alternative', async () => {
    const s = pair(false);
    const trace = replay(s, explore(s).counterexample!.schedule);
    const root = await render(WaitGraph, { state: trace.states.at(-1), title: 'AB-BA', id: 'g' });
    const svg = root.querySelector('svg')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-labelledby')).toBe('g-title');
    expect(root.querySelector('#g-title')?.tagName.toLowerCase()).toBe('title');
    expect(svg.getAttribute('aria-describedby')).toBe('g-edges');
    expect(root.querySelectorAll('#g-edges li').map(text)).toEqual(['T1 waits for T2: T1 is in mutex_lock on B, held by T2.', 'T2 waits for T1: T2 is in mutex_lock on A, held by T1.']);
    expect(root.querySelectorAll('.edge.cycle')).toHaveLength(2);
    expect(Number(svg.getAttribute('width'))).toBeGreaterThan(0);
    expect(svg.getAttribute('viewBox')).toBe(`0 0 ${svg.getAttribute('width')} ${svg.getAttribute('height')}`);
  });

  it('draws a reference chain given as a graph, naming the cycle by labels', async () => {
    const graph = {
      nodes: [{ id: 'a', label: 'mm', kind: 'object' as const }, { id: 'b', label: 'file', kind: 'object' as const }],
      edges: [{ from: 'a', to: 'b', label: 'holds', text: 'mm holds file.' }, { from: 'b', to: 'a', label: 'pins', text: 'file pins mm.' }],
    };
    const root = await render(WaitGraph, { graph, title: 'refs', shape: 'row' });
    expect(root.querySelectorAll('.node.object')).toHaveLength(2);
    expect(text(root.querySelector('figcaption'))).toContain('mm → file → mm');
  });
});

describe('LockdepReport', () => {
  it('shows a circular warning in the kernel’s shape', async () => {
    const report = explore(pair(false)).lockdep;
    const root = await render(LockdepReport, { report });
    expect(root.querySelector('.lockdep')?.getAttribute('data-warnings')).toBe('1');
    expect(text(root.querySelector('pre'))).toContain('WARNING: possible circular locking dependency detected');
    expect(root.querySelectorAll('details li')).toHaveLength(report.edges.length);
  });

  it('says so when there is nothing to warn about', async () => {
    const quiet = await render(LockdepReport, { report: explore(pair(true)).lockdep });
    expect(text(quiet)).toContain('no warning');
    const empty = await render(LockdepReport, { report: { classes: [], edges: [], warnings: [] } });
    expect(text(empty)).toContain('no lock was taken');
  });
});

describe('ScenarioRun and VerdictTable', () => {
  it('fail the build when the text expects another verdict than the engine finds', async () => {
    await expect(render(ScenarioRun, { scenario: pair(true), expect: 'deadlock' })).rejects.toThrow(/the engine now says ok/);
    await expect(render(VerdictTable, { caption: 'c', rows: [{ label: 'x', scenario: pair(false), expect: 'ok' }] })).rejects.toThrow(/the engine now says deadlock/);
  });

  it('show the run: verdict, explanation, timeline, graph and lockdep', async () => {
    const s = pair(false);
    const root = await render(ScenarioRun, { scenario: s, expect: 'deadlock', id: 'r' });
    const report = explore(s);
    expect(root.querySelector('#r')?.getAttribute('data-verdict')).toBe('deadlock');
    expect(text(root.querySelector('.run-head'))).toContain(report.message);
    expect(root.querySelector('#r-timeline')).not.toBeNull();
    expect(root.querySelector('#r-graph svg')).not.toBeNull();
    expect(root.querySelector('#r-lockdep')).not.toBeNull();
  });

  it('an ok run has no timeline and no graph', async () => {
    const root = await render(ScenarioRun, { scenario: pair(true), id: 'q' });
    expect(root.querySelector('.timeline')).toBeNull();
    expect(root.querySelector('svg')).toBeNull();
  });
});

describe('case components, with five stand-in cases', () => {
  const summaries = fakeCases.map(summarize);

  it('the case list shows five cards in order, each variant with the verdict the engine computes', async () => {
    const root = await render(CaseList, { summaries, pending: [], pages: new Set(['cxl', 'hmm']) });
    const cards = root.querySelectorAll('[data-case]');
    expect(cards.map((c) => c.getAttribute('data-case'))).toEqual(['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci']);
    for (const card of cards) {
      const c = fakeCases.find((x) => x.id === card.getAttribute('data-case'))!;
      const items = card.querySelectorAll('li[data-variant]');
      expect(items.map((li) => li.getAttribute('data-variant'))).toEqual(c.variants.map((v) => v.id));
      for (const li of items) expect(li.getAttribute('data-verdict')).toBe(explore(c.build({ variant: li.getAttribute('data-variant')! })).verdict);
      expect(text(card)).toContain(c.upstream.subject);
    }
    // Only cases with a page link to it.
    expect(root.querySelectorAll('h3 a').map((a) => a.getAttribute('href'))).toEqual(['/cases/cxl/', '/cases/hmm/']);
    expect(root.querySelector('[data-pending]')).toBeNull();
  });

  it('with no cases, it names the pending ones', async () => {
    const root = await render(CaseList, { summaries: [], pending: ['cxl', 'hmm'], pages: new Set() });
    expect(root.querySelectorAll('[data-case]')).toHaveLength(0);
    expect(root.querySelector('[data-pending]')?.getAttribute('data-pending')).toBe('cxl hmm');
    expect(text(root.querySelector('.pending'))).toContain('none is in the engine yet: cxl, hmm. Each appears');
  });

  it('the case header lists every variant with its verdict, and the upstream sources as links', async () => {
    const hmm = summaries[1]!;
    const sources = {
      commits: [{ id: '0123456789ab', subject: 'hmm: fix a deadlock', author: 'A. Author', date: '2020-01-02', role: 'the fix' }],
      messages: [{ messageId: 'x@y', subject: '[PATCH] hmm: fix', author: 'A. Author', date: '2020-01-01', role: 'the patch mail' }],
    };
    const root = await render(CaseHeader, { summary: hmm, sources });
    const rows = root.querySelectorAll('tr[data-variant]');
    expect(rows.map((r) => [r.getAttribute('data-variant'), r.getAttribute('data-verdict')])).toEqual([
      ['buggy', 'deadlock'],
      ['fixed', 'ok'],
    ]);
    expect(root.querySelectorAll('.upstream li').map(text)).toEqual([
      'the fix: commit 0123456789ab “hmm: fix a deadlock”, A. Author, 2020-01-02.',
      'the patch mail: “[PATCH] hmm: fix”, A. Author, 2020-01-01.',
    ]);
    expect(root.querySelectorAll('.upstream a').map((a) => a.getAttribute('href'))).toEqual([
      'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=0123456789ab',
      'https://lore.kernel.org/r/x%40y',
    ]);
    // The engine's own notes on what it could not check are not shown as a source.
    expect(root.querySelector('details.unverified')).toBeNull();
    const uffd = await render(CaseHeader, { summary: summaries[2]!, sources });
    expect(uffd.querySelectorAll('tr[data-variant]')).toHaveLength(3);
  });
});
