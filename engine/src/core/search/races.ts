import type { Execution } from '../execution.ts';
import { READ, accessMode } from '../object.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';
import { initialIndex, insert, type Event } from './wakeup-tree.ts';

/**
 * Races and their reversal, after Optimal-DPOR (Abdulla, Aronis, Jonsson and Sagonas, "Source Sets:
 * A Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017, Algorithm 2). When a step is
 * taken, each earlier step of another thread that it races with (dependent, and not ordered through
 * a third step) is a place where the opposite order must also be explored: before that earlier
 * step, the search inserts the reversed order into the wakeup tree (wakeup-tree.ts), unless a
 * sequence there or a sleeping thread already covers it. A step that completes a wait happens
 * after the step that woke its thread; the two are never enabled together, so that pair is never
 * reversed. Likewise a mutex acquisition, which the explorer only takes once the mutex is free
 * (Action.blocks): it is not in race with the release that enabled it, but with the acquisition
 * before that release, as in Flanagan and Godefroid's algorithm, where only co-enabled steps race;
 * a thread that is postponed where a race would be reversed cannot start the reversed order there.
 * An acquisition that broke a rule at once (a mutex_lock in atomic context) was not postponed, and
 * races with the release like any step (Execution.step): otherwise the attempt made
 * while the lock is held, the shorter violation, was not run where the search's order happened not
 * to take it first (engine/test/mutex.test.ts).
 *
 * Flanagan and Godefroid's DPOR (POPL 2005), which reverses only the last race of each thread, was
 * the first version here; with sleep sets it missed executions that brute force finds (the
 * differential test's program 394). Source-DPOR (Algorithm 1 of the POPL 2014 paper), which adds
 * one initial of the reversed order to a backtrack set, came next; it ran executions that end with
 * every thread asleep (lastzero(12): 179,195 executions for 15,360 traces).
 */

/**
 * A race found when its second step was taken, reversed once the execution has ended (reverseRaces);
 * or, at a stop at a known state, a race with a thread's steps beyond it, whose next step stands
 * for them (state-cache.ts, raceSummary).
 */
export interface Race {
  /** The position of the earlier step. */
  e: number;
  /** The later step (it happens after `e`, so it is not part of the reversed order before it). */
  step: Event;
}

/**
 * For a step `step` at position `last` (the step just taken, or, where an execution stopped, the
 * step a thread would take next), which directly depends on the steps `direct`: each earlier step
 * `e` it races with, added to `out`. `wakeOf` is the position of the step that woke the thread, or -1.
 */
export function racesOf(path: Path, step: Event, wakeOf: number, acquires: string | null, direct: readonly number[], last: number, out: Race[] = []): Race[] {
  const { tid } = step;
  // For an acquisition (of a lock the explorer postpones while it is held), the releases and the
  // attempts that only slept on that lock are not what orders it: it races with the step that last
  // took the lock, whose release enabled it (Flanagan and Godefroid's "co-enabled" condition), and
  // with attempts that slept there.
  const passive = (x: number) => acquires !== null && path.steps[x]!.target === acquires && (path.steps[x]!.release || path.steps[x]!.blocked);
  const races = direct.filter((d) => path.tid(d) !== tid && d !== wakeOf && (!passive(d) || path.steps[d]!.blocked));
  if (acquires !== null) {
    const taken = lastAcquisition(path, acquires, tid, last);
    if (taken >= 0 && !races.includes(taken)) races.push(taken);
  }
  // Ordered through another step: not a race.
  for (const e of races) if (!direct.some((x) => x !== e && x > e && !passive(x) && path.hb(e, x))) out.push({ e, step });
  return out;
}

