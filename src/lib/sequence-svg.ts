/**
 * A sequence layout (src/lib/sequence.ts) drawn as an SVG tree (src/lib/svg-tree.ts): the one
 * renderer of the case-page figure (SequenceSvg.astro serialises it) and of the widget's swimlane
 * history (which turns it into DOM and marks the step shown). Colours come from the classes in
 * src/styles/sequence.css.
 */
import { clip, SEQ_FONT, type SeqCycle, type SequenceLayout } from './sequence.ts';
import { el, text, type SvgNode } from './svg-tree.ts';

export interface SeqSvgOptions {
  id: string;
  /** The drawing's accessible name; omit for a drawing hidden from assistive technology (its facts listed elsewhere). */
  title?: string;
  /** Id of the text alternative. */
  describedby?: string;
  class?: string;
  /** The step shown (1-based; 0 before the first): its row is marked, the rows after it dimmed. */
  current?: number;
}

const CHAR = SEQ_FONT * 0.61;
const stepsOf = (r: { steps: number[] }) => (r.steps.length === 1 ? `${r.steps[0]}` : `${r.steps[0]}–${r.steps[r.steps.length - 1]}`);

export function sequenceSvg(L: SequenceLayout, o: SeqSvgOptions): SvgNode {
  const n = L.labelChars;
  const id = o.id;
  const rowClass = (r: { steps: number[]; tone: string }) => {
    const c = ['row', r.tone];
    if (o.current !== undefined) {
      if (r.steps.includes(o.current)) c.push('is-current');
      else if (r.steps[0]! > o.current) c.push('is-ahead');
    }
    return c.join(' ');
  };
  const rows = L.rows.map((r) => {
    const x = L.lanes[r.lane]!.x;
    const my = r.y + (r.tone === 'gap' ? r.height / 2 : 11);
    const mark =
      r.tone === 'blocks'
        ? [el('rect', { class: 'mark', x: x - 5, y: my - 5, width: 10, height: 10 })]
        : r.tone === 'violation'
          ? [el('path', { class: 'mark', d: `M${x},${my - 7} L${x + 7},${my} L${x},${my + 7} L${x - 7},${my} z` })]
          : r.tone === 'gap'
            ? r.lanes.map((k) => el('circle', { class: 'mark', cx: L.lanes[k]!.x, cy: my, r: 2.5 }))
            : [el('circle', { class: 'mark', cx: x, cy: my, r: 4.5 })];
    return el(
      'g',
      { class: rowClass(r), 'data-steps': stepsOf(r), 'data-last': r.steps[r.steps.length - 1] },
      o.current !== undefined ? el('rect', { class: 'hit', x: 0, y: r.y, width: L.width, height: r.height }) : null,
      el('line', { class: 'tie', x1: x, y1: my, x2: L.labelX - 3, y2: my }),
      ...mark,
      el('text', { class: 'label', x: L.labelX, y: my + 4 }, text('tspan', { class: 'num' }, `${stepsOf(r)} `), text('tspan', { class: 'fn' }, clip(r.title, n - stepsOf(r).length - 1))),
      ...r.detailLines.map((line, k) => text('text', { class: 'detail', x: L.labelX, y: my + 17 + k * 13 }, line)),
      r.queue ? text('text', { class: 'queue', x: L.labelX, y: my + 31 + (r.detailLines.length - 1) * 13 }, clip(`queue: ${r.queue.waiters.join(' → ')}`, n)) : null,
    );
  });
  const C = L.cycle;
  const cycle = C ? cycleGroup(C, id, L.width) : null;
  const named = o.title !== undefined;
  return el(
    'svg',
    {
      class: ['seq-svg', o.class].filter(Boolean).join(' '),
      ...(named ? { role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': o.describedby } : { 'aria-hidden': 'true', focusable: 'false' }),
      viewBox: `0 0 ${L.width} ${L.height}`,
      'font-size': SEQ_FONT,
    },
    named ? text('title', { id: `${id}-title` }, o.title!) : null,
    arrowDefs(id),
    ...L.lanes.map((l) => el('g', { class: 'lane' }, text('text', { class: 'lane-name', x: l.x, y: l.nameY, 'text-anchor': 'middle' }, l.thread), el('line', { x1: l.x, y1: l.nameY + 6, x2: l.x, y2: (C?.y ?? L.height) - 4 }))),
    ...L.bars.map((b) => el('rect', { class: ['bar', b.open ? 'open' : '', b.fromStart ? 'idle' : ''].filter(Boolean).join(' '), x: L.lanes[b.lane]!.x - 3, y: b.y1, width: 6, height: Math.max(2, b.y2 - b.y1), rx: 2 })),
    ...rows,
    L.loop ? el('path', { class: 'loop', d: `M${L.loop.x + 4},${L.loop.y2} H${L.loop.x} V${L.loop.y1} H${L.loop.x + 4} M${L.loop.x - 2},${L.loop.y1 + 5} L${L.loop.x},${L.loop.y1} L${L.loop.x + 2},${L.loop.y1 + 5}` }) : null,
    L.tail ? text('text', { class: 'tail', x: L.labelX, y: L.tail.y }, L.tail.text) : null,
    cycle,
  );
}

const arrowDefs = (id: string) =>
  el('defs', {}, el('marker', { id: `${id}-arrow`, class: 'seq-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, el('path', { d: 'M0,0 L10,5 L0,10 z' })));

/** The cycle at the end: a column of boxes, each edge an arrow down, the closing one back up. */
function cycleGroup(C: SeqCycle, id: string, width: number): SvgNode {
  return el(
    'g',
    { class: 'cycle' },
    text('text', { class: 'cycle-title', x: C.nodes[0]!.x - 30, y: C.y + 8 }, C.title),
    ...C.edges.map((e) =>
      el('g', { class: 'edge' }, el('path', { d: e.d, 'marker-end': `url(#${id}-arrow)` }), text('text', { x: e.lx, y: e.ly }, clip(e.back ? `↺ ${e.label}` : e.label, Math.floor((width - e.lx - 4) / CHAR)))),
    ),
    ...C.nodes.map((nd) => el('g', { class: 'node' }, el('rect', { x: nd.x, y: nd.y, width: nd.w, height: nd.h, rx: 4 }), text('text', { x: nd.x + 8, y: nd.y + 15 }, clip(nd.label, Math.floor((nd.w - 14) / CHAR))))),
  );
}

/** A cycle on its own (the widget's reference chain at a leak), drawn as under the case figure. */
export function cycleSvg(C: SeqCycle, width: number, o: { id: string; title: string; describedby: string }): SvgNode {
  const height = Math.max(...C.nodes.map((n) => n.y + n.h)) + 10;
  return el(
    'svg',
    { class: 'seq-svg', role: 'img', 'aria-labelledby': `${o.id}-title`, 'aria-describedby': o.describedby, viewBox: `0 0 ${width} ${height}`, 'font-size': SEQ_FONT },
    text('title', { id: `${o.id}-title` }, o.title),
    arrowDefs(o.id),
    cycleGroup(C, o.id, width),
  );
}
