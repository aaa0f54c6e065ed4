import type { Summary } from './state-cache.ts';
import { dependent, untaken, type Event, type WakeupTree } from './wakeup-tree.ts';

/**
 * A state on the current path, with what the search still has to do there: the sequences to
 * explore from it (its wakeup tree, search/wakeup-tree.ts), the threads explored, and those asleep.
 * Sleep sets (Godefroid, "Partial-order methods for the verification of concurrent systems", LNCS
 * 1032, 1996): a thread explored from an earlier state, whose step is independent of every step
 * taken since, would only lead to executions equivalent to ones already explored, so it sleeps
 * until a dependent step is taken.
 */
export interface Node {
  /** Threads runnable in this state. */
  runnable: number[];
  /** What to explore from here; its first branch is the one being explored. */
  tree: WakeupTree;
  /** The branch of `tree` being explored, once one is. */
  current: WakeupTree | null;
  /** Threads asleep here (already covered), with their steps. */
  sleep: Map<number, Event>;
  /** The threads explored from here (the current one included), with their steps. */
  taken: Map<number, Event>;
  /** Preemptions on the path before this state. */
  preemptions: number;
  /** With the state cache: threads that could run but are postponed (an acquisition of a held mutex). */
  postponed: number[];
  /** With the state cache (state-cache.ts): the state's key, and what was taken from it and below. */
  key: string | null;
  summary: Summary | null;
  /** The summary that the steps from this state go into: its own, or that of the nearest state above it that has one. */
  into: Summary | null;
  /**
   * A known state visited again with threads awake that slept the first time: those threads, the
   * only ones explored from it, and the threads asleep both times and the depth it will be known
   * with once explored.
   */
  revisit: { awake: number[]; sleep: number[]; depth: number } | null;
  /** No execution below broke a rule or was cut short: the state can be remembered once explored. */
  clean: boolean;
  /** The length of the shortest execution below that ended in a deadlock or a failed end check (Infinity if none). */
  endFailure: number;
  /**
   * The greatest depth an execution below has reached, one that stopped at a known state counting
   * as long as the known state's longest, and one whose threads all slept as long as the longest
   * execution so far (what it would have done is equivalent to an execution explored before).
   */
  reach: number;
}

/**
 * A state reached by the branch `tree` of its parent's tree. Enumerating (no reduction), every
 * thread that can run is a branch, `first` (the thread that ran last) first.
 */
export function newNode(runnable: number[], sleep: Map<number, Event>, preemptions: number, tree: WakeupTree, enumerate: boolean, first: number): Node {
  if (enumerate) {
    const order = runnable.includes(first) ? [first, ...runnable.filter((t) => t !== first)] : runnable;
    for (const tid of order) tree.add(untaken(tid));
  }
  return { runnable, tree, current: null, sleep, taken: new Map(), preemptions, postponed: [], key: null, summary: null, into: null, revisit: null, clean: true, endFailure: Infinity, reach: 0 };
}

/** The sleep set after `step` is taken from `parent`: what slept or was explored there and is independent of it. */
export function sleepAfter(parent: Node, step: Event): Map<number, Event> {
  const sleep = new Map<number, Event>();
  for (const x of parent.sleep.values()) if (!dependent(x, step)) sleep.set(x.tid, x);
  for (const x of parent.taken.values()) if (!dependent(x, step)) sleep.set(x.tid, x);
  return sleep;
}
