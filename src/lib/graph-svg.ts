/**
 * A placed graph (src/lib/graph-layout.ts) drawn as an SVG tree (src/lib/svg-tree.ts): nodes as
 * boxes, edges as labelled arrows, the edges of the cycle in the failure colour. The one renderer
 * of WaitGraph.astro and the widget's live wait-for graph; colours in src/styles/graph.css.
 */
import { FONT_SIZE, LABEL_SIZE, type Layout } from './graph-layout.ts';
import { el, text, type SvgNode } from './svg-tree.ts';

export interface GraphSvgOptions {
  id: string;
  title: string;
  /** Id of the text alternative (the edges in words). */
  describedby: string;
  /** The nodes of the cycle, in order (from `cycleOf`). */
  cycle: readonly string[];
}

export function onCycle(cycle: readonly string[], from: string, to: string): boolean {
  const i = cycle.indexOf(from);
  return i >= 0 && cycle[(i + 1) % cycle.length] === to;
}

export function graphSvg(layout: Layout, o: GraphSvgOptions): SvgNode {
  const arrow = (suffix: string, cls: string) =>
    el('marker', { id: `${o.id}-arrow${suffix}`, class: cls, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, el('path', { d: 'M0,0 L10,5 L0,10 z' }));
  return el(
    'svg',
    { class: 'graph-svg', role: 'img', 'aria-labelledby': `${o.id}-title`, 'aria-describedby': o.describedby, viewBox: `0 0 ${layout.width} ${layout.height}`, width: layout.width, height: layout.height },
    text('title', { id: `${o.id}-title` }, o.title),
    el('defs', {}, arrow('', 'arrow'), arrow('-cycle', 'arrow cycle')),
    ...layout.edges.map((e) => {
      const c = onCycle(o.cycle, e.from, e.to);
      return el(
        'g',
        { class: c ? 'edge cycle' : 'edge' },
        el('path', { d: e.d, 'marker-end': `url(#${o.id}-arrow${c ? '-cycle' : ''})` }),
        text('text', { x: e.lx, y: e.ly, 'text-anchor': 'middle', 'font-size': LABEL_SIZE }, e.label),
      );
    }),
    ...layout.nodes.map((n) =>
      el(
        'g',
        { class: `node ${n.kind}` },
        el('rect', { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: n.kind === 'thread' ? 4 : 12 }),
        text('text', { x: n.x, y: n.y, 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': FONT_SIZE }, n.label),
      ),
    ),
  );
}
