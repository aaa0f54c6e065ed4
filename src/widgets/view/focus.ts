/**
 * The objects the scenario's story is about (`Scenario.focus`: the locks and counts that decide the
 * outcome), beside the threads: each drawn as in the objects panel (an rwsem's wait queue head to
 * tail with each waiter's mode); an object with counts by its summary and each count's history of
 * changes up to the step shown (its last value is the count now).
 */
import type { ObjectState } from '@interleave/engine';
import type { Frame } from '../run.ts';
import { fill, h } from './dom.ts';
import { card, countsOf } from './objects.ts';

/** How many changes of a count are drawn (the latest ones). */
const SHOWN = 6;

interface Change {
  value: number;
  /** The step that made it (0: the start). */
  step: number;
  thread: string;
}

function changes(name: string, key: string, frames: readonly Frame[]): Change[] {
  const out: Change[] = [];
  frames.forEach((f, i) => {
    const o = f.objects.find((x) => x.name === name);
    const v = o ? countsOf(o)[key] : undefined;
    if (v === undefined || out.at(-1)?.value === v) return;
    out.push({ value: v, step: i, thread: f.step?.thread ?? '' });
  });
  return out;
}

function history(o: ObjectState, frames: readonly Frame[]): HTMLElement | null {
  const keys = Object.keys(countsOf(o));
  if (keys.length === 0) return null;
  return h(
    'div',
    { class: 'iw-count-history' },
    ...keys.map((key) => {
      const all = changes(o.name, key, frames);
      const shown = all.slice(-SHOWN);
      return h(
        'p',
        {},
        h('span', { class: 'iw-count-key', text: `${key}: ` }),
        all.length > shown.length ? '… → ' : '',
        h('ol', { class: 'iw-changes', attrs: { 'aria-label': `History of ${key}` } }, ...shown.map((c) => h('li', {}, h('strong', { text: String(c.value) }), c.step ? h('span', { class: 'iw-change-at', text: ` step ${c.step}, ${c.thread}` }) : h('span', { class: 'iw-change-at', text: ' at the start' })))),
      );
    }),
  );
}

export class FocusView {
  readonly element = h('section', { class: 'iw-focus', attrs: { 'aria-label': 'The objects that decide it' } });
  readonly #list = h('div', { class: 'iw-focus-list' });

  constructor() {
    this.element.append(h('p', { class: 'iw-panel-title', text: 'The objects that decide it' }), this.#list);
  }

  /** `frames`: the start and every step up to the one shown. */
  update(focus: readonly string[], frames: readonly Frame[]): void {
    const now = frames.at(-1)!.objects;
    const before = frames.length > 1 ? frames.at(-2)!.objects : null;
    this.element.hidden = focus.length === 0;
    fill(
      this.#list,
      ...focus.map((name) => {
        const o = now.find((x) => x.name === name);
        if (!o) return null;
        const changed = before !== null && JSON.stringify(before.find((x) => x.name === name)) !== JSON.stringify(o);
        const counts = history(o, frames);
        return counts ? card(o, changed, [h('p', { class: 'iw-summary', text: o.summary }), counts]) : card(o, changed);
      }),
    );
  }
}
