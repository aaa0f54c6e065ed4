import { Execution, type Instantiable, type StepRecord, type Terminal } from '../execution.ts';
import type { WorldObserver } from '../world.ts';
import { StateKeys } from '../fingerprint.ts';

/** One state of the state graph, and how it was first reached. */
export interface State {
  id: number;
  /** The state it was first reached from (-1 for the initial state) and the thread that stepped. */
  parent: number;
  via: number;
  depth: number;
  /** Threads that can run here. */
  runnable: number[];
  /** Threads that wait here: not finished, and not able to run. */
  waiting: number[];
  /** Outgoing steps: the thread that takes it and the state it leads to. */
  edges: { tid: number; to: number }[];
  /** Where the execution ends here: a violation, or a terminal state (ok, deadlock, a failed end check). */
  end: { kind: 'violation'; message: string; rule: string } | Terminal | null;
}

export interface StateGraph {
  states: State[];
  threadCount: number;
  /** False when a bound stopped the search before every state was expanded. */
  complete: boolean;
  /** Steps taken, replays included. */
  steps: number;
  /** Worlds built, each replaying the path to the state it expands. */
  replays: number;
}

export interface GraphLimits {
  maxStates: number;
  /** Called for every step; false stops the search (out of time). */
  step(): boolean;
  /** Stop expanding once a state fails (a shorter failure than any later one, breadth first). */
  stopAtFailure: boolean;
}

/** The thread indices from the initial state to `s`. */
export function pathTo(g: StateGraph, id: number): number[] {
  const tids: number[] = [];
  for (let s = g.states[id]!; s.parent >= 0; s = g.states[s.parent]!) tids.push(s.via);
  return tids.reverse();
}

/**
 * Worlds kept at states found but not yet expanded, each to take the state's first edge without a
 * replay: the world that found a state is already there. Breadth first, the earliest found are
 * expanded first, so those are the ones kept; this many at most, for memory.
 */
const SPARE_WORLDS = 2_000;

/**
 * Builds the state graph breadth first, so every state's first path is a shortest one. States are
 * told apart by their keys (StateKeys in fingerprint.ts: one key exactly when one fingerprint, kept
 * up to date from one world to the next as the explorer keeps them). A step from a state is taken
 * in a fresh world that replays the state's path, as the explorer does, since a thread's body cannot
 * be copied; but the first step from a state is taken in the world that found it (SPARE_WORLDS).
 */
export function buildGraph(scenario: Instantiable, observers: () => readonly WorldObserver[], limits: GraphLimits): StateGraph {
  const ids = new Map<string, number>();
  const g: StateGraph = { states: [], threadCount: 0, complete: true, steps: 0, replays: 0 };
  const spares = new Map<number, Execution>();
  const keys = new StateKeys();
  /** The steps of the world keyed last, and how many objects every world has before its first step. */
  let lastSteps: readonly StepRecord[] = [];
  let built = 0;
  /**
   * The key of `exec`'s state. Worlds follow the same steps as far as their paths agree; what the
   * last one's steps after that touched, and what this one's did, is written down again.
   */
  const keyOf = (exec: Execution): string => {
    const steps = exec.steps;
    let same = 0;
    while (same < steps.length && same < lastSteps.length && steps[same]!.tid === lastSteps[same]!.tid) same++;
    keys.rewind(lastSteps.slice(same), built);
    for (let i = same; i < steps.length; i++) keys.touched(steps[i]!.footprint);
    lastSteps = steps.slice(); // a copy: a world kept as a spare takes more steps
    return keys.key(exec);
  };
  /** Writes down the state `exec` is in; the world is kept for its first edge or done with (World.dispose). */
  const add = (exec: Execution, parent: number, via: number): number => {
    const key = keyOf(exec);
    let id = ids.get(key);
    if (id === undefined) {
      id = g.states.length;
      const runnable = exec.runnable();
      const v = exec.violations[0];
      // The end holds plain data (a message, a leak's names), never the world's objects.
      const end = v ? { kind: 'violation' as const, message: v.message, rule: v.rule } : exec.terminal(Infinity);
      const waiting = exec.threads.filter((t) => !t.finished && !t.runnable).map((t) => t.index);
      g.states.push({ id, parent, via, depth: parent < 0 ? 0 : g.states[parent]!.depth + 1, runnable, waiting, edges: [], end });
      ids.set(key, id);
      if (!end && spares.size < SPARE_WORLDS) {
        spares.set(id, exec);
        return id;
      }
    }
    exec.world.dispose();
    return id;
  };
  const first = new Execution(scenario, observers());
  g.threadCount = first.threads.length;
  built = first.world.objects.length;
  g.replays++;
  add(first, -1, -1);
  for (let next = 0; next < g.states.length; next++) {
    const s = g.states[next]!;
    if (s.end) {
      if (limits.stopAtFailure && s.end.kind !== 'ok') break;
      continue;
    }
    const path = pathTo(g, s.id);
    for (const tid of s.runnable) {
      const spare = spares.get(s.id);
      spares.delete(s.id);
      const exec = spare ?? new Execution(scenario, observers());
      if (!spare) g.replays++;
      for (const t of spare ? [tid] : [...path, tid]) {
        exec.step(t);
        g.steps++;
        if (!limits.step()) {
          g.complete = false;
          return g;
        }
      }
      s.edges.push({ tid, to: add(exec, s.id, tid) });
      if (g.states.length > limits.maxStates) {
        g.states.pop();
        s.edges.pop();
        g.complete = false;
        return g;
      }
    }
  }
  return g;
}
