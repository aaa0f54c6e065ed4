import type { Execution } from '../execution.ts';
import { READ, accessMode } from '../object.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';

/**
 * Races and their reversal, after Source-DPOR (Abdulla, Aronis, Jonsson and Sagonas, "Optimal
 * dynamic partial order reduction", POPL 2014, Algorithm 1). When a step is taken, each earlier step
 * of another thread that it races with (dependent, and not ordered through a third step) is a place
 * where the opposite order must also be explored: before that earlier step, the search adds a
 * thread that can start the reversed order (an "initial" of it), unless one is already there. A
 * step that completes a wait happens after the step that woke its thread; the two are never enabled
 * together, so that pair is never reversed. Likewise a mutex acquisition, which the explorer only
 * takes once the mutex is free (Action.blocks): it is not in race with the release that enabled it,
 * but with the acquisition before that release, as in Flanagan and Godefroid's algorithm, where
 * only co-enabled steps race; a thread that is postponed where a race would be reversed cannot
 * start the reversed order there.
 *
 * Flanagan and Godefroid's DPOR (POPL 2005), which reverses only the last race of each thread, was
 * the first version here; with sleep sets it missed executions that brute force finds (the
 * differential test's program 394), which is why this one replaced it.
 */

/**
 * For a step of thread `tid` at position `last` (the step just taken, or, where an execution
 * stopped, the step a thread would take next) with vector clock `clock`, and each earlier step `e`
 * it races with: the reversed order `v` is the steps after `e` that do not happen after it, then
 * the step. Its initials are the threads whose first step in `v` has nothing in `v` before it.
 */
export function reverseRaces(path: Path, stack: readonly Node[], tid: number, wakeOf: number, acquires: string | null, clock: Int32Array, direct: readonly number[], last: number): void {
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
  for (const e of races) {
    if (direct.some((x) => x !== e && x > e && !passive(x) && path.hb(e, x))) continue; // ordered through another step: not a race
    const node = stack[e]!;
    // The first step of each thread in v (its own clock entry there), in path order.
    const firsts: { t: number; clock: Int32Array }[] = [];
    const seen = new Set<number>();
    const see = (t: number, c: Int32Array) => {
      if (seen.has(t)) return;
      seen.add(t);
      firsts.push({ t, clock: c });
    };
    for (let j = e + 1; j < last; j++) if (!path.hb(e, j)) see(path.tid(j), path.clocks[j]!);
    see(tid, clock);
    // A first step has a step of v before it exactly when the first step in v of some thread
    // happens before it; one comparison per thread, so the search stays linear in the path.
    const initials = firsts
      .filter((f) => !firsts.some((g) => g !== f && g.clock[g.t]! <= f.clock[g.t]!))
      .map((f) => f.t);
    // A thread postponed there (its acquisition would block) cannot start the reversed order.
    const enabled = initials.filter((t) => node.runnable.includes(t)).sort((a, b) => a - b);
    if (enabled.length === 0 || enabled.some((t) => node.backtrack.has(t))) continue;
    node.backtrack.add(enabled.find((t) => !node.sleep.has(t)) ?? enabled[0]!);
  }
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
 * to fit, the thread that starts the rest. A cut in that execution takes it further.
 */
export function pendingSteps(path: Path, stack: readonly Node[], exec: Execution, limit: number): void {
  const end = stack[path.length]!;
  for (const t of exec.threads) {
    if (!t.runnable || end.sleep.has(t.index)) continue;
    const wakeOf = t.pending!.wake ? t.wokenBy : -1;
    const { clock, direct } = path.dependencies(t.index, wakeOf, exec.pendingFootprint(t));
    reverseRaces(path, stack, t.index, wakeOf, t.pending!.blocks ? t.pending!.target!.name : null, clock, direct, path.length);
    // Walking back: `after` counts the steps of the causal past after position i.
    let after = 0;
    let first = t.index;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path.before(i, clock)) {
        after++;
        first = path.tid(i);
        continue;
      }
      if (i + after + 1 > limit) continue;
      if (!stack[i]!.sleep.has(first)) stack[i]!.backtrack.add(first);
      break;
    }
  }
}
