/**
 * One column per thread: its step button (and key), where it is in its code, why it cannot go on,
 * what it holds, and its functions of the listing with the current line and its callers marked.
 * The columns are made once per scenario; each frame only changes their text and classes, so the
 * buttons keep the keyboard focus.
 */
import type { Scenario, ThreadState } from '@interleave/engine';
import type { Frame } from '../run.ts';
import { fill, h } from './dom.ts';
import { threadCode, type ThreadCode } from './code.ts';

interface Column {
  name: string;
  root: HTMLElement;
  button: HTMLButtonElement;
  status: HTMLElement;
  where: HTMLElement;
  why: HTMLElement;
  holds: HTMLElement;
  code: ThreadCode | null;
  marked: HTMLElement[];
}

const STATUS: Record<ThreadState['status'], string> = { ready: 'can run', waiting: 'waiting', done: 'finished', crashed: 'stopped by a violation' };

export class ThreadsView {
  readonly element = h('div', { class: 'iw-threads' });
  private columns: Column[] = [];
  private readonly templates: ParentNode;
  private readonly onStep: (thread: string) => void;

  constructor(templates: ParentNode, onStep: (thread: string) => void) {
    this.templates = templates;
    this.onStep = onStep;
  }

  /** Makes the columns for a scenario (its threads and their code). */
  build(scenario: Scenario, first: Frame): void {
    this.columns = scenario.threads.map((name, i) => this.column(scenario, name, i, first.threads.find((t) => t.name === name)));
    this.element.style.setProperty('--iw-threads', String(this.columns.length));
    fill(this.element, ...this.columns.map((c) => c.root));
  }

  update(frame: Frame, ended: boolean): void {
    for (const col of this.columns) {
      const t = frame.threads.find((x) => x.name === col.name);
      const why = frame.why[col.name] ?? null;
      const can = why === null;
      col.button.setAttribute('aria-disabled', String(!can));
      col.root.dataset.status = t?.status ?? 'ready';
      col.root.classList.toggle('is-runnable', can);
      col.status.textContent = t ? STATUS[t.status] : '';
      col.where.textContent = where(t, col.code);
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

  /** The button of a thread, to move the focus to. */
  button(thread: string): HTMLButtonElement | undefined {
    return this.columns.find((c) => c.name === thread)?.button;
  }

  /** Scrolls each column's code so its current line is in view, without moving the page. */
  reveal(): void {
    for (const col of this.columns) {
      const el = col.marked[col.marked.length - 1];
      const pre = col.code?.element;
      if (!el || !pre) continue;
      const line = el.getBoundingClientRect();
      const box = pre.getBoundingClientRect();
      if (line.top < box.top || line.bottom > box.bottom) pre.scrollTop += line.top - box.top - (box.height - line.height) / 2;
    }
  }

  private column(scenario: Scenario, name: string, i: number, t: ThreadState | undefined): Column {
    const key = i < 9 ? String(i + 1) : '';
    const button = h('button', { class: 'iw-step', attrs: { type: 'button', 'data-thread': name, ...(key ? { 'aria-keyshortcuts': key } : {}) } }, `Step ${name}`, key ? h('kbd', { text: key, attrs: { 'aria-hidden': 'true' } }) : null);
    button.addEventListener('click', () => this.onStep(name));
    const status = h('span', { class: 'iw-thread-status' });
    const where = h('p', { class: 'iw-where' });
    const why = h('p', { class: 'iw-why' });
    const holds = h('p', { class: 'iw-holds' });
    const code = scenario.listing ? threadCode(this.templates, scenario.listing, t?.code, `Code of ${name}`) : null;
    const root = h(
      'section',
      { class: 'iw-thread', attrs: { 'aria-label': `Thread ${name}`, 'data-thread': name } },
      h('div', { class: 'iw-thread-head' }, h('span', { class: 'iw-thread-name', text: name }), status),
      button,
      where,
      why,
      holds,
      code?.element,
    );
    return { name, root, button, status, where, why, holds, code, marked: [] };
  }
}

function where(t: ThreadState | undefined, code: ThreadCode | null): string {
  if (!t) return '';
  if (t.status === 'done') return 'Has returned.';
  if (t.line === undefined) return '';
  const fn = code?.functionOf(t.line);
  const callers = t.stack.slice(0, -1);
  return `At line ${t.line}${fn ? ` in ${fn}` : ''}${callers.length ? `, called from line ${callers.join(', then ')}` : ''}.`;
}
