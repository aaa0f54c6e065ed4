import { CONFLICTING, type Access } from '../object.ts';
import type { Node } from './node.ts';
import type { Path } from './path.ts';
import { untaken } from './wakeup-tree.ts';
import { reverseRaces } from './races.ts';

/**
 * The state cache: stateful DPOR. A state the search has explored in full is remembered, by its
 * fingerprint (core/fingerprint.ts), with the threads asleep when it was explored, a summary of
 * every step taken from it, its depth and its height (the most steps an execution took beyond it).
 * When an execution comes back to it, it stops there: what lies beyond was explored already. This
 * follows two papers:
 *
 * - Godefroid, "Partial-order methods for the verification of concurrent systems" (LNCS 1032,
 *   1996), Chapter 6, state-space caching with sleep sets: a state explored with sleep set S
 *   covers a later visit whose sleep set contains S. A later visit with threads awake that slept
 *   the first time explores from the state those threads alone (the others were explored from it
 *   then), and the state is then known as explored with the threads asleep both times.
 * - Yang, Chen, Gopalakrishnan and Kirby, "Efficient stateful dynamic partial order reduction"
 *   (SPIN 2008): a dynamic reduction finds races as the steps are taken, so stopping at a known
 *   state would hide the races between the new path to it and the steps beyond it. Those steps
 *   are kept as a summary, and at the stop each of them is raced against the path as Flanagan and
 *   Godefroid's DPOR (POPL 2005) does, conservatively: without the happens-before order of the
 *   steps beyond the state, every dependent pair counts as a race.
 *
 * The summary is, per thread, the accesses (object and mode) of its steps from the state on, and
 * of the steps it had pending where an execution below ended. A race between a step of the path
 * and a thread's summary adds that thread to the state before the step, or every thread that can
 * run there when it cannot (Flanagan and Godefroid's rule), unless it is asleep or explored there.
 * Three kinds of step are not races: one that happens before the thread's last step on the path
 * (and so before all it does beyond); one that happens before, or is, the step that woke the
 * thread since (its next step follows the wake-up); and one before which the thread's acquisition
 * of a held mutex was postponed (it races with the holder's acquisition instead, as in races.ts).
 *
 * Only states whose whole subtree is clean are remembered: no execution below broke a rule or was
 * cut at maxSteps. An execution below may end in a deadlock or a failed end check: such a failure
 * is the whole execution, so it is as long as the path to the state plus the steps beyond it, and
 * the state keeps the fewest steps beyond it to one. A stop there hides only failures longer than
 * the shortest found (a revisit stops only where its depth plus those steps exceeds it; a tie may
 * have fewer thread switches, so it is explored), and the shortest failure is still found. (A rule
 * broken beyond a state would be as big as its causal past, which the path to the state changes,
 * so such a state is not remembered. Once a rule is broken anywhere, the search goes on without
 * the cache, explorer.ts: stops made after that hid a shorter violation on two case rows, where a
 * stop's one-thread branches led elsewhere than the whole reversed orders that exploring the steps
 * beyond inserts; engine/test/state-cache-violations.test.ts.) Two paths to one state can
 * differ in length (a blocked attempt is a step of its own), and a stop must not hide a cut at
 * maxSteps either: a state is stopped at from no deeper than it was explored (every execution
 * beyond then ends sooner), or where its height still ends before maxSteps. From the first failure
 * on, the search is strict (explorer.ts): no stop from a shallower visit, which hides executions
 * shorter than any explored beyond the state (hmm no-unwind: a 30-step deadlock with four thread
 * switches reported where the stateless search finds one with three), and a stop's races reversed
 * as whole orders, not one-thread branches (cxl fixed: an end check failing at one of its end
 * states found in a longer execution than the stateless search's;
 * engine/test/state-cache-ends.test.ts).
 */

/**
 * A search whose first GIVE_UP_AFTER keys found no state a second time stops writing states down
 * (a broken rule in most executions leaves no state clean to remember; keys would only cost time).
 * Sound: from then on it is the stateless search, and each stop before it raced what it skipped.
 */
export const GIVE_UP_AFTER = 8_000;

/**
 * Which states are looked up and remembered (`stateCache: true`, the default): those where the
 * search has a choice, at least two threads awake, none of them with a step of its own next (the
 * search takes that first: explorer.ts). Where one is awake, the search goes on with it alone
 * (a thread asleep is never a branch, nor is a postponed acquisition), so a stop there would save
 * one step; where none is, the execution ends there anyway. A state without a key is never stopped
 * at, and the steps from it go into the summary of the nearest state above it that has one. Only
 * what changed since the last key is written down (core/fingerprint.ts), yet a key costs several
 * steps' time, and about two states in five have no choice. (`stateCache: n` looks up every n-th
 * state instead, choice or not: `stateCache: 1` stops as often as the cache can, which is what the
 * differential test wants.)
 */
