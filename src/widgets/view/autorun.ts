/**
 * "Run to the end" in an order the reader chooses: at each step the first thread of the order that
 * can run takes it. The orders offered are every order of the threads (up to four), or each thread
 * first with the others in their order (five or more).
 */
import { fill, h } from './dom.ts';

let counter = 0;

function orders(threads: readonly string[]): string[][] {
  if (threads.length > 4) return threads.map((t) => [t, ...threads.filter((x) => x !== t)]);
  if (threads.length <= 1) return [[...threads]];
  return threads.flatMap((t) => orders(threads.filter((x) => x !== t)).map((rest) => [t, ...rest]));
}

export class AutorunView {
  readonly element: HTMLElement;
  readonly #select: HTMLSelectElement;

  constructor(run: (order: string[]) => void) {
    const id = `iwr${++counter}`;
    this.#select = h('select', { class: 'iw-order', attrs: { id } });
    const button = h('button', { class: 'iw-button', text: 'Run to the end', attrs: { type: 'button' } });
    button.addEventListener('click', () => run(this.order()));
    this.element = h('div', { class: 'iw-autorun' }, h('label', { text: 'Thread order', attrs: { for: id } }), this.#select, button);
  }

  build(threads: readonly string[]): void {
    const kept = this.#select.value;
    fill(this.#select, ...orders(threads).map((o) => h('option', { text: o.join(' → '), attrs: { value: o.join(' ') } })));
    if ([...this.#select.options].some((o) => o.value === kept)) this.#select.value = kept;
  }

  order(): string[] {
    return this.#select.value.split(' ').filter(Boolean);
  }
}
