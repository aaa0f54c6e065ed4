/**
 * The state of every object, from the engine's snapshots: locks first (holders, and the wait queue
 * in FIFO order, head first), then counts and everything else. rwsems, mutexes, spinlocks, wait
 * queues, counters and mm structs have their own layout; any other kind is shown from its summary
 * and its fields, so a new device model needs no change here.
 */
import type { ObjectState } from '@interleave/engine';
import { fill, h } from './dom.ts';

const LOCKS = ['rwsem', 'mutex', 'spinlock', 'waitqueue'];
const COUNTS = ['atomic', 'refcount', 'counter', 'mm_struct'];
const HIDDEN = new Set(['name', 'kind', 'summary', 'lockClass']);

type Waiter = { thread: string; mode?: string; until?: string };

const names = (x: unknown): string[] => (Array.isArray(x) ? x.map((v) => (typeof v === 'string' ? v : isWaiter(v) ? v.thread : JSON.stringify(v))) : []);
const isWaiter = (x: unknown): x is Waiter => typeof x === 'object' && x !== null && typeof (x as Waiter).thread === 'string';

function rank(o: ObjectState): number {
  if (LOCKS.includes(o.kind)) return 0;
  if (COUNTS.includes(o.kind)) return 1;
  return 2;
}

function row(label: string, ...value: (Node | string)[]): HTMLElement {
  return h('div', { class: 'iw-row' }, h('dt', { text: label }), h('dd', {}, ...value));
}

function queue(items: string[], empty: string): HTMLElement | string {
  if (items.length === 0) return empty;
  return h('ol', { class: 'iw-queue' }, ...items.map((s) => h('li', { text: s })));
}

function count(label: string, value: unknown): HTMLElement {
  return h('div', { class: 'iw-count' }, h('span', { class: 'iw-count-value', text: String(value) }), h('span', { class: 'iw-count-label', text: label }));
}

function body(o: ObjectState): HTMLElement[] {
  switch (o.kind) {
    case 'rwsem': {
      const readers = names(o.readers);
      const held = typeof o.writer === 'string' ? `for write by ${o.writer}` : readers.length ? `for read by ${readers.join(', ')}` : 'free';
      const q = Array.isArray(o.queue) ? o.queue.filter(isWaiter).map((w) => `${w.thread} (${w.mode ?? '?'})`) : [];
      return [h('dl', {}, row('Held', held), row('Queue, head first', queue(q, 'empty')))];
    }
    case 'mutex':
      return [h('dl', {}, row('Owner', typeof o.owner === 'string' ? o.owner : 'free'), row('Waiters, in order', queue(names(o.waiters), 'none')))];
    case 'spinlock':
      return [h('dl', {}, row('Owner', typeof o.owner === 'string' ? o.owner : 'free'), row('Spinning', queue(names(o.spinners), 'nobody')))];
    case 'waitqueue': {
      const sleeping = Array.isArray(o.waiters) ? o.waiters.filter(isWaiter).map((w) => `${w.thread}, until ${w.until ?? 'woken'}`) : [];
      return [h('dl', {}, row('Sleeping', queue(sleeping, 'nobody')))];
    }
    case 'atomic':
    case 'refcount':
      return [h('div', { class: 'iw-counts' }, count('value', o.value))];
    case 'counter': {
      const holders = names(o.holders);
      return [h('div', { class: 'iw-counts' }, count('count', o.value)), h('dl', {}, row('Held by', holders.length ? holders.join(', ') : 'nobody'))];
    }
    case 'mm_struct':
      return [h('div', { class: 'iw-counts' }, count('mm_users', o.mm_users), count('mm_count', o.mm_count)), h('p', { class: 'iw-summary', text: o.summary })];
    default:
      return generic(o);
  }
}

/** Numbers that are addresses, sizes or flags rather than counts: shown in hex among the fields. */
const NOT_A_COUNT = /start|end|addr|brk|flags|size|page|pfn|mask|base/i;

function generic(o: ObjectState): HTMLElement[] {
  const counts: HTMLElement[] = [];
  const rows: HTMLElement[] = [];
  for (const [key, value] of Object.entries(o)) {
    if (HIDDEN.has(key)) continue;
    if (typeof value === 'number' && !NOT_A_COUNT.test(key) && Math.abs(value) < 4096) counts.push(count(key, value));
    else rows.push(row(key, typeof value === 'number' ? `0x${value.toString(16)}` : format(value)));
  }
  // The engine's summary says what matters; the raw fields are there for whoever wants them.
  const fields = rows.length ? h('details', { class: 'iw-fields' }, h('summary', { text: 'Fields' }), h('dl', {}, ...rows)) : null;
  return [h('p', { class: 'iw-summary', text: o.summary }), counts.length ? h('div', { class: 'iw-counts' }, ...counts) : null, fields].filter((x) => x !== null);
}

function format(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => (typeof v === 'object' && v !== null ? format(v) : String(v))).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k} ${format(v)}`).join(', ');
  return String(value);
}

export class ObjectsView {
  readonly element = h('div', { class: 'iw-objects' });

  update(objects: ObjectState[], before: ObjectState[] | null): void {
    const previous = new Map((before ?? []).map((o) => [o.name, JSON.stringify(o)]));
    // Fields a reader opened stay open from step to step.
    const open = new Set([...this.element.querySelectorAll<HTMLElement>('.iw-object:has(> details[open])')].map((el) => el.dataset.object));
    const sorted = objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i);
    fill(
      this.element,
      ...sorted.map(({ o }) => {
        const changed = before !== null && previous.get(o.name) !== JSON.stringify(o);
        const extra = o.kind === 'rwsem' && typeof o.policy === 'string' ? `, ${o.policy}` : '';
        return h(
          'section',
          { class: `iw-object${changed ? ' is-changed' : ''}`, attrs: { 'aria-label': `${o.name} (${o.kind})`, 'data-object': o.name, 'data-kind': o.kind } },
          h('div', { class: 'iw-object-head' }, h('span', { class: 'iw-object-name', text: o.name }), h('span', { class: 'iw-object-kind', text: `${o.kind}${extra}` }), changed ? h('span', { class: 'iw-tag', text: 'changed' }) : null),
          ...body(o),
        );
      }),
    );
    for (const el of this.element.querySelectorAll<HTMLElement>('.iw-object')) {
      const d = el.querySelector('details');
      if (d && open.has(el.dataset.object)) d.open = true;
    }
  }
}
