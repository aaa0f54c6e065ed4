import { now } from './clock.ts';
import { count } from './plural.ts';
import { Execution, type Instantiable, type StepRecord, type Terminal, type ViolationRecord } from './execution.ts';
import { fewestSwitches } from './linearize.ts';
import { WRITE, modesConflict, footprintsConflict, type Access, type Mode } from './object.ts';
import { countSwitches, encodeSchedule } from './schedule.ts';
import { snapshotOf, terminalOutcome, type Verdict, type WorldSnapshot } from './simulation.ts';
import type { WorldObserver } from './world.ts';

/**
 * Source-DPOR (Abdulla, Aronis, Jonsson and Sagonas, "Optimal dynamic partial order reduction",
 * POPL 2014) with sleep sets, run iteratively. Each execution is replayed from scratch; the explorer
 * keeps, for the current path, the state before each step (which threads could run, which
 * alternatives are still to explore, which are asleep) and a vector clock per step.
 *
 * Two steps are dependent when they touch one object in conflicting modes. When a step is taken, each
 * earlier step of another thread that it races with (dependent, and not ordered through a third
 * step) is a place where the opposite order must also be explored: the explorer adds, before that
 * earlier step, a thread that can start the reversed order (an "initial" of it), unless one is
 * already there. A step that completes a wait happens after the step that woke its thread; the two
 * are never enabled together, so that pair is never reversed.
 *
 * Flanagan and Godefroid's DPOR (POPL 2005), which reverses only the last race of each thread, was
 * the first version here; with sleep sets it missed executions that brute force finds (the
 * differential test's program 394), which is why this one replaced it.
 */

export type Bound = 'maxExecutions' | 'maxSteps' | 'timeBudgetMs' | 'preemptionBound';
export type FailureKind = 'deadlock' | 'violation' | 'leak';

export interface ExploreOptions {
  /** Stop after this many executions. */
  maxExecutions?: number;
  /** Cut an execution after this many steps (a thread that never ends runs into it). */
  maxSteps?: number;
  /** Stop after this much time. The only option that can make a report vary between runs. */
  timeBudgetMs?: number;
  /**
   * Explore only schedules with at most this many preemptions (switches away from a runnable
   * thread), as CHESS does. The reduction does not survive a bound (an order it would skip as
   * equivalent may be the only one within the bound), so a bounded search enumerates every schedule
   * within the bound: exact, and slower per schedule.
   */
  preemptionBound?: number;
  /** `'dpor'` (default) or `'none'`: enumerate every interleaving (for checking the reduction). */
  reduction?: 'dpor' | 'none';
  /** Called about every 100 ms with the progress so far. */
  onProgress?: (stats: ExploreStats) => void;
  /** Called after each execution, to see every execution the search tried. */
  onExecution?: (execution: ExecutionSummary) => void;
}

/** One execution the search ran to its end. */
export interface ExecutionSummary {
  /** Its outcome; `'redundant'` when it stopped because everything left was already covered. */
  verdict: Verdict | 'redundant';
  schedule: string;
  steps: number;
  /** The state at its end. */
  snapshot(): WorldSnapshot;
}

export interface ResolvedOptions {
  maxExecutions: number;
  maxSteps: number;
  timeBudgetMs: number;
  preemptionBound: number;
  reduction: 'dpor' | 'none';
}

export const DEFAULT_OPTIONS: ResolvedOptions = {
  maxExecutions: 100_000,
  maxSteps: 2_000,
  timeBudgetMs: 20_000,
  preemptionBound: Infinity,
  reduction: 'dpor',
};

export interface ExploreStats {
  /** Executions run to their end (including redundant ones). */
  executions: number;
  /** Steps taken, counting the replay of prefixes. */
  steps: number;
  /** Executions abandoned because every runnable thread was asleep (already covered elsewhere). */
  redundant: number;
  /** Schedules skipped by the preemption bound. */
  pruned: number;
  /** Executions that failed (deadlock, violation or leak). */
  failing: number;
  /** The longest execution, in steps. */
  longest: number;
  ms: number;
}

