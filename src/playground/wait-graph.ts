/**
 * The wait-for graph of the state shown, drawn as inline SVG with the same graph and layout code as
 * the static pages' WaitGraph (src/lib/waitfor.ts, src/lib/graph-layout.ts), the cycle in the
 * failure colour, and the edges as a list for screen readers.
 */
import type { WorldSnapshot } from '@interleave/engine';
import { cycleOf, waitForGraph } from '../lib/waitfor.ts';
import { FONT_SIZE, LABEL_SIZE, layoutGraph } from '../lib/graph-layout.ts';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function waitGraph(state: WorldSnapshot): HTMLElement {
  const graph = waitForGraph(state);
  const figure = document.createElement('figure');
  figure.className = 'pg-graph';
  const caption = document.createElement('figcaption');
  if (graph.edges.length === 0) {
    caption.textContent = 'Wait-for graph: nobody waits for anybody here.';
    figure.append(caption);
    return figure;
  }
  const layout = layoutGraph(graph);
  const cycle = cycleOf(graph);
  const onCycle = (from: string, to: string) => {
    const i = cycle.indexOf(from);
    return i >= 0 && cycle[(i + 1) % cycle.length] === to;
  };
  const root = svg('svg', { viewBox: `0 0 ${layout.width} ${layout.height}`, width: layout.width, height: layout.height, role: 'img', 'aria-label': 'Wait-for graph' });
  const defs = svg('defs', {});
  for (const [id, cls] of [['pg-arrow', 'pg-arrow'], ['pg-arrow-cycle', 'pg-arrow pg-cycle']] as const) {
    const m = svg('marker', { id, class: cls, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    m.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(m);
  }
  root.append(defs);
  for (const e of layout.edges) {
    const c = onCycle(e.from, e.to);
    const g = svg('g', { class: c ? 'pg-edge pg-cycle' : 'pg-edge' });
    g.append(svg('path', { d: e.d, 'marker-end': `url(#pg-arrow${c ? '-cycle' : ''})` }), svg('text', { x: e.lx, y: e.ly, 'text-anchor': 'middle', 'font-size': LABEL_SIZE }, e.label));
    root.append(g);
  }
  for (const n of layout.nodes) {
    const g = svg('g', { class: `pg-node ${n.kind}` });
    g.append(
      svg('rect', { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: n.kind === 'thread' ? 4 : 12 }),
      svg('text', { x: n.x, y: n.y, 'text-anchor': 'middle', 'dominant-baseline': 'central', 'font-size': FONT_SIZE }, n.label),
    );
    root.append(g);
  }
  caption.textContent = `Wait-for graph${cycle.length ? ` (a cycle: ${[...cycle, cycle[0]!].join(' → ')})` : ''}`;
  const list = document.createElement('ul');
  list.className = 'pg-graph-edges';
  for (const e of graph.edges) {
    const li = document.createElement('li');
    li.textContent = e.text;
    list.append(li);
  }
  figure.append(root, caption, list);
  return figure;
}
