/**
 * The playground's workbench: a compact view of the engine's data for the reader's scenario (the
 * case widget's views need a Session in the page, and here the reader's code runs only in the
 * sandbox). Threads with their state, line, why they wait and a Step button; the wait-for graph; the objects; the
 * history, each step a button that shows the state after it; the search's verdict and lockdep's
 * report. Everything is text from the sandbox, so it is only ever set with textContent.
 */
import type { ExploreResult, View } from './protocol.ts';
import { waitGraph } from './wait-graph.ts';

export interface ViewActions {
  step(thread: string): void;
  seek(index: number): void;
  undo(): void;
  reset(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const STATE: Record<string, string> = { ready: 'running', waiting: 'blocked', done: 'done', crashed: 'stopped' };

/** The control that had the focus keeps it across a new rendering (found again by its data-key). */
function keepFocus(root: HTMLElement, render: () => void): void {
  const key = root.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.key : undefined;
  render();
  if (key) root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

export function renderView(root: HTMLElement, v: View, actions: ViewActions): void {
  keepFocus(root, () => render(root, v, actions));
}

function render(root: HTMLElement, v: View, actions: ViewActions): void {
  const f = v.frame;
  const threads = el('ol', { class: 'pg-threads' });
  v.threads.forEach((name, i) => {
    const t = f.threads.find((x) => x.name === name);
    const why = f.why[name];
    const state = t ? (STATE[t.status] ?? t.status) : 'unknown';
    const button = el('button', { type: 'button', class: 'pg-step', 'aria-keyshortcuts': String(i + 1), 'data-key': `step:${name}` }, `Step ${name}`);
    if (why) {
      button.setAttribute('aria-disabled', 'true');
      button.title = why;
    }
    button.addEventListener('click', () => {
      if (!why) actions.step(name);
    });
    const details: (Node | string)[] = [el('span', { class: `pg-state pg-state-${state}` }, state)];
    if (t?.line) details.push(` · line ${t.line}`);
    if (t?.holds.length) details.push(` · holds ${t.holds.map((h) => `${h.lock} (${h.mode})`).join(', ')}`);
    const li = el('li', { class: 'pg-thread', 'data-thread': name }, el('h4', {}, name), el('p', {}, ...details));
    if (t?.waiting) li.append(el('p', { class: 'pg-why' }, `Waits in ${t.waiting.op}: ${t.waiting.text}`));
    else if (why && t?.status !== 'done') li.append(el('p', { class: 'pg-why' }, why));
    li.append(button);
    threads.append(li);
  });

  const history = el('ol', { class: 'pg-history', 'aria-label': 'Steps taken' });
  const start = el('button', { type: 'button', 'aria-current': String(v.cursor === 0), 'data-key': 'seek:0' }, 'Start');
  start.addEventListener('click', () => actions.seek(0));
  history.append(el('li', {}, start));
  v.history.forEach((s, i) => {
    const b = el('button', { type: 'button', 'aria-current': String(v.cursor === i + 1), 'data-key': `seek:${i + 1}` }, `${i + 1}. ${s.thread}: ${s.op}${s.target ? ` ${s.target}` : ''}${s.blocked ? ' (blocks)' : ''}${s.line ? ` · line ${s.line}` : ''}${s.note ? ` · ${s.note}` : ''}`);
    if (i + 1 > v.cursor) b.classList.add('pg-future');
    b.addEventListener('click', () => actions.seek(i + 1));
    history.append(el('li', {}, b));
  });

  const undo = el('button', { type: 'button', 'data-key': 'undo' }, 'Undo');
  undo.addEventListener('click', actions.undo);
  const reset = el('button', { type: 'button', 'data-key': 'reset' }, 'Reset');
  reset.addEventListener('click', actions.reset);

  const objects = el('dl', { class: 'pg-objects' });
  for (const o of f.objects) objects.append(el('dt', {}, o.name, el('span', { class: 'pg-kind' }, ` ${o.kind}`)), el('dd', {}, o.summary));

  const outcome = f.outcome ? el('p', { class: `pg-outcome pg-verdict-${f.outcome.verdict}` }, `This execution ends: ${f.outcome.verdict}. ${f.outcome.message}`) : '';
  root.replaceChildren(
    el('h3', {}, v.title),
    outcome,
    el('section', { 'aria-label': 'Threads' }, threads),
    waitGraph(f),
    el('div', { class: 'pg-row' }, undo, reset, el('span', { class: 'pg-schedule' }, `schedule: ${v.schedule || '(none)'}`)),
    el('details', { class: 'pg-fold', open: '' }, el('summary', {}, `History (${v.cursor} of ${v.history.length} steps shown)`), history),
    el('details', { class: 'pg-fold' }, el('summary', {}, `Objects (${f.objects.length})`), objects),
  );
}

export function renderResult(root: HTMLElement, r: ExploreResult): void {
  const parts: Node[] = [
    el('p', { class: `pg-verdict pg-verdict-${r.verdict}` }, el('strong', {}, r.verdict), ` — ${r.message}`),
    el('p', { class: 'pg-stats' }, `${r.executions.toLocaleString('en')} executions in ${r.ms} ms${r.complete ? ', every interleaving covered' : ''}${r.incomplete ? ` (${r.incomplete})` : ''}.${r.schedule ? ` The shortest failure (schedule ${r.schedule}, ${r.steps} steps) is loaded below: step back through it in the history.` : ''}`),
  ];
  if (r.lockdep.length) {
    const d = el('details', { class: 'pg-fold pg-lockdep' }, el('summary', {}, `Lockdep: ${r.lockdep.map((w) => w.title).join('; ')}`));
    for (const w of r.lockdep) d.append(el('pre', { tabindex: '0' }, w.text));
    parts.push(d);
  }
  root.replaceChildren(...parts);
}