/** The shortest failing execution found. */
export interface Failure {
  kind: FailureKind;
  message: string;
  rule: string | null;
  /** Thread indices in order. */
  tids: number[];
  schedule: string;
  switches: number;
  /** Whether `switches` is proven minimal for this set of steps. */
  fewestSwitches: boolean;
  /** The whole execution it was found in, up to its end: replays even where `schedule` cannot. */
  execution: string;
  detail?: unknown;
}

export interface ExploreResult {
  failure: Failure | null;
  /** The bound that stopped the search from being exhaustive, with a sentence saying how. */
  incomplete: { bound: Bound; message: string } | null;
  stats: ExploreStats;
  options: ResolvedOptions;
}

interface Node {
  /** Threads runnable in the state before this step. */
  runnable: number[];
  backtrack: Set<number>;
  done: Set<number>;
  /** Transitions asleep here (already covered), with their footprints. */
  sleep: Map<number, readonly Access[]>;
  /** Footprints of the transitions explored from here. */
  taken: Map<number, readonly Access[]>;
  /** Preemptions on the path before this step. */
  preemptions: number;
  tid: number;
}

interface Candidate {
  kind: FailureKind;
  message: string;
  rule: string | null;
  detail?: unknown;
  /** Steps (indices in the execution) that make up the failure. */
  indices: number[];
}

