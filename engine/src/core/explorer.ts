import { now } from './clock.ts';
import { Execution, type Instantiable, type Terminal } from './execution.ts';
import { encodeSchedule } from './schedule.ts';
import { snapshotOf, terminalOutcome } from './simulation.ts';
import type { WorldObserver } from './world.ts';
import { Budget } from './search/budget.ts';
import { newNode, sleepAfter, type Node } from './search/node.ts';
import { WakeupTree, untaken } from './search/wakeup-tree.ts';
import { validateOptions, type Bound, type ExploreOptions, type ExploreStats, type ResolvedOptions } from './search/options.ts';
import { Path } from './search/path.ts';
import { pendingSteps, racesOf, reverseRaces, type Race } from './search/races.ts';
import { Shortest, type Failure } from './search/shortest.ts';
import { GIVE_UP_AFTER, StateCache, addAccesses, emptySummary, hasChoice, mergeSummary, raceSummary } from './search/state-cache.ts';
import { StateKeys } from './fingerprint.ts';
import { exploreLiveness } from './liveness/search.ts';

export { DEFAULT_OPTIONS, validateOptions, type Bound, type ExecutionSummary, type ExploreOptions, type ExploreStats, type ResolvedOptions } from './search/options.ts';
export type { Failure, FailureKind } from './search/shortest.ts';

/**
 * The search loop: stateless exploration, depth first, after Optimal-DPOR (Abdulla, Aronis, Jonsson
 * and Sagonas, "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction", JACM 2017,
 * Algorithm 2), run iteratively. Each execution is replayed from scratch; the search keeps, for the
 * current path, one node per state with its sleep set and wakeup tree (search/node.ts,
 * search/wakeup-tree.ts) and each step with its vector clock (search/path.ts). Races are found as
 * steps are taken, and reversed into the wakeup trees once the execution has ended, each over the
 * whole execution (search/races.ts); an execution follows the wakeup tree of each state it passes,
 * and where the tree ends, continues with a thread's own step where one is awake, else with the
 * awake thread that has waited longest. Bounds and the clock are in search/budget.ts; the shortest
 * failure is chosen in search/shortest.ts.
 *
 * An execution ends when no thread can run, at its first violation (as a replay does), or at
 * maxSteps; the steps it left untaken are scheduled where they fit (races.ts, pendingSteps). A
 * contended mutex acquisition is postponed until the mutex is free (Execution.schedulable), so it is
 * one step, as locks are in the DPOR literature.
 * With `reduction: 'none'` or a preemption bound, every schedule is enumerated instead.
 */

export interface ExploreResult {
  failure: Failure | null;
  /** The bound that stopped the search from being exhaustive, with a sentence saying how. */
  incomplete: { bound: Bound; message: string } | null;
  stats: ExploreStats;
  options: ResolvedOptions;
}

type End = Terminal | 'violation' | 'redundant' | 'stopped';

