import type { Execution } from '../execution.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';

/**
 * Races and their reversal, after Source-DPOR (Abdulla, Aronis, Jonsson and Sagonas, "Optimal
 * dynamic partial order reduction", POPL 2014, Algorithm 1). When a step is taken, each earlier step
 * of another thread that it races with (dependent, and not ordered through a third step) is a place
 * where the opposite order must also be explored: before that earlier step, the search adds a
 * thread that can start the reversed order (an "initial" of it), unless one is already there. A
 * step that completes a wait happens after the step that woke its thread; the two are never enabled
 * together, so that pair is never reversed.
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
export function reverseRaces(path: Path, stack: readonly Node[], tid: number, wakeOf: number, clock: Int32Array, direct: readonly number[], last: number): void {
  const before = (a: number, b: number) => (b === last ? path.before(a, clock) : path.hb(a, b));
  for (const e of direct) {
    if (path.tid(e) === tid || e === wakeOf) continue;
    if (direct.some((d) => d !== e && d > e && path.hb(e, d))) continue; // ordered through another step: not a race
    const node = stack[e]!;
    const v: number[] = [];
    for (let j = e + 1; j < last; j++) if (!path.hb(e, j)) v.push(j);
    v.push(last);
    const initials: number[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < v.length; k++) {
      const j = v[k]!;
      const t = j === last ? tid : path.tid(j);
      if (seen.has(t)) continue;
      seen.add(t);
      let first = true;
      for (let m = 0; m < k && first; m++) if (before(v[m]!, j)) first = false;
      if (first) initials.push(t);
    }
    if (initials.some((t) => node.backtrack.has(t))) continue;
    initials.sort((a, b) => a - b);
    node.backtrack.add(initials.find((t) => !node.sleep.has(t)) ?? initials[0]!);
  }
}

/**
 * Where an execution stops early (a cut at maxSteps, or a violation), the threads that could still
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
    reverseRaces(path, stack, t.index, wakeOf, clock, direct, path.length);
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
