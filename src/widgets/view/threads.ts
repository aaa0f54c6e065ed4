/**
 * One column per thread: its name and role, its step button (and key), "run until it blocks", its
 * call stack, why it cannot go on, what it holds, and its functions of the listing with the current
 * line and its callers marked. The columns are made once per scenario; each frame only changes their
 * text and classes, so the buttons keep the keyboard focus. On a narrow screen the columns become
 * tab panels (see thread-tabs.ts).
 */
import type { Listing, Scenario, ThreadState } from '@interleave/engine';
import type { Frame } from '../run.ts';
import { fill, h } from './dom.ts';
import { threadCode, type ThreadCode } from './code.ts';
import { ThreadTabs } from './thread-tabs.ts';

interface Column {
  name: string;
  root: HTMLElement;
  button: HTMLButtonElement;
  run: HTMLButtonElement;
  status: HTMLElement;
  stack: HTMLElement;
  why: HTMLElement;
  holds: HTMLElement;
  code: ThreadCode | null;
  marked: HTMLElement[];
}

export interface ThreadActions {
  step(thread: string): void;
  /** Steps the thread until it blocks, finishes or cannot go on. */
  run(thread: string): void;
}

/** What the columns are made from: a case's Scenario, or the playground's plain description of the reader's. */
export type ThreadsOf = Pick<Scenario, 'threads'> & { readonly listing?: Listing | undefined };

const STATUS: Record<ThreadState['status'], string> = { ready: 'can run', waiting: 'waiting', done: 'finished', crashed: 'stopped by a violation' };

/** "T1 · cxl driver", from the engine's role of the thread. */
function threadTitle(t: { name: string; role?: string } | undefined, name: string): string {
  return t?.role ? `${name} · ${t.role}` : name;
}

export class ThreadsView {
  readonly element: HTMLElement;
  readonly #grid = h('div', { class: 'iw-threads' });
  readonly #tabs = new ThreadTabs();
  #columns: Column[] = [];
  readonly #templates: ParentNode;
  readonly #actions: ThreadActions;

