import { KObject } from '../core/object.ts';
import { KThread } from '../core/thread.ts';
import type { EndFailure, World } from '../core/world.ts';

/**
 * The leak finder. Objects that can leak keep `References`: who holds each reference, taken in which
 * kernel function, by which thread, at which step. An object that must die (`mustDie`: an exited
 * process's mm and files, a device binding) and is still alive when every thread has finished makes
 * the verdict `'leak'`, unless something that legitimately lives on still holds it: a task that has
 * not exited, a reference held since the start by something outside the scenario, or an object that
 * is not part of the reference graph at all (a device). The report follows the references that keep
 * the object alive until they close into a cycle (the intel-svm bug: mm → VMA → file → binding → mm)
 * or end at a thread that finished without dropping its reference.
 */

/** Who holds a reference: an object that stores the pointer, or a thread whose local variable does. */
export type Holder = KObject | KThread;

/** One reference to an object. */
export interface Reference {
  /** null: held since the start by something outside the scenario. */
  readonly holder: Holder | null;
  /** What kind of reference: `mm_users`, `mm_count`, `f_count`, `vma`, ... */
  readonly kind: string;
  /** The kernel function that took it. */
  readonly op: string;
  /** The thread that took it; null when it was taken as the scenario was built. */
  readonly thread: string | null;
  /** The step that took it (0-based, as `Step.index`); -1 when the scenario was built. */
  readonly step: number;
}

/** One edge of a leak's chain: `holder` holds `held`. */
export interface LeakEdge {
  holder: string;
  held: string;
  kind: string;
  op: string;
  thread: string | null;
  step: number;
}

/** The `detail` of a leak verdict. */
export interface LeakDetail {
  /** The object the chain explains: the first one found leaking. */
  object: string;
  /** Why it must die, e.g. "P exited at step 9". */
  why: string;
  /** Every object that must die and leaks, `object` first. */
  leaked: string[];
  /** The references that keep `object` alive, outermost holder first, ending at `object`. */
  chain: LeakEdge[];
  /** Whether the chain is a reference cycle (rather than ending at a thread). */
  cycle: boolean;
}

/**
 * The references of one kind that keep `target` alive (one object may have several kinds: an mm has
 * `mm_users` and `mm_count`). Models change them inside the steps that take and drop references.
 */
export class References {
  readonly target: KObject;
  readonly kind: string;
  private readonly refs: Reference[] = [];

  constructor(target: KObject, kind: string) {
    this.target = target;
    this.kind = kind;
    registryOf(target.world).add(this);
  }

  get count(): number {
    return this.refs.length;
  }

  list(): readonly Reference[] {
    return this.refs;
  }

  /** Records a reference that `t` takes for `holder` (`t` null: the scenario is being built). */
  take(holder: Holder | null, op: string, t: KThread | null): void {
    this.refs.push({ holder, kind: this.kind, op, thread: t?.name ?? null, step: t ? this.target.world.stepIndex : -1 });
    registryOf(this.target.world).key = null;
  }

  /**
   * Forgets one reference and returns it: `holder`'s own if it has one, else one held since the
   * start, else the oldest, noted as a reference `t` drops without holding it (the kernel's counts do
   * not know who holds them, so an unbalanced put takes someone else's). There must be one.
   */
  drop(holder: Holder, t: KThread): Reference {
    let i = this.refs.findLastIndex((r) => r.holder === holder);
    if (i < 0) i = this.refs.findIndex((r) => r.holder === null);
    if (i < 0) {
      i = 0;
      const other = this.refs[0];
      if (!other) throw new Error(`internal error: no ${this.kind} reference on ${this.target.name} to drop`);
      this.target.world.note(() => `${holderName(holder)} holds no ${this.kind} reference on ${this.target.name}: it drops ${holderName(other.holder)}'s`);
    }
    registryOf(this.target.world).key = null;
    return this.refs.splice(i, 1)[0]!;
  }
}

/** Marks `obj` as an object that must be freed by the end of the execution; `why` says why. */
export function mustDie(obj: KObject, why: string): void {
  const registry = registryOf(obj.world);
  if (registry.doomed.has(obj)) return;
  registry.doomed.set(obj, why);
  registry.key = null;
}

function holderName(h: Holder | null): string {
  return h === null ? 'the scenario' : h.name;
}

/** The leak finder of one world: every object's references, and the objects that must die. */
class LeakRegistry {
  readonly #sources = new Map<KObject, References[]>();
  readonly doomed = new Map<KObject, string>();
  /** The state key as last written down; null once a reference is taken or dropped, or an object doomed. */
  key: string | null = null;

