/**
 * Who waits for whom, live: the wait-for graph of the state shown (src/lib/waitfor.ts), placed by
 * the static pages' layout (src/lib/graph-layout.ts) and drawn by their renderer
 * (src/lib/graph-svg.ts), the cycle in the failure colour. At a leak, the chain of references the
 * engine's leak check found instead (what keeps the object alive), drawn as under the case figure.
 * The edges in words follow the drawing (folded), for screen readers and for anyone who prefers
 * reading.
 */
import type { LeakDetail, Outcome, WorldSnapshot } from '@interleave/engine';
import { layoutGraph } from '../../lib/graph-layout.ts';
import { graphSvg } from '../../lib/graph-svg.ts';
import { cycleLayout } from '../../lib/sequence.ts';
import { cycleSvg } from '../../lib/sequence-svg.ts';
import { cycleOf, leakGraph, waitForGraph, type Graph } from '../../lib/waitfor.ts';
import { h } from './dom.ts';
import { svgDom } from './svg.ts';

/** The width the chain of references is laid out for (the case figure's narrow drawing). */
const CHAIN_WIDTH = 340;

let next = 0;

export class WaitForView {
  readonly element: HTMLElement;
  readonly #body: HTMLElement;
  readonly #id = `iw-waits-${next++}`;

  constructor() {
    this.#body = h('div', { class: 'iw-waits-body' });
    this.element = h('section', { class: 'iw-waits', attrs: { 'aria-label': 'Who waits for whom' } }, h('p', { class: 'iw-panel-title', text: 'Who waits for whom' }), this.#body);
  }

  update(state: WorldSnapshot, outcome: Outcome | null): void {
    const detail = outcome?.verdict === 'leak' ? (outcome.detail as LeakDetail | undefined) : undefined;
    const leak = detail?.chain?.length ? leakGraph(detail) : null;
    const graph: Graph = leak ?? waitForGraph(state);
    const title = leak ? `What keeps ${detail!.object} alive` : 'Who waits for whom now';
    const cycle = cycleOf(graph);
    this.element.dataset.cycle = String(cycle.length > 0);
    this.element.dataset.kind = leak ? 'leak' : 'waits';
    // A thread can wait for a condition no thread is named for (an event, a count): said in words.
    const alone = leak ? [] : state.threads.filter((t) => t.waiting && t.waiting.blockers.length === 0);
    const aloneText = alone.map((t) => `${t.name} waits in ${t.waiting!.op} on ${t.waiting!.object}${t.waiting!.text ? ` ${t.waiting!.text}` : ''}, for no thread in particular.`).join(' ');
    if (graph.edges.length === 0) {
      this.#body.replaceChildren(h('p', { class: 'iw-waits-empty', text: aloneText || 'Nobody waits for anybody now.' }));
      return;
    }
    const labelOf = (id: string) => graph.nodes.find((n) => n.id === id)?.label ?? id;
    const o = { id: this.#id, title, describedby: `${this.#id}-edges` };
    // A chain of references is drawn as under the case figure: a column, the closing edge back up.
    const svg = svgDom(leak ? cycleSvg(cycleLayout(leak, 6, CHAIN_WIDTH, title), CHAIN_WIDTH, o) : graphSvg(layoutGraph(graph), { ...o, cycle }));
    // The edges in words stay open from one step to the next once the reader opened them.
    const old = this.#body.querySelector('details');
    const open = old?.open ?? false;
    const focused = !!old && old.contains(document.activeElement);
    const words = h('details', { class: 'iw-waits-words' }, h('summary', { text: 'In words' }), h('ul', { class: 'iw-waits-edges', attrs: { id: `${this.#id}-edges` } }, ...graph.edges.map((e) => h('li', { text: e.text }))));
    words.open = open;
    this.#body.replaceChildren(
      svg,
      h('p', { class: 'iw-waits-cycle' }, cycle.length ? h('strong', { text: `A cycle: ${[...cycle, cycle[0]!].map(labelOf).join(' → ')}.` }) : ''),
      aloneText ? h('p', { class: 'iw-waits-empty', text: aloneText }) : '',
      words,
    );
    if (focused) words.querySelector('summary')!.focus();
  }
}