export function hasChoice(node: Pick<Node, 'runnable' | 'sleep'>): boolean {
  let awake = 0;
  for (const t of node.runnable) if (!node.sleep.has(t) && ++awake === 2) return true;
  return false;
}

/**
 * Per thread, the accesses of its steps from a state on: for each object and thread
 * (`object * threads + thread`), the modes it was accessed in, as bits (`1 << mode`).
 */
export interface Summary {
  threads: number;
  accesses: Map<number, number>;
}

export function emptySummary(threads: number): Summary {
  return { threads, accesses: new Map() };
}

export function addAccesses(summary: Summary, tid: number, footprint: readonly Access[]): void {
  const { accesses, threads } = summary;
  for (const a of footprint) {
    const k = (a >> 2) * threads + tid;
    accesses.set(k, (accesses.get(k) ?? 0) | (1 << (a & 3)));
  }
}

export function mergeSummary(into: Summary, from: Summary): void {
  const accesses = into.accesses;
  for (const [k, modes] of from.accesses) accesses.set(k, (accesses.get(k) ?? 0) | modes);
}

export interface Known {
  /** The threads asleep in the state when it was explored. */
  sleep: number[];
  summary: Summary;
  /** The depth it was explored at, and the most steps an execution took beyond it. */
  depth: number;
  height: number;
  /** The fewest steps beyond it to a deadlock or a failed end check (Infinity if none ends so). */
  toEndFailure: number;
}

export class StateCache {
  readonly #known = new Map<string, Known>();

  get size(): number {
    return this.#known.size;
  }

  /**
   * The known state visited again at `depth` with `sleep` asleep, where maxSteps cuts nothing
   * beyond, every failure beyond is longer than `shortest` and, once a failure is found, it was
   * explored no deeper; and the threads asleep then that are awake now (none: the state is
   * covered). Otherwise null.
   */
  visit(key: string, sleep: ReadonlyMap<number, unknown>, depth: number, maxSteps: number, shortest: number): { known: Known; awake: number[] } | null {
    const k = this.#known.get(key);
    if (!k || (shortest < Infinity && depth < k.depth) || (depth > k.depth && depth + k.height >= maxSteps) || (k.toEndFailure < Infinity && depth + k.toEndFailure <= shortest)) return null;
    return { known: k, awake: k.sleep.filter((t) => !sleep.has(t)) };
  }

  /** Remembers a state explored in full; explored again with fewer threads asleep, what is known of it then. */
  remember(key: string, known: Known): void {
    const k = this.#known.get(key);
    if (!k || (known.sleep.length < k.sleep.length && known.sleep.every((t) => k.sleep.includes(t)))) this.#known.set(key, known);
  }
}

/** Whether a step with `footprint` conflicts with any access of thread `p` in `summary`. */
function conflicts(footprint: readonly Access[], summary: Summary, p: number): boolean {
  const { accesses, threads } = summary;
  for (const a of footprint) {
    const modes = accesses.get((a >> 2) * threads + p);
    if (modes !== undefined && (modes & CONFLICTING[a & 3]!) !== 0) return true;
  }
  return false;
}

/**
 * Races the steps beyond a known state (its summary) against the path that came back to it: for
 * each step of the path and each other thread whose summary it conflicts with, that thread (or,
 * where it cannot run, every thread that can) becomes a branch of the state before the step; or,
 * `whole`, the path's steps after it that do not happen after it, then that thread's next step
 * (races.ts, reverseRaces).
 */
export function raceSummary(path: Path, stack: readonly Node[], summary: Summary, maxSteps: number, whole: boolean): void {
  // A step that happens before a thread's last step on the path happens before all it does beyond;
  // so does one that happens before (or is) the step that woke it since.
  const last = Array.from({ length: summary.threads }, (_, p) => path.lastOf(p));
  const woken = last.map((l, p) => {
    for (let j = l + 1; j < path.length; j++) if (path.steps[j]!.woke.includes(p)) return j;
    return -1;
  });
  for (let i = 0; i < path.length; i++) {
    const step = path.steps[i]!;
    const node = stack[i]!;
    for (let p = 0; p < summary.threads; p++) {
      if (p === step.tid || !conflicts(step.footprint, summary, p)) continue;
      if (last[p]! >= 0 && path.hb(i, last[p]!)) continue;
      const w = woken[p]!;
      if (w >= 0 && (w === i || path.hb(i, w))) continue;
      if (node.runnable.includes(p)) {
        if (whole) reverseRaces(path, stack, [{ e: i, step: untaken(p) }], maxSteps);
        else addBranch(node, p);
      }
      // A postponed acquisition waits for the mutex: it races with the acquisition of the holder, where it was free.
      else if (!node.postponed.includes(p)) for (const r of node.runnable) addBranch(node, r);
    }
  }
}

function addBranch(node: Node, tid: number): void {
  if (node.taken.has(tid) || node.sleep.has(tid)) return;
  if (node.tree.children.some((c) => c.tid === tid)) return;
  node.tree.add(untaken(tid));
}