  /** Who holds each reference, and the doomed objects: what decides the end check, for a state's fingerprint (core/fingerprint.ts). */
  stateKey(): string {
    if (this.key !== null) return this.key;
    const held = [...this.#sources.values()].flatMap((list) => list.map((src) => `${src.target.name}.${src.kind}:${src.list().map((r) => holderName(r.holder)).join(',')}`));
    return (this.key = `${held.join(';')}|${[...this.doomed].map(([o, why]) => `${o.name}:${why}`).join(';')}`);
  }

  add(refs: References): void {
    this.key = null;
    const list = this.#sources.get(refs.target);
    if (list) list.push(refs);
    else this.#sources.set(refs.target, [refs]);
  }

  /** The references on `o` held by something other than `o` itself (an mm's users hold one mm_count). */
  #holders(o: KObject): Reference[] {
    const out: Reference[] = [];
    for (const src of this.#sources.get(o) ?? []) for (const r of src.list()) if (r.holder !== o) out.push(r);
    return out;
  }

  /**
   * A root lives on legitimately: a reference from outside the scenario, or a live object that need
   * not die and that nothing holds (a task that has not exited, a device).
   */
  #isRoot(h: Holder | null): boolean {
    if (h === null) return true;
    if (h instanceof KThread) return false;
    return h.freed === null && !this.doomed.has(h) && this.#holders(h).length === 0;
  }

  /** Whether some chain of holders from `o` reaches a root. */
  #keptAlive(o: KObject): boolean {
    const seen = new Set<Holder>([o]);
    const queue: KObject[] = [o];
    while (queue.length > 0) {
      for (const r of this.#holders(queue.shift()!)) {
        if (this.#isRoot(r.holder)) return true;
        const h = r.holder!;
        if (seen.has(h)) continue;
        seen.add(h);
        if (h instanceof KObject && h.freed === null) queue.push(h);
      }
    }
    return false;
  }

  check(): EndFailure | null {
    const leaked = [...this.doomed.keys()].filter((o) => o.freed === null && !this.#keptAlive(o));
    const first = leaked[0];
    if (!first) return null;
    const why = this.doomed.get(first)!;
    const { chain, cycle, thread } = this.#chain(first);
    const detail: LeakDetail = { object: first.name, why, leaked: leaked.map((o) => o.name), chain, cycle };
    const others = leaked.length > 1 ? ` (${leaked.slice(1).map((o) => o.name).join(', ')} ${leaked.length === 2 ? 'leaks' : 'leak'} too)` : '';
    return { verdict: 'leak', message: `Leak: ${first.name} must die (${why}) but is still alive${others}: ${explain(chain, cycle, thread)}.`, detail };
  }

  /**
   * The shortest chain of holders that keeps `x` alive: preferably a cycle back to `x`, else one that
   * ends at a thread (or a freed holder), else one that ends in another cycle.
   */
  #chain(x: KObject): { chain: LeakEdge[]; cycle: boolean; thread: string | null } {
    const parent = new Map<Holder, { ref: Reference; held: KObject }>();
    const seen = new Set<Holder>([x]);
    const queue: KObject[] = [x];
    let end: { top: Holder; cycle: boolean } | null = null;
    let repeat: { ref: Reference; held: KObject } | null = null;
    while (queue.length > 0) {
      const held = queue.shift()!;
      for (const ref of this.#holders(held)) {
        const h = ref.holder!;
        if (h === x) return { chain: [edge(ref, held), ...this.#path(held, x, parent)], cycle: true, thread: null };
        if (seen.has(h)) {
          repeat ??= { ref, held };
          continue;
        }
        seen.add(h);
        parent.set(h, { ref, held });
        if (h instanceof KThread || h.freed !== null) end ??= { top: h, cycle: false };
        else queue.push(h);
      }
    }
    if (end) return { chain: this.#path(end.top, x, parent), cycle: false, thread: end.top instanceof KThread ? end.top.name : null };
    if (repeat) return { chain: [edge(repeat.ref, repeat.held), ...this.#path(repeat.held, x, parent)], cycle: true, thread: null };
    return { chain: [], cycle: false, thread: null };
  }

  /** The edges from `from` down to `x`, following the parents the search recorded. */
  #path(from: Holder, x: KObject, parent: Map<Holder, { ref: Reference; held: KObject }>): LeakEdge[] {
    const out: LeakEdge[] = [];
    for (let h = from; h !== x; ) {
      const p = parent.get(h)!;
      out.push(edge(p.ref, p.held));
      h = p.held;
    }
    return out;
  }
}

function edge(ref: Reference, held: KObject): LeakEdge {
  return { holder: holderName(ref.holder), held: held.name, kind: ref.kind, op: ref.op, thread: ref.thread, step: ref.step };
}

function taken(e: LeakEdge): string {
  return e.step < 0 ? `${e.kind}, since the start` : `${e.kind}, taken in ${e.op} by ${e.thread} at step ${e.step + 1}`;
}

/** The chain in words: "A holds B (...), which holds C (...), a reference cycle". */
function explain(chain: readonly LeakEdge[], cycle: boolean, thread: string | null): string {
  if (chain.length === 0) return 'nothing holds it, yet it was never freed';
  const words = chain.map((e, i) => (i === 0 ? `${e.holder} holds ${e.held} (${taken(e)})` : `which holds ${e.held} (${taken(e)})`)).join(', ');
  if (cycle) return `${words}: a reference cycle`;
  if (thread) return `${words}; ${thread} finished without dropping its reference`;
  return `${words}; ${chain[0]!.holder} was freed without dropping its reference`;
}

const REGISTRY = {};

function registryOf(world: World): LeakRegistry {
  return world.local(REGISTRY, () => {
    const registry = new LeakRegistry();
    world.atEnd(() => registry.check());
    return registry;
  });
}