  constructor(templates: ParentNode, actions: ThreadActions) {
    this.#templates = templates;
    this.#actions = actions;
    this.element = h('div', { class: 'iw-thread-area' }, this.#tabs.element, this.#grid);
  }

  /** Makes the columns for a scenario (its threads and their code). */
  build(scenario: ThreadsOf, first: Frame): void {
    this.#columns = scenario.threads.map((name, i) => this.#column(scenario, name, i, first.threads.find((t) => t.name === name)));
    this.#grid.style.setProperty('--iw-threads', String(this.#columns.length));
    fill(this.#grid, ...this.#columns.map((c) => c.root));
    this.#tabs.build(this.#columns.map((c) => ({ name: c.name, panel: c.root })));
  }

  update(frame: Frame, ended: boolean): void {
    for (const col of this.#columns) {
      const t = frame.threads.find((x) => x.name === col.name);
      const why = frame.why[col.name] ?? null;
      const can = why === null;
      col.button.setAttribute('aria-disabled', String(!can));
      col.run.setAttribute('aria-disabled', String(!can));
      col.root.dataset.status = t?.status ?? 'ready';
      col.root.classList.toggle('is-runnable', can);
      col.status.textContent = t ? STATUS[t.status] : '';
      this.#tabs.update(col.name, t?.status ?? 'ready');
      fill(col.stack, ...stackOf(t, col.code));
      col.stack.hidden = col.stack.childElementCount === 0;
      col.why.textContent = t?.waiting ? `Waits in ${t.waiting.op} on ${t.waiting.object}: ${t.waiting.text}.` : !can && !ended && t?.status !== 'done' ? `${why}.` : '';
      col.why.hidden = col.why.textContent === '';
      col.holds.textContent = t && t.holds.length > 0 ? `Holds ${t.holds.map((x) => (x.mode === 'exclusive' ? x.lock : `${x.lock} (${x.mode})`)).join(', ')}.` : 'Holds nothing.';
      for (const el of col.marked) el.classList.remove('is-current', 'is-caller', 'is-blocked');
      col.marked = [];
      if (col.code && t && t.status !== 'done') {
        t.stack.forEach((line, k) => {
          const el = col.code!.lines.get(line);
          if (!el) return;
          const current = k === t.stack.length - 1;
          el.classList.add(current ? 'is-current' : 'is-caller');
          if (current && t.status === 'waiting') el.classList.add('is-blocked');
          col.marked.push(el);
        });
      }
    }
  }

  /** The step button of a thread, to move the focus to. */
  button(thread: string): HTMLButtonElement | undefined {
    return this.#columns.find((c) => c.name === thread)?.button;
  }

  /** On a narrow screen, shows this thread's panel (keeping the focus where the reader is). */
  show(thread: string): void {
    this.#tabs.select(thread, false);
  }

  /** Scrolls each column's code so its current line is in view, without moving the page. */
  reveal(): void {
    for (const col of this.#columns) {
      const el = col.marked[col.marked.length - 1];
      const pre = col.code?.element;
      if (!el || !pre || pre.offsetParent === null) continue;
      const line = el.getBoundingClientRect();
      const box = pre.getBoundingClientRect();
      if (line.top < box.top || line.bottom > box.bottom) pre.scrollTop += line.top - box.top - (box.height - line.height) / 2;
    }
  }

  #column(scenario: ThreadsOf, name: string, i: number, t: ThreadState | undefined): Column {
    const key = i < 9 ? String(i + 1) : '';
    const button = h('button', { class: 'iw-step', attrs: { type: 'button', 'data-thread': name, ...(key ? { 'aria-keyshortcuts': key } : {}) } }, `Step ${name}`, key ? h('kbd', { text: key, attrs: { 'aria-hidden': 'true' } }) : null);
    button.addEventListener('click', () => this.#actions.step(name));
    const run = h('button', { class: 'iw-button iw-run-thread', text: 'Until it blocks', attrs: { type: 'button', 'data-thread': name, 'aria-label': `Run ${name} until it blocks or finishes` } });
    run.addEventListener('click', () => this.#actions.run(name));
    const status = h('span', { class: 'iw-thread-status' });
    const stack = h('ol', { class: 'iw-stack', attrs: { 'aria-label': `Call stack of ${name}, outermost first` } });
    const why = h('p', { class: 'iw-why' });
    const holds = h('p', { class: 'iw-holds' });
    const code = scenario.listing ? threadCode(this.#templates, scenario.listing, t?.code, `Code of ${name}`) : null;
    const root = h(
      'section',
      { class: 'iw-thread', attrs: { 'aria-label': `Thread ${threadTitle(t, name)}`, 'data-thread': name } },
      h('div', { class: 'iw-thread-head' }, h('span', { class: 'iw-thread-name' }, h('span', { class: 'iw-thread-id', text: name }), t?.role ? h('span', { class: 'iw-thread-role', text: ` · ${t.role}` }) : null), status),
      h('div', { class: 'iw-thread-buttons' }, button, run),
      stack,
      why,
      holds,
      code?.element,
    );
    return { name, root, button, run, status, stack, why, holds, code, marked: [] };
  }
}

/** The call stack as list items, outermost first: each function of the listing with its line. */
function stackOf(t: ThreadState | undefined, code: ThreadCode | null): HTMLElement[] {
  if (!t) return [];
  if (t.status === 'done') return [h('li', { class: 'iw-frame', text: 'Has returned.' })];
  return t.stack.map((line, k) => {
    const fn = code?.functionOf(line);
    const current = k === t.stack.length - 1;
    return h('li', { class: `iw-frame${current ? ' is-current' : ''}` }, fn ? h('code', { text: fn }) : null, h('span', { class: 'iw-frame-line', text: `${fn ? ' ' : ''}line ${line}` }));
  });
}
