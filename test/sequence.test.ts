/**
 * The sequence layout (src/lib/sequence.ts), the step lookups (src/lib/steps.ts) and the break
 * points of identifiers (src/lib/breaks.ts), on small scenarios; and the figure at the top of every
 * built case page.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, type Trace } from '@interleave/engine';
import { recursiveReads } from '../src/demos/recursive-read.ts';
import { readerTurnsByPolicy } from '../src/demos/reader-turns.ts';
import { sequenceLayout, clip } from '../src/lib/sequence.ts';
import { theStep, noStep } from '../src/lib/steps.ts';
import { breakPoints, breakable } from '../src/lib/breaks.ts';
import { pagePaths, requireDist } from './support/dist.ts';
import { page, text } from './support/html.ts';

/** T1 reads twice, T2 writes: the recursive read of the rwsem primer. */
const recursive = recursiveReads.fifo;

function deadlock(): Trace {
  const r = explore(recursive);
  expect(r.verdict).toBe('deadlock');
  return replay(recursive, r.counterexample!.schedule);
}

describe('sequenceLayout', () => {
  it('marks a starvation lasso: a bracket beside the loop\'s rows, and the loop said to repeat', () => {
    const s = readerTurnsByPolicy['reader-preferring'];
    const t = replay(s, explore(s, { liveness: true }).counterexample!.schedule);
    const { start, length } = t.loop!;
    const L = sequenceLayout(t, { cycle: null });
    const loopRows = L.rows.filter((r) => r.steps.some((n) => n > start));
    expect(L.loop!.y1).toBeGreaterThan(L.rows.find((r) => r.steps.includes(start))!.y);
    expect(L.loop!.y1).toBeLessThan(loopRows[0]!.y + loopRows[0]!.height);
    expect(L.loop!.y2).toBeGreaterThan(loopRows[loopRows.length - 1]!.y);
    expect(L.tail!.text).toBe(`↺ steps ${start + 1}–${start + length} again, forever`);
    expect(sequenceLayout(deadlock()).loop).toBeNull();
  });

  it('draws one lane per thread and one row per step that changes something', () => {
    const t = deadlock();
    const L = sequenceLayout(t);
    expect(L.lanes.map((l) => l.thread)).toEqual(['T1', 'T2']);
    expect(L.rows.map((r) => r.steps)).toEqual(t.steps.map((_, i) => [i + 1]));
    expect(L.rows.map((r) => r.title)).toEqual(['down_read(mmap_sem)', 'down_write(mmap_sem)', 'down_read(mmap_sem)']);
    expect(L.rows.map((r) => r.tone)).toEqual(['plain', 'blocks', 'blocks']);
    // Rows go down the page, each lane's mark on its thread's lane.
    for (let i = 1; i < L.rows.length; i++) expect(L.rows[i]!.y).toBeGreaterThan(L.rows[i - 1]!.y);
    expect(L.rows.map((r) => L.lanes[r.lane]!.thread)).toEqual(t.steps.map((s) => s.thread));
  });

  it('shows the queue where a reader joins it behind a writer, and bars for the waits that never end', () => {
    const L = sequenceLayout(deadlock());
    const last = L.rows[L.rows.length - 1]!;
    expect(last.queue).toEqual({ object: 'mmap_sem', holders: ['T1 (read)'], waiters: ['T2 (write)', 'T1 (read)'] });
    expect(L.bars.filter((b) => b.open).map((b) => L.lanes[b.lane]!.thread).sort()).toEqual(['T1', 'T2']);
    expect(L.tail?.text).toBe('… T1, T2 still waiting');
  });

  it('ends in the wait-for cycle, and says everything in sentences too', () => {
    const L = sequenceLayout(deadlock());
    expect(L.cycle?.nodes.map((n) => n.id).sort()).toEqual(['T1', 'T2']);
    expect(L.cycle?.edges.filter((e) => e.back)).toHaveLength(1);
    expect(L.sentences.some((s) => s.includes('queue, head first: T2 (write), T1 (read)'))).toBe(true);
    expect(L.sentences[L.sentences.length - 1]).toContain('T1 waits for T2');
    expect(sequenceLayout(deadlock(), { cycle: null }).cycle).toBeNull();
  });

  it('folds the steps a focus leaves out into one row, and fits labels to the width', () => {
    const t = deadlock();
    const L = sequenceLayout(t, { focus: (s) => s.thread === 'T2' });
    expect(L.rows.map((r) => r.tone)).toEqual(['gap', 'blocks', 'blocks']);
    const narrow = sequenceLayout(t, { width: 200 });
    const wide = sequenceLayout(t, { width: 600 });
    expect(wide.labelChars).toBeGreaterThan(narrow.labelChars);
    expect(clip('hmm_invalidate_range_start', 10)).toBe('hmm_inval…');
  });
});

