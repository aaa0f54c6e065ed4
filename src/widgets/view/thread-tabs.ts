/**
 * Below 700 px the thread columns are shown one at a time: a strip of tabs (WAI-ARIA tabs, automatic
 * activation: the arrow keys, Home and End move between them and show their thread), each saying
 * its thread's state. At 700 px and wider the strip is gone and every column is shown, without tab
 * roles.
 */
import type { ThreadState } from '@interleave/engine';
import { fill, h } from './dom.ts';

const NARROW = '(max-width: 699.98px)';
const STATE: Record<ThreadState['status'], { text: string; mark: string }> = {
  ready: { text: 'running', mark: '▶' },
  waiting: { text: 'blocked', mark: '■' },
  done: { text: 'done', mark: '✓' },
  crashed: { text: 'stopped', mark: '✕' },
};

interface Tab {
  name: string;
  tab: HTMLButtonElement;
  state: HTMLElement;
  panel: HTMLElement;
}

let counter = 0;

export class ThreadTabs {
  readonly element = h('div', { class: 'iw-tabs', attrs: { 'aria-label': 'Threads' } });
  #tabs: Tab[] = [];
  #selected = '';
  readonly #media: MediaQueryList = window.matchMedia(NARROW);
  readonly #uid = `iwt${++counter}`;

  constructor() {
    this.#media.addEventListener('change', () => this.#apply());
    this.element.addEventListener('keydown', (e) => this.#key(e));
  }

  build(threads: { name: string; panel: HTMLElement }[]): void {
    this.#tabs = threads.map(({ name, panel }, i) => {
      const id = `${this.#uid}-${i}`;
      const state = h('span', { class: 'iw-tab-state' });
      const tab = h('button', { class: 'iw-tab', attrs: { type: 'button', id: `${id}-tab`, 'data-thread': name, 'aria-controls': `${id}-panel` } }, h('span', { class: 'iw-tab-name', text: name }), state);
      tab.addEventListener('click', () => this.select(name, true));
      panel.id = `${id}-panel`;
      return { name, tab, state, panel };
    });
    if (!this.#tabs.some((t) => t.name === this.#selected)) this.#selected = this.#tabs[0]?.name ?? '';
    fill(this.element, ...this.#tabs.map((t) => t.tab));
    this.#apply();
  }

  update(thread: string, status: ThreadState['status']): void {
    const t = this.#tabs.find((x) => x.name === thread);
    if (!t) return;
    const s = STATE[status];
    t.tab.dataset.status = status;
    fill(t.state, h('span', { text: s.mark, attrs: { 'aria-hidden': 'true' } }), ` ${s.text}`);
  }

  /** Shows a thread's panel; `focus` moves the keyboard focus to its tab (or, when the focus was in a panel now hidden, to the new panel's step button). */
  select(thread: string, focus: boolean): void {
    if (!this.#tabs.some((t) => t.name === thread)) return;
    const active = document.activeElement;
    const lost = this.#narrow && this.#tabs.some((t) => t.name !== thread && t.panel.contains(active));
    this.#selected = thread;
    this.#apply();
    const t = this.#tabs.find((x) => x.name === thread)!;
    if (focus) t.tab.focus();
    else if (lost) t.panel.querySelector<HTMLElement>('.iw-step')?.focus();
  }

  get #narrow(): boolean {
    return this.#media.matches;
  }

  /** Tabs and tab panels on a narrow screen; plain columns otherwise. */
  #apply(): void {
    const narrow = this.#narrow;
    this.element.hidden = !narrow || this.#tabs.length < 2;
    const tabbed = narrow && this.#tabs.length > 1;
    if (tabbed) this.element.setAttribute('role', 'tablist');
    else this.element.removeAttribute('role');
    for (const t of this.#tabs) {
      const on = t.name === this.#selected;
      if (tabbed) {
        t.tab.setAttribute('role', 'tab');
        t.tab.setAttribute('aria-selected', String(on));
        t.tab.tabIndex = on ? 0 : -1;
        t.panel.setAttribute('role', 'tabpanel');
        t.panel.setAttribute('aria-labelledby', t.tab.id);
        t.panel.hidden = !on;
      } else {
        t.panel.removeAttribute('role');
        t.panel.removeAttribute('aria-labelledby');
        t.panel.hidden = false;
      }
    }
  }

  #key(e: KeyboardEvent): void {
    const i = this.#tabs.findIndex((t) => t.tab === e.target);
    if (i < 0) return;
    const n = this.#tabs.length;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    this.select(this.#tabs[next % n]!.name, true);
  }
}
