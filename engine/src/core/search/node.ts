import type { StepRecord } from '../execution.ts';
import { footprintsConflict, type Access } from '../object.ts';
import { untaken, type WakeupTree } from './wakeup-tree.ts';

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
  /** Threads asleep here (already covered), with the footprints of their steps. */
  sleep: Map<number, readonly Access[]>;
  /** The threads explored from here (the current one included), with the footprints of their steps. */
  taken: Map<number, readonly Access[]>;
  /** Preemptions on the path before this state. */
  preemptions: number;
}

/**
 * A state reached by the branch `tree` of its parent's tree. Enumerating (no reduction), every
 * thread that can run is a branch, `first` (the thread that ran last) first.
 */
export function newNode(runnable: number[], sleep: Map<number, readonly Access[]>, preemptions: number, tree: WakeupTree, enumerate: boolean, first: number): Node {
  if (enumerate) {
    const order = runnable.includes(first) ? [first, ...runnable.filter((t) => t !== first)] : runnable;
    for (const tid of order) tree.add(untaken(tid));
  }
  return { runnable, tree, current: null, sleep, taken: new Map(), preemptions };
}

/** The sleep set after `step` is taken from `parent`: what slept or was explored there and is independent of it. */
export function sleepAfter(parent: Node, step: StepRecord): Map<number, readonly Access[]> {
  const sleep = new Map<number, readonly Access[]>();
  const carry = (tid: number, fp: readonly Access[]) => {
    if (tid !== step.tid && !footprintsConflict(fp, step.footprint)) sleep.set(tid, fp);
  };
  for (const [tid, fp] of parent.sleep) carry(tid, fp);
  for (const [tid, fp] of parent.taken) carry(tid, fp);
  return sleep;
}
