import type { StepRecord } from '../execution.ts';
import { footprintsConflict, type Access } from '../object.ts';

/**
 * A state on the current path, with what the search still has to do there: the threads to explore
 * from it (the backtrack set), those explored, and those asleep. Sleep sets (Godefroid,
 * "Partial-order methods for the verification of concurrent systems", LNCS 1032, 1996): a thread
 * explored from an earlier state, whose step is independent of every step taken since, would only
 * lead to executions equivalent to ones already explored, so it sleeps until a dependent step is
 * taken.
 */
export interface Node {
  /** Threads runnable in this state. */
  runnable: number[];
  backtrack: Set<number>;
  done: Set<number>;
  /** Threads asleep here (already covered), with the footprints of their steps. */
  sleep: Map<number, readonly Access[]>;
  /** Footprints of the steps explored from here. */
  taken: Map<number, readonly Access[]>;
  /** Preemptions on the path before this state. */
  preemptions: number;
}

export function newNode(runnable: number[], sleep: Map<number, readonly Access[]>, preemptions: number, enumerate: boolean): Node {
  return { runnable, backtrack: enumerate ? new Set(runnable) : new Set(), done: new Set(), sleep, taken: new Map(), preemptions };
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
