import { footprintsConflict, type Access } from '../object.ts';

/**
 * Wakeup trees, after Optimal-DPOR (Abdulla, Aronis, Jonsson and Sagonas, "Source Sets: A
 * Foundation for Optimal Dynamic Partial Order Reduction", JACM 64(4), 2017, Section 6 and
 * Algorithm 2; first in "Optimal dynamic partial order reduction", POPL 2014).
 *
 * Source-DPOR reverses a race by adding one thread (an initial of the reversed order) to a
 * backtrack set; the search then finds its own way on from there, and may run into a state where
 * every thread that can run is asleep: an execution wasted. A wakeup tree remembers the whole
 * reversed order `v` instead, so the search follows it step by step and is never blocked. Each
 * state on the search's path has a tree of the sequences still to explore from it, ordered by
 * insertion; a leaf is "this sequence, then anything". The tree of a state and the trees below it
 * are one structure: the branch taken from a state is the tree of the next state.
 *
 * Inserting `v` (insert_[E] of the paper) walks down from the state's tree: a child whose step is
 * an initial of what is left of `v` (its thread's first step there, with no step of `v` before it
 * that it depends on) takes that step out of `v`; a child whose thread does not occur in `v` and
 * whose step is independent of all of `v` (a weak initial) is passed over as it is. Reaching a
 * leaf means `v` is already covered: the leaf's sequence extends to an execution equivalent to one
 * that extends `v`. Where no child fits, the rest of `v` becomes a new last branch. Before that, a
 * thread asleep in the state (explored there, or before) that is a weak initial of `v` covers it
 * too, and nothing is inserted.
 *
 * A step bound breaks "extends to an equivalent execution": a weak initial adds a step before the
 * reversed race, and the execution may be cut before the race is reached (the differential test
 * found such programs). So a weak initial covers `v` only where `v`, the steps weak initials add
 * and the step `v` was reversed with all fit in the steps the bound leaves; an initial only
 * reorders `v` and always covers. An insertion made to fit a step within a bound (maxSteps, or the
 * length of the shortest failure so far; search/races.ts, pendingSteps) is strict: it matches only
 * initials, a sleeping thread covers it only as its first step, and a leaf it reaches is extended
 * by the rest of `v`, so the step is reached within the bound.
 */

/** A step as the wakeup tree knows it: what the dependency relation needs. */
export interface Event {
  readonly tid: number;
  /** Which step of its thread this is, as a number unique in the execution (Path.nextId). */
  readonly id: number;
  /** The id of the step that woke the thread for this step, or -1. */
  readonly wakeOf: number;
  readonly footprint: readonly Access[];
  /** The step ended its execution (a violation), or was never taken, so what it leads to is unknown. */
  readonly stops: boolean;
}

/** A branch for thread `tid` whose step is known once it is taken (the search then records it). */
export function untaken(tid: number): Event {
  return { tid, id: -1, wakeOf: -1, footprint: [], stops: true };
}

/** Same thread, one woke the other's thread, or conflicting footprints (search/path.ts). */
export function dependent(a: Event, b: Event): boolean {
  return a.tid === b.tid || a.wakeOf === b.id || b.wakeOf === a.id || footprintsConflict(a.footprint, b.footprint);
}

/** A node of a wakeup tree: the step that leads to it (none at the root), and the branches below. */
export class WakeupTree {
  event: Event | null;
  readonly children: WakeupTree[] = [];

  constructor(event: Event | null) {
    this.event = event;
  }

  get tid(): number {
    return this.event!.tid;
  }

  add(event: Event): WakeupTree {
    const child = new WakeupTree(event);
    this.children.push(child);
    return child;
  }

  remove(child: WakeupTree): void {
    const i = this.children.indexOf(child);
    if (i >= 0) this.children.splice(i, 1);
  }
}

/** Where the step of `tid` first occurs in `v` if it is an initial of `v` there; else -1. */
export function initialIndex(v: readonly Event[], tid: number): number {
  const k = v.findIndex((e) => e.tid === tid);
  if (k < 0) return -1;
  for (let j = 0; j < k; j++) if (dependent(v[j]!, v[k]!)) return -1;
  return k;
}

/**
 * Whether `x`, of a thread not in `v`, is a weak initial of `v`: independent of all of it (a step
 * of `v` cannot have been woken by `x`: its waker is before it). A step that stops its execution
 * covers nothing after it.
 */
function weakInitial(v: readonly Event[], x: Event): boolean {
  if (x.stops) return false;
  for (const e of v) if (e.tid === x.tid || e.id === x.wakeOf || footprintsConflict(e.footprint, x.footprint)) return false;
  return true;
}

/**
 * Inserts `v` into the wakeup tree `root` of a state whose sleeping threads' steps are `asleep`,
 * unless it is covered. `room` is the number of steps the bound leaves after the state: a weak
 * initial covers `v` only where `v`, the steps the weak initials add, and the step `v` was reversed
 * with all fit in it. Strict, for a step scheduled to fit a bound: see above.
 */
export function insert(root: WakeupTree, v: Event[], asleep: Iterable<Event>, room: number, strict = false): void {
  if (v.length === 0) return;
  const weakFits = (added: number) => !strict && v.length + added + 1 <= room;
  for (const x of asleep) {
    if (strict ? v[0]!.tid === x.tid : initialIndex(v, x.tid) >= 0 || (weakFits(1) && weakInitial(v, x))) return;
  }
  let rest = v;
  let at = root;
  let added = 0;
  for (;;) {
    if (at.children.length === 0) {
      if (at !== root && !strict) return; // a leaf: covered
      break;
    }
    let next: WakeupTree | null = null;
    for (const child of at.children) {
      const k = initialIndex(rest, child.tid);
      if (k >= 0) {
        rest = rest.slice(0, k).concat(rest.slice(k + 1));
        next = child;
        break;
      }
      if (weakFits(added + 1) && weakInitial(rest, child.event!)) {
        added++;
        next = child;
        break;
      }
    }
    if (!next) break;
    at = next;
    if (rest.length === 0) return;
  }
  for (const e of rest) at = at.add(e);
}
