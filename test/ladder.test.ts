/**
 * The framework-free parts of the widget's drawings and ladder: the SVG tree and its markup
 * (src/lib/svg-tree.ts), the sequence drawing shared by the case figure and the swimlane history
 * (src/lib/sequence-svg.ts), the graph drawing (src/lib/graph-svg.ts), and the ladder of
 * challenges computed with the engine (src/lib/ladder.ts).
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, type LeakDetail } from '@interleave/engine';
import { getCase } from '@interleave/engine/cases';
import { recursiveReads } from '../src/demos/recursive-read.ts';
import { recursiveReadCase } from '../src/demos/recursive-read-case.ts';
import { sequenceLayout } from '../src/lib/sequence.ts';
import { sequenceSvg } from '../src/lib/sequence-svg.ts';
import { graphSvg, onCycle } from '../src/lib/graph-svg.ts';
import { layoutGraph } from '../src/lib/graph-layout.ts';
import { cycleOf, leakGraph, waitForGraph } from '../src/lib/waitfor.ts';
import { el, svgMarkup, text, type SvgNode } from '../src/lib/svg-tree.ts';
import { ladderOf } from '../src/lib/ladder.ts';
import { resolveParams } from '@interleave/engine/cases';
import type { WidgetCase } from '../src/widgets/case-shape.ts';

function find(n: SvgNode, pred: (n: SvgNode) => boolean, out: SvgNode[] = []): SvgNode[] {
  if (pred(n)) out.push(n);
  for (const c of n.children ?? []) if (c) find(c, pred, out);
  return out;
}
const cls = (n: SvgNode) => String(n.attrs?.class ?? '').split(' ');

describe('svgMarkup', () => {
  it('escapes every text and attribute, and leaves out undefined attributes', () => {
    const m = svgMarkup(el('svg', { 'aria-label': 'a "b" <c>', skip: undefined }, text('text', { x: 1 }, '<img src=x onerror=alert(1)> & more')));
    expect(m).toBe('<svg aria-label="a &quot;b&quot; &lt;c&gt;"><text x="1">&lt;img src=x onerror=alert(1)&gt; &amp; more</text></svg>');
  });
});

describe('sequenceSvg', () => {
  const r = explore(recursiveReads.fifo);
  const t = replay(recursiveReads.fifo, r.counterexample!.schedule);
  const L = sequenceLayout(t);

  it('draws a row per layout row, named for the figure and described by its text alternative', () => {
    const svg = sequenceSvg(L, { id: 'f', title: 'The figure', describedby: 'f-text' });
    expect(svg.attrs).toMatchObject({ role: 'img', 'aria-labelledby': 'f-title', 'aria-describedby': 'f-text', viewBox: `0 0 ${L.width} ${L.height}` });
    expect(find(svg, (n) => cls(n).includes('row')).map((n) => n.attrs!['data-steps'])).toEqual(['1', '2', '3']);
    expect(find(svg, (n) => n.tag === 'title')[0]!.text).toBe('The figure');
    // On a page nothing is marked as shown.
    expect(find(svg, (n) => cls(n).includes('is-current') || cls(n).includes('is-ahead'))).toEqual([]);
  });

  it('marks the step shown and dims the steps after it; without a title the drawing is hidden from assistive technology', () => {
    const svg = sequenceSvg(L, { id: 's', current: 2 });
    expect(svg.attrs!['aria-hidden']).toBe('true');
    expect(svg.attrs!.role).toBeUndefined();
    const rows = find(svg, (n) => cls(n).includes('row'));
    expect(rows.map((n) => cls(n).filter((c) => c.startsWith('is-')))).toEqual([[], ['is-current'], ['is-ahead']]);
    expect(rows.map((n) => n.attrs!['data-last'])).toEqual([1, 2, 3]);
  });
});

describe('graphSvg', () => {
  it('draws the edges of the cycle in the failure colour, and only those', () => {
    const r = explore(recursiveReads.fifo);
    const t = replay(recursiveReads.fifo, r.counterexample!.schedule);
    const g = waitForGraph(t.states[t.states.length - 1]!);
    const cycle = cycleOf(g);
    expect(cycle.length).toBe(2);
    const svg = graphSvg(layoutGraph(g), { id: 'g', title: 'Who waits', describedby: 'g-edges', cycle });
    const edges = find(svg, (n) => cls(n).includes('edge'));
    expect(edges).toHaveLength(2);
    expect(edges.every((e) => cls(e).includes('cycle'))).toBe(true);
    expect(onCycle(['A', 'B', 'C'], 'C', 'A')).toBe(true);
    expect(onCycle(['A', 'B', 'C'], 'A', 'C')).toBe(false);
  });

  it('draws a leak as the chain of references the engine reports, which closes a cycle', () => {
    const svm = getCase('intel-svm');
    const s = svm.build({ variant: 'buggy' });
    const r = explore(s);
    const t = replay(s, r.counterexample!.schedule);
    // The trace's outcome carries the leak check's detail, as the widget's live run does.
    const detail = t.detail as LeakDetail;
    expect(detail.cycle).toBe(true);
    const g = leakGraph(detail);
    expect(g.edges).toHaveLength(detail.chain.length);
    expect(cycleOf(g).length).toBe(detail.chain.length);
  });
});

describe('ladderOf', () => {
  const paramsOf = (c: WidgetCase) => {
    const { variant: _v, ...p } = resolveParams(c as never, {});
    return p as Record<string, string | number>;
  };

  it('offers the mini-case’s rungs with the engine’s shortest failure as the par and its answer', () => {
    const c = recursiveReadCase as WidgetCase;
    const rungs = ladderOf(c, paramsOf(c));
    const buggy = c.variants.find((v) => v.expected !== 'ok')!.id;
    const r = explore(c.build({ ...paramsOf(c), variant: buggy }));
    const answer = r.counterexample!.steps.map((s) => s.thread);
    expect(rungs[0]).toMatchObject({ id: 'fail', variant: buggy, verdict: r.verdict, answer });
    const par = rungs.find((x) => x.id === 'par');
    // The par rung is there only when some failure is longer than the shortest.
    if (r.stats.longest > answer.length || r.stats.failing < r.stats.executions - r.stats.redundant) expect(par?.par).toBe(answer.length);
  });

  it('says plainly that every order fails when the engine finds no order that ends well (intel-svm), and gives each fix part its rung', () => {
    const c = getCase('intel-svm') as WidgetCase;
    const rungs = ladderOf(c, paramsOf(c));
    const fail = rungs.find((r) => r.id === 'fail')!;
    const r = explore(c.build({ ...paramsOf(c), variant: 'buggy' }));
    expect(r.stats.failing).toBe(r.stats.executions - r.stats.redundant);
    expect(fail.goal).toMatch(/every order does/);
    expect(fail.goal).toContain(`${r.stats.executions - r.stats.redundant} distinct orders`);
    const hold = rungs.find((x) => x.id === 'hold')!;
    expect(hold).toMatchObject({ variant: 'fixed', verdict: 'ok', answer: [] });
    expect(hold.executions).toBeGreaterThan(0);
    const parts = rungs.filter((x) => x.id.startsWith('part-'));
    expect(parts.map((p) => p.variant)).toEqual(c.fixParts!.map((p) => p.variant));
    for (const p of parts) {
      const e = explore(c.build({ ...p.params, variant: p.variant }));
      expect(p.verdict).toBe(e.verdict);
      expect(p.answer).toEqual(e.counterexample!.steps.map((s) => s.thread));
    }
  });

  it('does not call a variant where some order ends well an every-order failure (vfio-pci)', () => {
    const c = getCase('vfio-pci') as WidgetCase;
    const fail = ladderOf(c, paramsOf(c)).find((r) => r.id === 'fail')!;
    expect(fail.goal).not.toMatch(/every order does/);
    expect(fail.goal).toMatch(/1 order of the \d+ the explorer tells apart ends well/);
  });
});