export function exploreScenario(
  scenario: Instantiable,
  options: ExploreOptions = {},
  observers: () => readonly WorldObserver[] = () => [],
): ExploreResult {
  const o = validateOptions(options);
  if (o.liveness) return { ...exploreLiveness(scenario, o, observers, options.onProgress), options: o };
  const dpor = o.reduction === 'dpor' && o.preemptionBound === Infinity;
  const stats: ExploreStats = { executions: 0, steps: 0, redundant: 0, pruned: 0, failing: 0, longest: 0, ms: 0 };
  const budget = new Budget(o, options.onProgress, stats);
  const shortest = new Shortest();
  let exec = new Execution(scenario, observers());
  const path = new Path(exec.threads.length);
  const stack: Node[] = [];
  /** The races found in the current execution, reversed once it has ended. */
  const races: Race[] = [];

  /** Choosing `tid` in the state at `depth` preempts the previous thread if that one could still run. */
  const preemptionsWith = (node: Node, tid: number, depth: number): number => {
    if (depth === 0) return node.preemptions;
    const prev = path.tid(depth - 1);
    return node.preemptions + (prev !== tid && node.runnable.includes(prev) ? 1 : 0);
  };

  const root = new WakeupTree(null);
  const cache = dpor && o.stateCache !== 0 ? new StateCache() : null;
  /**
   * An awake thread whose next step is its own, or undefined: a step about no object that touches
   * none (kmap_local_page, pagefault_disable), and neither completes a wait nor is an acquisition.
   * It commutes with every step of every other thread.
   */
  const ownStepAwake = (node: Node) =>
    node.runnable.find((tid) => {
      const t = exec.threads[tid]!;
      const a = t.pending!;
      return !node.sleep.has(tid) && a.target === null && !a.wake && a.blocks === undefined && exec.pendingFootprint(t).length === 0;
    });
  /**
   * Whether the state at `depth` is written down: the root and those with a choice, but where a
   * thread's own step is awake (the search takes it first, and writes down the state after it), or
   * every n-th (search/state-cache.ts).
   */
  const writtenDown = (node: Node, depth: number) => (o.stateCache === 'choices' ? depth === 0 || (hasChoice(node) && ownStepAwake(node) === undefined) : depth % o.stateCache === 0);
  const keys = cache && new StateKeys();
  if (cache) stats.revisits = stats.reexplored = 0;
  // States are written down from the first execution on, and not once GIVE_UP_AFTER keys have found no state again or a rule is broken.
  let caching = cache !== null;
  let keyed = 0;
  /**
   * A stop at a known state can hide the shortest failure, so the search is strict from its first
   * failure on (once `shortest.size` is finite). Two paths to one state can differ in length, and a
   * stop from a visit shallower than the state was explored at hides executions shorter than any
   * explored beyond it: a strict search makes no such stop (search/state-cache.ts, visit). And a
   * stop races the steps beyond the state, which it knows only as a summary, with the path: a strict
   * search reverses each such race as a whole order, the path's steps after the racing one that do
   * not happen after it, then the thread's next step (state-cache.ts, raceSummary), not as that
   * thread alone, which can lead elsewhere than the shortest order. Until a failure is found
   * neither rule is needed to reach every end state, and both cost executions where nothing fails.
   */
  /** The depth of the last state written down. */
  let keyDepth = 0;
  /** The most steps an execution has taken, one that stopped at a known state counting the known state's height. */
  let longest = 0;
  const reached = (node: Node, depth: number) => {
    node.reach = depth;
    longest = Math.max(longest, depth);
  };

  const pushNode = (): Node => {
    const depth = path.length;
    const parent = stack[depth - 1];
    const sleep = dpor && parent ? sleepAfter(parent, parent.current!.event!) : new Map();
    const preemptions = parent ? preemptionsWith(parent, path.tid(depth - 1), depth - 1) : 0;
    const node = newNode(exec.schedulable(), sleep, preemptions, parent ? parent.current! : root, !dpor, depth > 0 ? path.tid(depth - 1) : -1);
    if (caching) for (const t of exec.threads) if (t.runnable && !node.runnable.includes(t.index)) node.postponed.push(t.index);
    if (caching && writtenDown(node, depth)) node.summary = emptySummary(exec.threads.length);
    node.into = node.summary ?? parent?.into ?? null;
    stack.push(node);
    return node;
  };

  const take = (node: Node, branch: WakeupTree) => {
    node.current = branch;
    const rec = exec.step(branch.tid);
    if (caching) keys!.touched(rec.footprint);
    const { direct } = path.push(rec);
    const last = path.length - 1;
    branch.event = path.event(last, exec.violations.length > 0);
    node.taken.set(rec.tid, branch.event);
    const into = caching ? stack[last]!.into : null;
    if (into) addAccesses(into, rec.tid, rec.footprint);
    if (dpor) racesOf(path, branch.event, rec.wakeOf, rec.acquire ? rec.target : null, direct, last, races);
  };

  /**
   * The first branch of the node's tree that can be taken, dropping those that cannot (asleep,
   * explored, postponed, past the preemption bound, or explored at an earlier visit of the state).
   */
  const firstBranch = (node: Node, depth: number): WakeupTree | null => {
    const tree = node.tree;
    while (tree.children.length > 0) {
      const branch = tree.children[0]!;
      const tid = branch.tid;
      if (!node.taken.has(tid) && !node.sleep.has(tid) && node.runnable.includes(tid) && (node.revisit === null || node.revisit.awake.includes(tid)) && budget.withinPreemptions(preemptionsWith(node, tid, depth))) return branch;
      tree.children.shift();
    }
    return null;
  };

  /** Runs the current execution to its end, following the wakeup tree, then the thread that has waited longest. */
  const runToEnd = (): End => {
    for (;;) {
      const depth = path.length;
      const node = pushNode();
      const end = exec.violations.length > 0 ? 'violation' : exec.terminal(o.maxSteps);
      if (end) {
        node.tree.children.length = 0; // nothing is explored past the end
        reached(node, depth);
        if (dpor && (end === 'violation' || end.kind === 'cut')) pendingSteps(path, stack, exec, Math.min(o.maxSteps, shortest.size), o.maxSteps);
        return end;
      }
      // A state that goes on is written down (one where the execution ends needs no key: a revisit ends there too).
      if (node.summary && caching) {
        node.key = keys!.key(exec);
        keyDepth = depth;
        if (++keyed === GIVE_UP_AFTER && stats.revisits === 0) caching = false;
      }
      const visit = node.key === null || !caching ? null : cache!.visit(node.key, node.sleep, depth, o.maxSteps, shortest.size);
      if (visit) {
        // Explored before: race what lies beyond with this path.
        const { known, awake } = visit;
        raceSummary(path, stack, known.summary, o.maxSteps, shortest.size < Infinity);
        mergeSummary(node.summary!, known.summary);
        reached(node, depth + known.height);
        node.endFailure = depth + known.toEndFailure;
        if (awake.length === 0) {
          // No more asleep than now: stop.
          stats.revisits!++;
          return 'redundant';
        }
        // Threads slept then that are awake now: each of them is explored from here, and no other
        // thread (Godefroid's state caching with sleep sets); then it is known as explored with
        // the threads asleep both times.
        node.revisit = { awake, sleep: known.sleep.filter((t) => node.sleep.has(t)), depth: Math.min(known.depth, depth) };
        stats.reexplored!++;
        for (const t of awake) if (!node.tree.children.some((c) => c.tid === t)) node.tree.add(untaken(t));
      }
      let branch = firstBranch(node, depth);
      if (!branch) {
        // A leaf of the wakeup tree: any thread that is awake. A thread's own step goes first: it
        // commutes with everything, so taking it now leaves one state fewer to write down
        // (userfaultfd fixed pages=4: 3,398 executions where it took 3,816). Otherwise the first
        // execution takes the thread that ran last, so runs the previous thread on where it can; the
        // later ones take first the awake thread whose last step is furthest back, which reaches
        // states the cache knows sooner (intel-svm fixed devices=2 requests=2: 17,124 executions
        // where running the previous thread on takes 23,768).
        const choices = node.runnable.filter((t) => !node.sleep.has(t));
        if (choices.length === 0) {
          // Everything that can run is asleep: what it would do is equivalent to an execution explored
          // before, no longer than the longest. An acquisition postponed here was never taken.
          reached(node, longest);
          if (dpor) pendingSteps(path, stack, exec, Math.min(o.maxSteps, shortest.size), o.maxSteps);
          const into = caching ? node.into : null;
          if (into) for (const t of exec.threads) if (t.runnable) addAccesses(into, t.index, exec.pendingFootprint(t));
          return 'redundant';
        }
        const own = ownStepAwake(node);
        // (A stable sort: threads that have not run yet stay in index order.)
        const first = stats.executions === 0 ? -1 : 1;
        if (own !== undefined) choices.unshift(own);
        else choices.sort((a, b) => (path.lastOf(a) - path.lastOf(b)) * first);
        const pick = choices.find((t) => budget.withinPreemptions(preemptionsWith(node, t, depth)));
        if (pick === undefined) {
          reached(node, o.maxSteps);
          return 'redundant';
        }
        branch = node.tree.add(untaken(pick));
      }
      take(node, branch);
      if (!budget.step()) return 'stopped';
    }
  };

  /** A state explored in full: remembered if clean, and its summary, cleanness and shortest end failure passed up. */
  const finish = (d: number) => {
    const node = stack[d]!;
    if (d === 0) return;
    const parent = stack[d - 1]!;
    parent.reach = Math.max(parent.reach, node.reach);
    if (!caching) return;
    parent.clean &&= node.clean;
    parent.endFailure = Math.min(parent.endFailure, node.endFailure);
    if (node.key === null) return;
    // A state visited again counts the known state's height in its reach, and its summary in its own.
    const again = node.revisit;
    if (node.clean) cache!.remember(node.key, { sleep: again ? again.sleep : [...node.sleep.keys()], summary: node.summary!, depth: again ? again.depth : d, height: node.reach - d, toEndFailure: node.endFailure - d });
    const into = parent.into;
    if (into) mergeSummary(into, node.summary!);
  };

  /** The deepest state with a branch still to explore, and that branch. */
  const nextBranch = (): { depth: number; branch: WakeupTree } | null => {
    for (let d = stack.length - 1; d >= 0; d--) {
      const node = stack[d]!;
      if (node.current) node.tree.remove(node.current);
      node.current = null;
      const branch = firstBranch(node, d);
      if (branch) return { depth: d, branch };
      finish(d);
    }
    return null;
  };

  const recordOutcome = (end: Exclude<End, 'stopped'>) => {
    stats.executions++;
    stats.longest = Math.max(stats.longest, path.length);
    const consider = (kind: Failure['kind'], message: string, rule: string | null, indices: number[]) => {
      stats.failing++;
      shortest.consider({ kind, message, rule, indices }, path, budget.deadline);
    };
    if (end === 'redundant') {
      stats.redundant++;
      return;
    }
    const leaf = stack[stack.length - 1]!;
    if (end === 'violation' || end.kind === 'cut') leaf.clean = false;
    else if (end.kind !== 'ok') leaf.endFailure = path.length;
    const all = () => path.steps.map((_, i) => i);
    if (end === 'violation') {
      for (const v of exec.violations) consider('violation', v.message, v.rule, v.step < 0 ? [] : path.causalPast(v.step));
      // Once a rule is broken, the search goes on without the state cache, to find the shortest one.
      // A violation's size is its causal past, which the order of the steps decides, and a stop races
      // the steps beyond a known state with one-thread branches (a summary keeps no order), where
      // exploring them inserts each reversed order whole: on hmm no-spinlock at ranges=2 a stop put
      // "thread 2, then anything" at depth 14 where the stateless search puts 13 steps of thread 2,
      // and the 14-step violation was never run (15 steps). Each stop before raced what it skipped.
      caching = false;
      return;
    }
    switch (end.kind) {
      case 'deadlock':
        consider('deadlock', end.message, null, all());
        break;
      case 'end':
        consider(end.failure.verdict, end.failure.message, end.failure.verdict === 'leak' ? 'leak' : 'end', all());
        break;
      case 'cut':
        budget.hit('maxSteps', end.message);
        break;
      case 'ok':
        break;
    }
  };

  for (;;) {
    const end = runToEnd();
    if (end === 'stopped') break;
    reverseRaces(path, stack, races, o.maxSteps);
    races.length = 0;
    recordOutcome(end);
    if (options.onExecution) {
      const world = exec.world;
      options.onExecution({
        verdict: end === 'redundant' || end === 'violation' ? end : terminalOutcome(end).verdict,
        schedule: encodeSchedule(path.steps.map((s) => s.tid)),
        steps: path.length,
        snapshot: () => snapshotOf(world),
      });
    }
    const branch = nextBranch();
    if (!branch || !budget.anotherExecution()) break;
    // Replay the prefix in a fresh world, then take the alternative.
    stack.length = branch.depth + 1;
    // The steps between the last key and the branch: what they touched is written down again.
    const between = caching ? path.steps.slice(Math.min(branch.depth, keyDepth)) : [];
    path.truncate(branch.depth);
    // The world just run is done with, unless onExecution was given its snapshot to read.
    if (!options.onExecution) exec.world.dispose();
    exec = new Execution(scenario, observers());
    for (let i = 0; i < branch.depth; i++) {
      const expected = path.steps[i]!;
      const rec = exec.step(expected.tid);
      if (rec.op !== expected.op || rec.target !== expected.target) {
        throw new Error(
          `the scenario '${scenario.name}' is not deterministic: replaying step ${i + 1}, ${exec.threads[expected.tid]!.name} did ${rec.op}(${rec.target ?? ''}) where it did ${expected.op}(${expected.target ?? ''}) before. ` +
            'Threads must share state only through engine objects (a JavaScript variable shared between threads, Math.random or Date.now breaks replay).',
        );
      }
      if (!budget.step()) break;
    }
    keys?.rewind(between, exec.world.objects.length);
    if (budget.outOfTime) break;
    take(stack[branch.depth]!, branch.branch);
  }

  stats.ms = Math.round(now() - budget.started);
  if (cache) stats.states = cache.size;
  return { failure: shortest.best, incomplete: budget.incomplete, stats, options: o };
}
