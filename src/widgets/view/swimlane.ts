/**
 * The history as the case page's sequence diagram (src/lib/sequence.ts, drawn by
 * src/lib/sequence-svg.ts): one lane per thread, blocked time as bars, the step shown marked and the
 * steps after it dimmed. A click on a row shows the state after it; with the focus on the drawing,
 * the arrow keys, Home and End move the step shown. The drawing is hidden from screen readers,
 * which have the history's list of steps (src/widgets/view/history.ts) instead.
 */
import type { Step, Trace, WorldSnapshot } from '@interleave/engine';
import { sequenceLayout } from '../../lib/sequence.ts';
import { sequenceSvg } from '../../lib/sequence-svg.ts';
import { h, opText } from './dom.ts';
import { svgDom } from './svg.ts';

export interface SwimlaneActions {
  seek(index: number): void;
}

/** The layout's width for a box this wide (at most the figure's wide drawing; narrower than 300, the box scrolls sideways). */
const widthFor = (box: number) => Math.max(300, Math.min(560, Math.floor(box) - 2));

let next = 0;

export class SwimlaneView {
  readonly element: HTMLElement;
  readonly #box: HTMLElement;
  readonly #id = `iw-lanes-${next++}`;
  #cursor = 0;
  #length = 0;

  constructor(actions: SwimlaneActions) {
    this.#box = h('div', { class: 'iw-lanes-box', attrs: { tabindex: '0', role: 'slider', 'aria-label': 'Swimlane of the steps taken', 'aria-valuemin': '0' } });
    this.#box.addEventListener('click', (e) => {
      const row = (e.target as Element).closest('g.row[data-last]');
      if (row) actions.seek(Number(row.getAttribute('data-last')));
    });
    this.#box.addEventListener('keydown', (e) => {
      const to = { ArrowDown: this.#cursor + 1, ArrowRight: this.#cursor + 1, ArrowUp: this.#cursor - 1, ArrowLeft: this.#cursor - 1, Home: 0, End: this.#length }[e.key];
      if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      actions.seek(Math.min(Math.max(to, 0), this.#length));
    });
    this.element = h('section', { class: 'iw-lanes', attrs: { 'aria-label': 'Swimlane history' } }, h('p', { class: 'iw-panel-title', text: 'The steps, one lane per thread' }), this.#box);
  }

  /** `states[i]` is the state after step i (states[0] the start); `cursor` the step shown. */
  update(steps: readonly (Step | null)[], states: readonly WorldSnapshot[], cursor: number): void {
    this.#cursor = cursor;
    this.#length = steps.length - 1;
    this.#box.setAttribute('aria-valuemax', String(this.#length));
    this.#box.setAttribute('aria-valuenow', String(cursor));
    const shown = steps[cursor];
    this.#box.setAttribute('aria-valuetext', shown ? `after step ${cursor} of ${this.#length}: ${shown.thread} ${opText(shown)}` : `start, ${this.#length} steps taken`);
    if (this.#length === 0) {
      this.#box.replaceChildren(h('p', { class: 'iw-lanes-empty', text: 'No step taken yet: each step you take is drawn here, one lane per thread.' }));
      return;
    }
    const trace = { steps: steps.slice(1) as Step[], states: [...states] } as Trace;
    const current = steps[cursor] ?? null;
    const layout = sequenceLayout(trace, { width: widthFor(this.#box.clientWidth || 560), keep: (s) => s === current, cycle: null });
    const svg = svgDom(sequenceSvg(layout, { id: this.#id, current: cursor }));
    svg.setAttribute('width', String(layout.width));
    svg.setAttribute('height', String(layout.height));
    // The lanes' names stay in view when the drawing scrolls: a sticky copy over the drawing's own.
    const head = h('div', { class: 'iw-lanes-head', attrs: { 'aria-hidden': 'true' } });
    const headHeight = Math.max(...layout.lanes.map((l) => l.nameY)) + 5;
    head.style.height = `${headHeight}px`;
    svg.style.marginTop = `-${headHeight}px`;
    head.style.width = `${layout.width}px`;
    for (const l of layout.lanes) {
      const name = h('span', { text: l.thread });
      name.style.left = `${l.x}px`;
      name.style.top = `${l.nameY - 11}px`;
      head.append(name);
    }
    this.#box.replaceChildren(head, svg);
    // Keep the row shown in view, inside the box (never scrolling the page).
    const row = svg.querySelector<SVGGElement>('g.is-current');
    const y = row ? Number(row.querySelector('rect.hit')?.getAttribute('y') ?? 0) : 0;
    if (y < this.#box.scrollTop || y > this.#box.scrollTop + this.#box.clientHeight - 40) this.#box.scrollTop = Math.max(0, y - this.#box.clientHeight / 2);
  }
}