describe('theStep', () => {
  const t = deadlock();
  it('finds the one step with the effect a sentence claims', () => {
    expect(theStep(t.steps, 'the down_read that blocks', { thread: 'T1', op: 'down_read', blocked: true })).toBe(3);
    expect(theStep(t.steps, 'the read that is granted', { op: 'down_read', note: /acquired/ })).toBe(1);
  });
  it('fails when no step or more than one step matches', () => {
    expect(() => theStep(t.steps, 'a down_read', { op: 'down_read' })).toThrow(/2 steps could be a down_read/);
    expect(() => theStep(t.steps, 'an up_read', { op: 'up_read' })).toThrow(/no step is an up_read/);
    expect(() => theStep(t.steps, 'the write, before step 2', { op: 'down_write', before: 2 })).toThrow(/no step/);
    expect(noStep(t.steps, 'a release', { op: 'up_write' })).toBe(true);
    expect(() => noStep(t.steps, 'a write', { op: 'down_write' })).toThrow(/step 2/);
  });
});

describe('identifier break points', () => {
  it('break after _, . and -> only', () => {
    expect(breakPoints('hmm_invalidate_range_start')).toEqual(['hmm_', 'invalidate_', 'range_', 'start']);
    expect(breakPoints('P.mm.mmap_sem')).toEqual(['P.', 'mm.', 'mmap_', 'sem']);
    expect(breakPoints('file->release')).toEqual(['file->', 'release']);
    expect(breakPoints('scenario(name)')).toEqual(['scenario(name)']);
    expect(breakPoints('v5.8')).toEqual(['v5.8']);
    expect(breakable('a_b<c>')).toBe('a_<wbr>b&lt;c&gt;');
  });
});

describe('the figure at the top of each case page', () => {
  const cases = () => {
    requireDist();
    return pagePaths().filter((p) => /^\/cases\/[^/]+\/$/.test(p));
  };
  it.each(cases())('%s opens with its story and a sequence diagram with a text alternative', (path) => {
    const root = page(path);
    const header = root.querySelector('header.article-header')!;
    expect(text(header.querySelector('.lede')).split(/[.!?](?:\s|$)/).filter(Boolean).length).toBeGreaterThanOrEqual(2);
    const fig = header.querySelector('.case-figure figure.seq')!;
    expect(fig).not.toBeNull();
    const svgs = fig.querySelectorAll('svg[role="img"]');
    expect(svgs).toHaveLength(2);
    const alt = fig.querySelector(`#${svgs[0]!.getAttribute('aria-describedby')}`)!;
    expect(alt.querySelectorAll('li').length).toBeGreaterThan(2);
    // Every step of the counterexample is on a row (one, or a folded run).
    const rows = svgs[0]!.querySelectorAll('g.row');
    const steps = Number(fig.getAttribute('data-steps'));
    const covered = rows.flatMap((r) => {
      const [a, b = a] = r.getAttribute('data-steps')!.split('–').map(Number);
      return Array.from({ length: b! - a! + 1 }, (_, k) => a! + k);
    });
    expect(covered).toEqual(Array.from({ length: steps }, (_, k) => k + 1));
    // It ends where the failure ends: a cycle, a violation, or a thread still waiting.
    expect(svgs[0]!.querySelector('g.cycle, g.row.violation, text.tail')).not.toBeNull();
  });
});