/**
 * Reverses races of the execution on `path`, which has ended: for a race of `e` with a later step,
 * the reversed order `v` is every step of the execution after `e` that does not happen after it
 * (those after the later step too), then the later step: notdep(e, E).e' of the paper, over the
 * whole execution E, as the paper's proof needs (a sleeping thread covers the order only if it is
 * independent of all of it; SimGrid's ODPOR implementation says as much). Taking only the steps
 * up to the later one, the search ran 26 of the 32 traces of the differential test's 3-4-thread
 * program 372. It goes into the wakeup tree of the state before `e`, starting with a thread that
 * can run there; `maxSteps` bounds what a weak initial may add (wakeup-tree.ts).
 */
export function reverseRaces(path: Path, stack: readonly Node[], races: readonly Race[], maxSteps: number): void {
  for (const { e, step } of races) {
    const v: Event[] = [];
    for (let j = e + 1; j < path.length; j++) if (!path.hb(e, j)) v.push(path.event(j));
    v.push(step);
    const node = stack[e]!;
    // A thread postponed there (its acquisition would block) cannot start the reversed order.
    if (startRunnable(v, node.runnable)) insert(node.tree, v, asleep(node), maxSteps - e);
  }
}

/** Everything asleep in `node` or explored from it: what covers a sequence there already. */
function* asleep(node: Node): Iterable<Event> {
  yield* node.sleep.values();
  yield* node.taken.values();
}

/**
 * Puts first in `v` an initial of it (a step with nothing of `v` before it that it depends on)
 * whose thread can run in the state, if `v[0]` cannot; false when none can.
 */
function startRunnable(v: Event[], runnable: readonly number[]): boolean {
  for (const { tid } of v) {
    const k = runnable.includes(tid) ? initialIndex(v, tid) : -1;
    if (k < 0) continue;
    if (k > 0) v.unshift(...v.splice(k, 1));
    return true;
  }
  return false;
}

/** The latest step before `last` of a thread other than `tid` that took the lock named `lock`, or -1. */
function lastAcquisition(path: Path, lock: string, tid: number, last: number): number {
  for (let j = last - 1; j >= 0; j--) {
    const s = path.steps[j]!;
    if (s.target === lock && s.tid !== tid && !s.release && !s.blocked && s.footprint.some((a) => accessMode(a) !== READ)) return j;
  }
  return -1;
}

/**
 * Where an execution stops early (a cut at maxSteps, a violation, or every thread that can run
 * asleep while an acquisition waits to be taken), the threads that could still
 * run have a next step this execution did not take, and a failure may lie in it. Its races with the
 * path are reversed as if it had been taken. And the order that runs the step within `limit` steps
 * (maxSteps, or the length of the shortest failure so far) is scheduled too: at the deepest state
 * where the path leaves the step's causal past early enough for the rest of that past and the step
 * to fit, the rest of that past and the step, as a strict branch of its wakeup tree. A cut in that
 * execution takes it further.
 */
export function pendingSteps(path: Path, stack: readonly Node[], exec: Execution, limit: number, maxSteps: number): void {
  const end = stack[path.length]!;
  for (const t of exec.threads) {
    if (!t.runnable || end.sleep.has(t.index)) continue;
    const wakeOf = t.pending!.wake ? t.wokenBy : -1;
    const footprint = exec.pendingFootprint(t);
    const { clock, direct } = path.dependencies(t.index, wakeOf, footprint);
    const step: Event = { tid: t.index, id: path.nextId(t.index), wakeOf: wakeOf < 0 ? -1 : path.ids[wakeOf]!, footprint, stops: true };
    reverseRaces(path, stack, racesOf(path, step, wakeOf, t.pending!.blocks ? t.pending!.target!.name : null, direct, path.length), maxSteps);
    // Walking back: `after` counts the steps of the causal past after position i.
    let after = 0;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path.before(i, clock)) {
        after++;
        continue;
      }
      if (i + after + 1 > limit) continue;
      const v: Event[] = [];
      for (let j = i + 1; j < path.length; j++) if (path.before(j, clock)) v.push(path.event(j));
      v.push(step);
      insert(stack[i]!.tree, v, stack[i]!.sleep.values(), limit - i, true);
      break;
    }
  }
}
