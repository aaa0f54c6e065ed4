/**
 * The state of the objects, from the engine's snapshots. The objects the scenario's story is about
 * (`Scenario.focus`) stand first, beside the threads (see focus.ts); every other object is in a
 * folded group of its kind (mm, VMAs, files, tasks, locks, counts, other). rwsems,
 * mutexes, spinlocks, wait queues, counters and mm structs have their own layout; any other kind is
 * shown from its summary and its fields, so a new device model needs no change here.
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

/** An rwsem's wait queue drawn head to tail, each waiter with the mode it waits for. */
function lane(q: Waiter[]): HTMLElement | string {
  if (q.length === 0) return 'empty';
  return h(
    'ol',
    { class: 'iw-lane', attrs: { 'aria-label': 'Wait queue, head first' } },
    ...q.map((w, i) =>
      h(
        'li',
        { class: `iw-waiter is-${w.mode === 'read' ? 'read' : 'write'}` },
        i === 0 ? h('span', { class: 'iw-lane-end', text: 'head ' }) : null,
        h('span', { class: 'iw-waiter-chip' }, h('span', { class: 'iw-waiter-thread', text: w.thread }), ' ', h('span', { class: 'iw-waiter-mode', text: w.mode ?? '?' })),
        i === q.length - 1 && q.length > 1 ? h('span', { class: 'iw-lane-end', text: ' tail' }) : null,
      ),
    ),
  );
}

function count(label: string, value: unknown): HTMLElement {
  return h('div', { class: 'iw-count' }, h('span', { class: 'iw-count-value', text: String(value) }), h('span', { class: 'iw-count-label', text: label }));
}

function body(o: ObjectState): HTMLElement[] {
  switch (o.kind) {
    case 'rwsem': {
      const readers = names(o.readers);
      const held = typeof o.writer === 'string' ? `for write by ${o.writer}` : readers.length ? `for read by ${readers.join(', ')}` : 'free';
      const q = Array.isArray(o.queue) ? o.queue.filter(isWaiter) : [];
      return [h('dl', {}, row('Held', held), row('Wait queue', lane(q)))];
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

const isCount = (key: string, value: unknown): value is number => typeof value === 'number' && !NOT_A_COUNT.test(key) && Math.abs(value) < 4096;

/** The counts an object shows: a counter's value, an mm's two counts, or the small numbers among its fields. */
export function countsOf(o: ObjectState): Record<string, number> {
  if (['atomic', 'refcount', 'counter'].includes(o.kind)) return typeof o.value === 'number' ? { value: o.value } : {};
  if (o.kind === 'mm_struct') return { mm_users: Number(o.mm_users), mm_count: Number(o.mm_count) };
  if (LOCKS.includes(o.kind)) return {};
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => !HIDDEN.has(k) && isCount(k, v))) as Record<string, number>;
}

function generic(o: ObjectState): HTMLElement[] {
  const counts: HTMLElement[] = [];
  const rows: HTMLElement[] = [];
  for (const [key, value] of Object.entries(o)) {
    if (HIDDEN.has(key)) continue;
    if (isCount(key, value)) counts.push(count(key, value));
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

/** One object's card: name, kind, whether the last step changed it, and its state (by default, `body`). */
export function card(o: ObjectState, changed: boolean, content: HTMLElement[] = body(o)): HTMLElement {
  const policy = o.kind === 'rwsem' && typeof o.policy === 'string' ? `, ${o.policy}` : '';
  return h(
    'section',
    { class: `iw-object${changed ? ' is-changed' : ''}`, attrs: { 'aria-label': `${o.name} (${o.kind})`, 'data-object': o.name, 'data-kind': o.kind } },
    h('div', { class: 'iw-object-head' }, h('span', { class: 'iw-object-name', text: o.name }), h('span', { class: 'iw-object-kind', text: `${o.kind}${policy}` }), changed ? h('span', { class: 'iw-tag', text: 'changed' }) : null),
    ...content,
  );
}

/** The groups named by kind. */
const GROUPS: [string, RegExp][] = [
  ['VMAs', /^vm_area_struct$/],
  ['mm', /^(mm_struct|page_table|mm_flags|mmu_notifier.*)$/],
  ['files', /^(file|files_struct|userfaultfd_ctx|svm_ctx|delayed_fput_list)$/],
  ['tasks', /^(task_struct|process|user_view|oom_reaper_list)$/],
];
const ORDER = ['mm', 'VMAs', 'files', 'tasks', 'locks', 'counts', 'other'];

/** The group of an object's kind; a lock or count of another object goes with that object (mm.mmap_sem with the mm). */
function groupOf(o: ObjectState, byName: Map<string, ObjectState>): string {
  for (const [group, kinds] of GROUPS) if (kinds.test(o.kind)) return group;
  const parent = o.name.includes('.') ? byName.get(o.name.slice(0, o.name.lastIndexOf('.'))) : undefined;
  if (parent) return groupOf(parent, byName);
  if (LOCKS.includes(o.kind) || ['completion', 'semaphore'].includes(o.kind)) return 'locks';
  if (COUNTS.includes(o.kind)) return 'counts';
  return 'other';
}

export class ObjectsView {
  readonly element = h('div', { class: 'iw-objects' });

  /** Every object not in `skip`, in folded groups; a group the reader opened stays open. */
  update(objects: ObjectState[], before: ObjectState[] | null, skip: ReadonlySet<string>): void {
    const previous = new Map((before ?? []).map((o) => [o.name, JSON.stringify(o)]));
    const open = new Set([...this.element.querySelectorAll<HTMLDetailsElement>('details[open]')].map((d) => d.dataset.group ?? d.closest<HTMLElement>('.iw-object')?.dataset.object));
    const byName = new Map(objects.map((o) => [o.name, o]));
    const groups = new Map<string, { o: ObjectState; i: number }[]>();
    objects.forEach((o, i) => {
      if (skip.has(o.name)) return;
      const g = groupOf(o, byName);
      groups.set(g, [...(groups.get(g) ?? []), { o, i }]);
    });
    const sections = [...groups].sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b)).map(([group, list]) => {
      const sorted = list.sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i);
      let changes = 0;
      const cards = sorted.map(({ o }) => {
        const changed = before !== null && previous.get(o.name) !== JSON.stringify(o);
        if (changed) changes++;
        return card(o, changed);
      });
      const d = h(
        'details',
        { class: 'iw-group', attrs: { 'data-group': group } },
        h('summary', {}, `${group} (${sorted.length})`, changes ? h('span', { class: 'iw-tag', text: `${changes} changed` }) : null),
        h('div', { class: 'iw-group-body' }, ...cards),
      );
      d.open = open.has(group);
      return d;
    });
    fill(this.element, ...sections);
    for (const d of this.element.querySelectorAll<HTMLDetailsElement>('.iw-object details')) {
      if (open.has(d.closest<HTMLElement>('.iw-object')?.dataset.object)) d.open = true;
    }
  }
}
