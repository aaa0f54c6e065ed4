/**
 * "Find a failure": the button, a progress bar with the executions tried and the time spent while
 * the worker searches, a cancel button, and the outcome in words.
 */
import { append, fill, h, plural } from './dom.ts';

export interface SearchActions {
  find(): void;
  cancel(): void;
}

export class SearchView {
  readonly element: HTMLElement;
  readonly #findButton: HTMLButtonElement;
  readonly #cancelButton: HTMLButtonElement;
  readonly #bar: HTMLProgressElement;
  readonly #counts: HTMLElement;
  readonly #progress: HTMLElement;
  readonly #result: HTMLElement;

  constructor(actions: SearchActions) {
    this.#findButton = h('button', { class: 'iw-button iw-primary', text: 'Find a failure', attrs: { type: 'button' } });
    this.#cancelButton = h('button', { class: 'iw-button', text: 'Cancel', attrs: { type: 'button' } });
    this.#findButton.addEventListener('click', () => actions.find());
    this.#cancelButton.addEventListener('click', () => actions.cancel());
    this.#bar = h('progress', { attrs: { max: '1', value: '0', 'aria-label': 'Search progress' } });
    this.#counts = h('span', { class: 'iw-search-counts' });
    this.#progress = h('div', { class: 'iw-search-progress' }, this.#bar, this.#counts, this.#cancelButton);
    this.#progress.hidden = true;
    this.#result = h('div', { class: 'iw-search-result' });
    this.element = h(
      'section',
      { class: 'iw-search', attrs: { 'aria-label': 'Find a failure' } },
      h('div', { class: 'iw-search-head' }, this.#findButton, h('p', { class: 'iw-hint', text: 'The explorer tries every order of the steps (up to reordering of independent ones) in the background, then replays the shortest failure here.' })),
      this.#progress,
      this.#result,
    );
  }

  running(): void {
    this.#findButton.setAttribute('aria-disabled', 'true');
    this.#progress.hidden = false;
    this.#bar.value = 0;
    this.#counts.textContent = 'Starting…';
    fill(this.#result);
  }

  update(executions: number, ms: number, fraction: number): void {
    this.#bar.value = Math.min(1, Math.max(0, fraction));
    this.#counts.textContent = `${plural(executions, 'execution')}, ${(ms / 1000).toFixed(1)} s`;
  }

  finished(...children: (Node | string)[]): void {
    this.#findButton.setAttribute('aria-disabled', 'false');
    const hadFocus = this.#progress.contains(document.activeElement);
    this.#progress.hidden = true;
    fill(this.#result);
    append(this.#result, ...children);
    if (hadFocus) this.#findButton.focus();
  }

  /** Text added under the outcome (the replay's progress and end). */
  note(text: string): void {
    let p = this.#result.querySelector<HTMLElement>('.iw-replay-note');
    if (!p) {
      p = h('p', { class: 'iw-replay-note' });
      this.#result.append(p);
    }
    p.textContent = text;
  }

  get busy(): boolean {
    return !this.#progress.hidden;
  }
}
