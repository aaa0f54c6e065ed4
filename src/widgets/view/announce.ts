/**
 * What a screen reader hears after each action: one polite live region per widget. The text is
 * cleared first, so the same sentence twice is announced twice.
 */
import { h } from './dom.ts';

export class Announcer {
  readonly element = h('p', { class: 'visually-hidden iw-announce', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });
  #timer = 0;

  say(text: string): void {
    this.element.textContent = '';
    clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => {
      this.element.textContent = text;
    }, 30);
  }

  /** The last sentence (for tests and the status line). */
  get text(): string {
    return this.element.textContent ?? '';
  }
}
