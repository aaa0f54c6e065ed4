/**
 * What the pages say the engine found is what the engine finds today. Each test explores the
 * scenario again and compares with the HTML, so a model change that flips a verdict (or changes
 * the engine's explanation) shows up here until the site is rebuilt and its text updated.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { explore, isScenario, type Report, type Scenario } from '@interleave/engine';
import { caseIds, cases } from '@interleave/engine/cases';
import { casePagePaths, pagePaths, requireDist } from './support/dist.ts';
import { page, text } from './support/html.ts';
import { caseScenario, demoScenarios } from './support/demos.ts';
import { releaseGrants } from '../src/demos/release-grants.ts';
import { luckyAbba } from '../src/demos/abba.ts';
import * as faultLock from '../engine/examples/fault-lock.ts';

let demos: Map<string, Scenario>;
const reports = new Map<Scenario, Report>();
const reportOf = (s: Scenario, options?: Parameters<typeof explore>[1]) => {
  if (options) return explore(s, options);
  if (!reports.has(s)) reports.set(s, explore(s));
  return reports.get(s)!;
};

beforeAll(async () => {
  requireDist();
  demos = await demoScenarios();
  // The engine guide runs the engine's own example file (engine/examples/fault-lock.ts).
  for (const s of Object.values(faultLock)) if (isScenario(s)) demos.set(s.name, s);
});

describe('the home page', () => {
  it('has one card per case the engine has, with each variant’s verdict as explored now', () => {
    const home = page('/');
    const cards = home.querySelectorAll('[data-case]');
    expect(cards.map((c) => c.getAttribute('data-case'))).toEqual(caseIds.filter((id) => cases[id]));
    for (const card of cards) {
      const c = cases[card.getAttribute('data-case') as keyof typeof cases]!;
      const shown = card.querySelectorAll('li[data-variant]');
      expect(shown.map((li) => li.getAttribute('data-variant'))).toEqual(c.variants.map((v) => v.id));
      for (const li of shown) {
        const verdict = explore(c.build({ variant: li.getAttribute('data-variant')! })).verdict;
        expect(li.getAttribute('data-verdict'), `${c.id} ${li.getAttribute('data-variant')}`).toBe(verdict);
        expect(text(li.querySelector('.verdict'))).toContain(verdict);
      }
    }
  });

  it('lists the cases the engine does not have yet, and only those', () => {
    const pending = caseIds.filter((id) => !cases[id]);
    const note = page('/').querySelector('[data-pending]');
    if (pending.length === 0) expect(note).toBeNull();
    else expect(note?.getAttribute('data-pending')).toBe(pending.join(' '));
  });
});

describe('case pages', () => {
  it('show each variant’s verdict as explored now', () => {
    for (const path of casePagePaths()) {
      const id = path.split('/')[2]!;
      const c = cases[id as keyof typeof cases];
      expect(c, `${path} has no case in the engine`).toBeDefined();
      const rows = page(path).querySelectorAll('.case-header tr[data-variant]');
      expect(rows.map((r) => r.getAttribute('data-variant'))).toEqual(c!.variants.map((v) => v.id));
      for (const row of rows) {
        expect(row.getAttribute('data-verdict')).toBe(explore(c!.build({ variant: row.getAttribute('data-variant')! })).verdict);
      }
    }
  });
});

describe('engine runs on the pages', () => {
  const runs = () =>
    pagePaths().flatMap((path) =>
      page(path)
        .querySelectorAll('[data-scenario][data-verdict]')
        .map((el) => ({ path, el, name: el.getAttribute('data-scenario')! })),
    );

  it('the primers show engine runs', () => {
    const primerRuns = runs().filter((r) => r.path.startsWith('/primers/'));
    expect(primerRuns.length).toBeGreaterThanOrEqual(15);
    for (const p of ['/primers/rwsem-fairness/', '/primers/lock-ordering-and-lockdep/', '/primers/how-the-simulator-works/', '/primers/mm-users-and-mm-count/', '/primers/mmu-notifier-contract/']) {
      expect(primerRuns.some((r) => r.path === p), p).toBe(true);
    }
  });

  it('every verdict shown is the one the engine computes now, with its explanation', () => {
    for (const { path, el, name } of runs()) {
      const s = demos.get(name) ?? (path.startsWith('/cases/') ? caseScenario(path.split('/')[2]!, name) : undefined);
      expect(s, `${path}: no demo or case scenario is named '${name}'`).toBeDefined();
      // The one run with a custom bound says so on the page.
      const bounded = el.getAttribute('id') === 'spin-run';
      // A table row explored with options (the liveness check, a bound) gives them in data-options.
      const options = el.getAttribute('data-options');
      const report = reportOf(s!, bounded ? { maxSteps: 40 } : options ? JSON.parse(options) : undefined);
      expect(el.getAttribute('data-verdict'), `${path}: ${name}`).toBe(report.verdict);
      // The engine's sentence, or a link back to where the page states it.
      const back = el.querySelector('a[data-engine-sentence-ref]');
      const said = back ? page(path).getElementById(back.getAttribute('href')!.slice(1)) : el;
      expect(text(said), `${path}: ${name}`).toContain(report.message);
      if (report.counterexample) expect(text(el)).toContain(report.counterexample.schedule);
    }
  });

  it('the recursive read deadlocks under fifo and phase-fair, and not under reader-preferring', () => {
    // The rwsem primer's argument, checked against the engine (the page's build also checks it).
    const row = (policy: string) => page('/primers/rwsem-fairness/').querySelector(`tr[data-scenario="recursive read (${policy})"]`);
    for (const policy of ['fifo', 'phase-fair', 'reader-preferring']) {
      expect(row(policy)?.getAttribute('data-verdict')).toBe(reportOf(demos.get(`recursive read (${policy})`)!).verdict);
    }
  });

  it('with the liveness check, the writer starves under reader-preferring only, and the figure draws the lasso', () => {
    const primer = page('/primers/rwsem-fairness/');
    const row = (policy: string) => primer.querySelector(`tr[data-options][data-scenario="two readers take turns (${policy})"]`);
    const reports = Object.fromEntries(['fifo', 'phase-fair', 'reader-preferring'].map((p) => [p, reportOf(demos.get(`two readers take turns (${p})`)!, { liveness: true })]));
    expect(Object.values(reports).map((r) => r.verdict)).toEqual(['ok', 'ok', 'starvation']);
    for (const [policy, r] of Object.entries(reports)) expect(row(policy)?.getAttribute('data-verdict')).toBe(r.verdict);
    const loop = reports['reader-preferring']!.counterexample!.loop!;
    const figure = primer.querySelector('#starvation-sequence')!;
    expect(Number(figure.getAttribute('data-steps'))).toBe(loop.start + loop.length);
    expect(figure.querySelectorAll('svg path.loop')).toHaveLength(2); // the narrow and the wide drawing
    expect(text(figure.querySelector('ol'))).toContain(`Steps ${loop.start + 1}–${loop.start + loop.length} end in the state where they began`);
  });

  it('the timeline of a run is its shortest counterexample, step by step', () => {
    const run = page('/primers/rwsem-fairness/').querySelector('#fifo-run')!;
    const report = reportOf(demos.get('recursive read (fifo)')!);
    const rows = run.querySelectorAll('.timeline tbody tr[data-thread]');
    expect(rows.map((r) => r.getAttribute('data-thread'))).toEqual(report.counterexample!.steps.map((s) => s.thread));
    rows.forEach((r, i) => {
      const step = report.counterexample!.steps[i]!;
      expect(text(r.querySelector('td.acting .op code'))).toBe(`${step.op}(${step.target})`);
      expect(r.querySelector('td.acting .tag.blocked') !== null).toBe(step.blocked);
    });
    expect(run.querySelectorAll('.timeline thead th').map(text)).toEqual(['Step', 'T1', 'T2']);
  });

  it('the wait-for graph shows the cycle of the deadlock', () => {
    const graph = page('/primers/rwsem-fairness/').querySelector('#fifo-run figure.graph')!;
    expect(graph.querySelectorAll('svg .node')).toHaveLength(2);
    expect(graph.querySelectorAll('svg .edge.cycle')).toHaveLength(2);
    expect(text(graph.querySelector('figcaption'))).toContain('T1 → T2 → T1');
    expect(graph.querySelectorAll('ul.graph-edges li')).toHaveLength(2);
  });

  it('the release table shows whom each policy lets in', () => {
    const rows = page('/primers/rwsem-fairness/').querySelectorAll('table.grants tr[data-policy]');
    const expected = releaseGrants();
    expect(rows.map((r) => r.getAttribute('data-policy'))).toEqual(expected.map((g) => g.policy));
    rows.forEach((r, i) => {
      expect(r.getAttribute('data-holders')).toBe(expected[i]!.holders.join(' '));
      expect(r.getAttribute('data-queued')).toBe(expected[i]!.queued.join(' '));
    });
    // The difference the primer points at: fifo stops at the first writer, phase-fair does not.
    expect(expected.find((g) => g.policy === 'fifo')!.holders).not.toEqual(expected.find((g) => g.policy === 'phase-fair')!.holders);
  });

  it('lockdep reports what the engine reports', () => {
    const lucky = luckyAbba();
    const shown = page('/primers/lock-ordering-and-lockdep/').querySelector('#lucky-lockdep')!;
    expect(lucky.outcome?.verdict).toBe('ok');
    expect(Number(shown.getAttribute('data-warnings'))).toBe(lucky.lockdep.warnings.length);
    for (const w of lucky.lockdep.warnings) expect(text(shown)).toContain(w.text.replace(/\s+/g, ' ').trim());
    const recursive = reportOf(demos.get('recursive read (reader-preferring)')!).lockdep;
    expect(recursive.warnings.map((w) => w.kind)).toEqual(['recursive']);
    expect(text(page('/primers/lock-ordering-and-lockdep/').querySelector('#recursive-lockdep'))).toContain(recursive.warnings[0]!.title);
  });
});
