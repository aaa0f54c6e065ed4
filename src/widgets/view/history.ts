/**
 * The history: undo and reset, a slider to scrub through the steps taken, and the list of steps
 * (each a button that shows the state after it). Steps after the one shown stay listed until a
 * different step replaces them. The list is one stop for Tab (the step shown); the arrow keys, Home
 * and End move along it. When the steps are a starvation's lasso, the loop's steps are tagged: they
 * come back to the state they began in, and would repeat forever.
 */
import type { Loop, Step } from '@interleave/engine';
import { fill, h, opText } from './dom.ts';

export interface HistoryActions {
  undo(): void;
  reset(): void;
  seek(index: number): void;
}

export class HistoryView {
  readonly element: HTMLElement;
  readonly #undoButton: HTMLButtonElement;
  readonly #resetButton: HTMLButtonElement;
  readonly #slider: HTMLInputElement;
  readonly #position: HTMLElement;
  readonly #list: HTMLOListElement;

  constructor(actions: HistoryActions) {
    this.#undoButton = h('button', { class: 'iw-button', text: 'Undo', attrs: { type: 'button', 'aria-keyshortcuts': 'U' } });
    this.#resetButton = h('button', { class: 'iw-button', text: 'Reset', attrs: { type: 'button' } });
    this.#undoButton.addEventListener('click', () => actions.undo());
    this.#resetButton.addEventListener('click', () => actions.reset());
    this.#slider = h('input', { class: 'iw-slider', attrs: { type: 'range', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'Step shown' } });
    this.#slider.addEventListener('input', () => actions.seek(Number(this.#slider.value)));
    this.#position = h('span', { class: 'iw-position' });
    this.#list = h('ol', { class: 'iw-steps' });
    this.#list.addEventListener('click', (e) => {
      const b = (e.target as Element).closest<HTMLButtonElement>('button[data-index]');
      if (b) actions.seek(Number(b.dataset.index));
    });
    this.#list.addEventListener('keydown', (e) => {
      const b = (e.target as Element).closest<HTMLButtonElement>('button[data-index]');
      const last = this.#list.children.length;
      if (!b || last === 0) return;
      const at = Number(b.dataset.index);
      const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 1, End: last }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const index = Math.min(Math.max(to, 1), last);
      actions.seek(index);
      this.#list.querySelector<HTMLElement>(`button[data-index="${index}"]`)?.focus();
    });
    this.element = h(
      'section',
      { class: 'iw-history', attrs: { 'aria-label': 'History' } },
      h('div', { class: 'iw-history-bar' }, this.#undoButton, this.#resetButton, h('label', { class: 'iw-scrub' }, h('span', { text: 'History' }), this.#slider), this.#position),
      this.#list,
    );
  }

  /** `loop`: the steps `loop.start + 1` to `loop.start + loop.length` are a lasso's loop. */
  update(steps: readonly (Step | null)[], cursor: number, loop: Loop | null = null): void {
    const n = steps.length - 1;
    this.#slider.max = String(n);
    this.#slider.value = String(cursor);
    const shown = steps[cursor];
    const text = cursor === 0 ? `start (${n} step${n === 1 ? '' : 's'} taken)` : `after step ${cursor} of ${n}`;
    this.#slider.setAttribute('aria-valuetext', shown ? `${text}: ${shown.thread} ${opText(shown)}` : text);
    this.#position.textContent = cursor === 0 ? `Start; ${n} step${n === 1 ? '' : 's'} taken` : `After step ${cursor} of ${n}`;
    // aria-disabled, not disabled: a button that has the focus keeps it (pressing it then says why nothing happens).
    this.#undoButton.setAttribute('aria-disabled', String(cursor === 0));
    this.#resetButton.setAttribute('aria-disabled', String(n === 0));
    const tabStop = Math.max(cursor, 1);
    const focused = (document.activeElement as HTMLElement | null)?.closest?.('.iw-steps button[data-index]') as HTMLElement | null;
    const refocus = focused ? focused.dataset.index : undefined;
    fill(
      this.#list,
      ...steps.slice(1).map((s, i) => {
        const index = i + 1;
        const looping = loop !== null && index > loop.start && index <= loop.start + loop.length;
        const b = h(
          'button',
          { class: 'iw-step-entry', attrs: { type: 'button', 'data-index': String(index), tabindex: index === tabStop ? '0' : '-1', ...(index === cursor ? { 'aria-current': 'step' } : {}) } },
          h('span', { class: 'iw-step-thread', text: s!.thread }),
          ' ',
          h('code', { text: opText(s!) }),
          s!.blocked ? h('span', { class: 'iw-tag is-bad', text: 'blocks' }) : null,
          s!.violation ? h('span', { class: 'iw-tag is-warn', text: 'violation' }) : null,
          looping ? h('span', { class: 'iw-tag is-loop', text: index === loop.start + 1 ? `loop (repeats forever; ${loop.thread} waits)` : 'loop' }) : null,
        );
        return h('li', { class: [index > cursor ? 'is-ahead' : '', looping ? 'is-loop' : ''].filter(Boolean).join(' ') }, b);
      }),
    );
    if (refocus !== undefined) this.#list.querySelector<HTMLElement>(`button[data-index="${refocus}"]`)?.focus();
  }
}