export function validateOptions(options: ExploreOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new Error(`explore: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const known = new Set([...Object.keys(DEFAULT_OPTIONS), 'onProgress', 'onExecution']);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new Error(`explore: unknown option '${k}' (known: ${[...known].join(', ')})`);
  }
  const r = { ...DEFAULT_OPTIONS };
  const count = (name: 'maxExecutions' | 'maxSteps' | 'timeBudgetMs' | 'preemptionBound', min: number) => {
    const v = options[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v < min || (v !== Infinity && !Number.isInteger(v) && name !== 'timeBudgetMs')) {
      throw new Error(`explore: ${name} must be ${name === 'timeBudgetMs' ? 'a number' : 'an integer'} ≥ ${min} (or Infinity), got ${String(v)}`);
    }
    r[name] = v;
  };
  count('maxExecutions', 1);
  count('maxSteps', 1);
  count('timeBudgetMs', 1);
  count('preemptionBound', 0);
  if (r.maxSteps > 1_000_000) throw new Error(`explore: maxSteps must be at most 1000000, got ${r.maxSteps}`);
  if (options.reduction !== undefined) {
    if (options.reduction !== 'dpor' && options.reduction !== 'none') {
      throw new Error(`explore: reduction must be 'dpor' or 'none', got ${JSON.stringify(options.reduction)}`);
    }
    r.reduction = options.reduction;
  }
  for (const hook of ['onProgress', 'onExecution'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') throw new Error(`explore: ${hook} must be a function`);
  }
  return r;
}

export function exploreScenario(
  scenario: Instantiable,
  options: ExploreOptions = {},
  observers: () => readonly WorldObserver[] = () => [],
): ExploreResult {
  const o = validateOptions(options);
  const started = now();
  const dpor = o.reduction === 'dpor' && o.preemptionBound === Infinity;
  const stats: ExploreStats = { executions: 0, steps: 0, redundant: 0, pruned: 0, failing: 0, longest: 0, ms: 0 };
  let exec = new Execution(scenario, observers());
  const n = exec.threads.length;

  // The current path: one node per state, one record and clock per step.
  const stack: Node[] = [];
  const path: StepRecord[] = [];
  const clocks: Int32Array[] = [];
  const lastStepOf = new Int32Array(n).fill(-1);
  const history = new Map<number, number[]>(); // object id → step * 4 + mode, in path order

  interface Best { candidate: Candidate; tids: number[]; switches: number; optimal: boolean; schedule: string; execution: string }
  const found: { best: Best | null } = { best: null };
  let incomplete: ExploreResult['incomplete'] = null;
  /**
   * Records a bound that made the search incomplete. The first one is kept, except that a bound
   * that stopped the whole search (time, executions) replaces one that only cut executions short.
   */
  const hitBound = (bound: Bound, message: string) => {
    const stopsSearch = bound === 'timeBudgetMs' || bound === 'maxExecutions';
    if (incomplete === null || (stopsSearch && incomplete.bound !== 'timeBudgetMs' && incomplete.bound !== 'maxExecutions')) incomplete = { bound, message };
  };

  // Time is checked every few steps, so a budget holds and progress is reported within an execution.
  const deadline = started + o.timeBudgetMs;
  let lastProgress = started;
  let outOfTime = false;
  let sinceCheck = 0;
  /** Counts a step; every 64 steps, checks the clock. Returns false once out of time. */
  const tick = (): boolean => {
    stats.steps++;
    if (++sinceCheck < 64) return !outOfTime;
    return checkClock();
  };
  /** Reports progress if 100 ms have passed since the last report; returns false once out of time. */
  const checkClock = (): boolean => {
    sinceCheck = 0;
    const t = now();
    if (options.onProgress && t - lastProgress >= 100) {
      lastProgress = t;
      options.onProgress({ ...stats, ms: Math.round(t - started) });
    }
    if (t >= deadline && !outOfTime) {
      outOfTime = true;
      hitBound('timeBudgetMs', `the search stopped after ${Math.round(t - started)} ms (timeBudgetMs)`);
    }
    return !outOfTime;
  };

  /** Whether step `a` happens before step `b` (a < b). */
  const hb = (a: number, b: number): boolean => {
    const ta = path[a]!.tid;
    return clocks[b]![ta]! >= clocks[a]![ta]!;
  };

  /** The vector clock a step of `t` would have after the path, and the steps it directly depends on. */
  const dependencies = (t: number, wakeOf: number, footprint: readonly Access[]): { clock: Int32Array; direct: number[] } => {
    const clock = new Int32Array(n);
    const prev = lastStepOf[t]!;
    const direct: number[] = [];
    if (prev >= 0) {
      clock.set(clocks[prev]!);
      direct.push(prev);
    }
    if (wakeOf >= 0) {
      join(clock, clocks[wakeOf]!);
      direct.push(wakeOf);
    }
    for (const a of footprint) {
      const hist = history.get(a >> 2);
      if (!hist) continue;
      const mode = (a & 3) as Mode;
      for (let k = hist.length - 1; k >= 0; k--) {
        const e = hist[k]!;
        const other = (e & 3) as Mode;
        if (!modesConflict(mode, other)) continue;
        join(clock, clocks[e >> 2]!);
        if (!direct.includes(e >> 2)) direct.push(e >> 2);
        if (other === WRITE) break;
      }
    }
    clock[t] = (prev >= 0 ? clocks[prev]![t]! : 0) + 1;
    return { clock, direct };
  };

  /** Appends a step to the path with its vector clock; returns the earlier steps it directly depends on. */
  const recordStep = (rec: StepRecord): number[] => {
    const i = path.length;
    const { clock, direct } = dependencies(rec.tid, rec.wakeOf, rec.footprint);
    for (const a of rec.footprint) {
      let hist = history.get(a >> 2);
      if (!hist) history.set(a >> 2, (hist = []));
      hist.push(i * 4 + (a & 3));
    }
    path.push(rec);
    clocks.push(clock);
    lastStepOf[rec.tid] = i;
    return direct;
  };

  const truncatePath = (length: number) => {
    for (let i = path.length - 1; i >= length; i--) {
      for (let k = path[i]!.footprint.length - 1; k >= 0; k--) history.get(path[i]!.footprint[k]! >> 2)!.pop();
    }
    path.length = length;
    clocks.length = length;
    lastStepOf.fill(-1);
    for (let i = 0; i < length; i++) lastStepOf[path[i]!.tid] = i;
  };

  /**
   * For a step of thread `tid` at position `last` (the step just taken, or, at a cut, the step a
   * thread would take next), and each earlier step `e` it races with: before `e`, some thread must
   * start the order in which that step comes first. That order is `v`: the steps after `e` that do
   * not happen after it, then the step. Its initials are the threads whose first step in `v` has
   * nothing in `v` before it.
   */
  const addRaces = (tid: number, wakeOf: number, clock: Int32Array, direct: readonly number[], last: number) => {
    const before = (a: number, b: number) => (b === last ? clock[path[a]!.tid]! >= clocks[a]![path[a]!.tid]! : hb(a, b));
    for (const e of direct) {
      if (path[e]!.tid === tid || e === wakeOf) continue;
      if (direct.some((d) => d !== e && d > e && hb(e, d))) continue; // ordered through another step: not a race
      const node = stack[e]!;
      const v: number[] = [];
      for (let j = e + 1; j < last; j++) if (!hb(e, j)) v.push(j);
      v.push(last);
      const initials = new Set<number>();
      const seen = new Set<number>();
      for (let k = 0; k < v.length; k++) {
        const j = v[k]!;
        const t = j === last ? tid : path[j]!.tid;
        if (seen.has(t)) continue;
        seen.add(t);
        let first = true;
        for (let m = 0; m < k && first; m++) if (before(v[m]!, j)) first = false;
        if (first) initials.add(t);
      }
      if ([...initials].some((t) => node.backtrack.has(t))) continue;
      const candidates = [...initials].sort((a, b) => a - b);
      node.backtrack.add(candidates.find((t) => !node.sleep.has(t)) ?? candidates[0]!);
    }
  };

  /**
   * Where an execution stops early (a cut at maxSteps, or a violation), the threads that could still
   * run have a next step this execution did not take, and a failure may lie in it. Its races with
   * the path are reversed as if it had been taken. And the order that runs the step within the
   * bound (`limit` steps: maxSteps, or the shortest failure so far) must be explored too: the deepest
   * state where the path leaves the step's causal past early enough for the rest of that past and
   * the step to fit gets, to explore, the thread that starts the rest. A later cut takes it further.
   */
  const racesOfPending = (limit: number) => {
    const end = stack[path.length]!;
    for (const t of exec.threads) {
      if (!t.runnable || end.sleep.has(t.index)) continue;
      const wakeOf = t.pending!.wake ? t.wokenBy : -1;
      const { clock, direct } = dependencies(t.index, wakeOf, exec.pendingFootprint(t));
      addRaces(t.index, wakeOf, clock, direct, path.length);
      const inPast = (j: number) => clock[path[j]!.tid]! >= clocks[j]![path[j]!.tid]!;
      // Walking back: `after` counts the steps of the causal past after position i.
      let after = 0;
      let first = t.index;
      for (let i = path.length - 1; i >= 0; i--) {
        if (inPast(i)) {
          after++;
          first = path[i]!.tid;
          continue;
        }
        if (i + after + 1 > limit) continue;
        const node = stack[i]!;
        if (!node.sleep.has(first)) node.backtrack.add(first);
        break;
      }
    }
  };

  const newNode = (): Node => {
    const depth = path.length;
    const runnable = exec.runnable();
    const parent = stack[depth - 1];
    const sleep = new Map<number, readonly Access[]>();
    if (dpor && parent) {
      const taken = path[depth - 1]!;
      const carry = (tid: number, fp: readonly Access[]) => {
        if (tid !== taken.tid && !footprintsConflict(fp, taken.footprint)) sleep.set(tid, fp);
      };
      for (const [tid, fp] of parent.sleep) carry(tid, fp);
      for (const [tid, fp] of parent.taken) carry(tid, fp);
    }
    let preemptions = 0;
    if (parent) {
      const prev = path[depth - 1]!.tid;
      preemptions = parent.preemptions + (isPreemption(parent, prev, depth - 1) ? 1 : 0);
    }
    return { runnable, backtrack: dpor ? new Set() : new Set(runnable), done: new Set(), sleep, taken: new Map(), preemptions, tid: -1 };
  };

  /** Choosing `tid` at `depth` preempts the previous thread if that one could still run. */
  const isPreemption = (node: Node, tid: number, depth: number): boolean => {
    if (depth === 0) return false;
    const prev = path[depth - 1]!.tid;
    return prev !== tid && node.runnable.includes(prev);
  };

  const withinBound = (node: Node, tid: number, depth: number): boolean => {
    if (o.preemptionBound === Infinity) return true;
    if (node.preemptions + (isPreemption(node, tid, depth) ? 1 : 0) <= o.preemptionBound) return true;
    stats.pruned++;
    hitBound('preemptionBound', `schedules with more than ${o.preemptionBound} preemptions were not explored (preemptionBound)`);
    return false;
  };

  const take = (node: Node, tid: number) => {
    node.tid = tid;
    node.done.add(tid);
    const rec = exec.step(tid);
    node.taken.set(tid, rec.footprint);
    const direct = recordStep(rec);
    if (dpor) addRaces(rec.tid, rec.wakeOf, clocks[clocks.length - 1]!, direct, path.length - 1);
  };

  /**
   * Runs the current execution to its end, choosing the previous thread where it can. It ends at the
   * first violation, as a replay does; 'stopped' when the time budget ran out first.
   */
  const runToEnd = (): Terminal | 'violation' | 'redundant' | 'stopped' => {
    for (;;) {
      const depth = path.length;
      const node = newNode();
      stack.push(node);
      const terminal = exec.violations.length > 0 ? 'violation' : exec.terminal(o.maxSteps);
      if (terminal) {
        // Nothing is explored past the end; steps threads would take next race with the path.
        node.backtrack.clear();
        if (dpor && (terminal === 'violation' || terminal.kind === 'cut')) racesOfPending(Math.min(o.maxSteps, found.best?.candidate.indices.length ?? Infinity));
        return terminal;
      }
      const prev = depth > 0 ? path[depth - 1]!.tid : -1;
      const choices = node.runnable.filter((t) => !node.sleep.has(t));
      if (choices.length === 0) return 'redundant';
      const order = choices.includes(prev) ? [prev, ...choices.filter((t) => t !== prev)] : choices;
      const pick = order.find((t) => withinBound(node, t, depth));
      if (pick === undefined) return 'redundant';
      node.backtrack.add(pick);
      take(node, pick);
      if (!tick()) return 'stopped';
    }
  };

  /** The deepest state with an alternative still to explore, and that alternative. */
  const nextBranch = (): { depth: number; tid: number } | null => {
    for (let d = stack.length - 1; d >= 0; d--) {
      const node = stack[d]!;
      for (const tid of [...node.backtrack].sort((a, b) => a - b)) {
        if (node.done.has(tid) || node.sleep.has(tid)) continue;
        if (!withinBound(node, tid, d)) {
          node.done.add(tid);
          continue;
        }
        return { depth: d, tid };
      }
    }
    return null;
  };

  const consider = (c: Candidate) => {
    stats.failing++;
    const best = found.best;
    if (best && c.indices.length > best.candidate.indices.length) return;
    const ordered = c.indices.map((index) => ({ index, tid: path[index]!.tid, clock: clocks[index]! }));
    const { order, optimal } = fewestSwitches(ordered, n, deadline);
    const tids = order.map((i) => path[i]!.tid);
    const switches = countSwitches(tids);
    const schedule = encodeSchedule(tids);
    if (best) {
      const a = [c.indices.length, switches];
      const b = [best.candidate.indices.length, best.switches];
      if (a[0]! > b[0]! || (a[0] === b[0] && (a[1]! > b[1]! || (a[1] === b[1] && schedule >= best.schedule)))) return;
    }
    found.best = { candidate: c, tids, switches, optimal, schedule, execution: encodeSchedule(path.map((s) => s.tid)) };
  };

  const causalPast = (step: number): number[] => {
    const clock = clocks[step]!;
    const out: number[] = [];
    for (let i = 0; i <= step; i++) {
      const t = path[i]!.tid;
      if (clocks[i]![t]! <= clock[t]!) out.push(i);
    }
    return out;
  };

  const recordOutcome = (terminal: Terminal | 'violation' | 'redundant', violations: readonly ViolationRecord[]) => {
    stats.executions++;
    stats.longest = Math.max(stats.longest, path.length);
    if (violations.length > 0) {
      for (const v of violations) {
        consider({ kind: 'violation', message: v.message, rule: v.rule, indices: v.step < 0 ? [] : causalPast(v.step) });
      }
      return;
    }
    if (terminal === 'redundant') {
      stats.redundant++;
      return;
    }
    if (terminal === 'violation') return;
    const all = path.map((_, i) => i);
    switch (terminal.kind) {
      case 'deadlock':
        consider({ kind: 'deadlock', message: terminal.message, rule: null, indices: all });
        break;
      case 'end':
        consider({ kind: terminal.failure.verdict, message: terminal.failure.message, rule: terminal.failure.verdict === 'leak' ? 'leak' : 'end', detail: terminal.failure.detail, indices: all });
        break;
      case 'cut':
        hitBound('maxSteps', terminal.message);
        break;
      case 'ok':
        break;
    }
  };

  for (;;) {
    const terminal = runToEnd();
    if (terminal === 'stopped') break;
    recordOutcome(terminal, exec.violations);
    if (options.onExecution) {
      const world = exec.world;
      options.onExecution({
        verdict: terminal === 'redundant' || terminal === 'violation' ? terminal : terminalOutcome(terminal).verdict,
        schedule: encodeSchedule(path.map((s) => s.tid)),
        steps: path.length,
        snapshot: () => snapshotOf(world),
      });
    }
    const branch = nextBranch();
    if (!branch) break;
    if (stats.executions >= o.maxExecutions) {
      hitBound('maxExecutions', `the search stopped after ${count(o.maxExecutions, 'execution')} (maxExecutions)`);
      break;
    }
    if (!checkClock()) break;
    // Replay the prefix in a fresh world, then take the alternative.
    stack.length = branch.depth + 1;
    truncatePath(branch.depth);
    exec = new Execution(scenario, observers());
    for (let i = 0; i < branch.depth; i++) {
      const expected = path[i]!;
      const rec = exec.step(expected.tid);
      if (!tick()) break;
      if (rec.op !== expected.op || rec.target !== expected.target) {
        throw new Error(
          `the scenario '${scenario.name}' is not deterministic: replaying step ${i + 1}, ${exec.threads[expected.tid]!.name} did ${rec.op}(${rec.target ?? ''}) where it did ${expected.op}(${expected.target ?? ''}) before. ` +
            'Threads must share state only through engine objects (a JavaScript variable shared between threads, Math.random or Date.now breaks replay).',
        );
      }
    }
    if (outOfTime) break;
    take(stack[branch.depth]!, branch.tid);
  }

  stats.ms = Math.round(now() - started);
  const b = found.best;
  const failure: Failure | null = b
    ? {
        kind: b.candidate.kind,
        message: b.candidate.message,
        rule: b.candidate.rule,
        tids: b.tids,
        schedule: b.schedule,
        switches: b.switches,
        fewestSwitches: b.optimal,
        execution: b.execution,
        ...(b.candidate.detail === undefined ? {} : { detail: b.candidate.detail }),
      }
    : null;
  return { failure, incomplete, stats, options: o };
}

function join(into: Int32Array, from: Int32Array): void {
  for (let k = 0; k < into.length; k++) if (from[k]! > into[k]!) into[k] = from[k]!;
}

