/**
 * The wait-for graph of the state shown: the static pages' graph, layout and renderer
 * (src/lib/waitfor.ts, graph-layout.ts, graph-svg.ts, styled by src/styles/graph.css), the cycle in
 * the failure colour, and the edges as a list for screen readers.
 */
import type { WorldSnapshot } from '@interleave/engine';
import { layoutGraph } from '../lib/graph-layout.ts';
import { graphSvg } from '../lib/graph-svg.ts';
import { cycleOf, waitForGraph } from '../lib/waitfor.ts';
import { svgDom } from '../widgets/view/svg.ts';

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
  const cycle = cycleOf(graph);
  const root = svgDom(graphSvg(layoutGraph(graph), { id: 'pg-graph', title: 'Wait-for graph', describedby: 'pg-graph-edges', cycle }));
  caption.textContent = `Wait-for graph${cycle.length ? ` (a cycle: ${[...cycle, cycle[0]!].join(' → ')})` : ''}`;
  const list = document.createElement('ul');
  list.className = 'pg-graph-edges';
  list.id = 'pg-graph-edges';
  for (const e of graph.edges) {
    const li = document.createElement('li');
    li.textContent = e.text;
    list.append(li);
  }
  figure.append(root, caption, list);
  return figure;
}
