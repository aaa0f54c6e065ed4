import { Execution, type Instantiable, type Terminal } from '../execution.ts';
import type { WorldObserver } from '../world.ts';
import { fingerprint } from '../fingerprint.ts';

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
 * Builds the state graph breadth first, so every state's first path is a shortest one. States are
 * told apart by fingerprint (fingerprint.ts); each is reached by replaying its path in a fresh world,
 * as the explorer does, since a thread's body cannot be copied.
 */
export function buildGraph(scenario: Instantiable, observers: () => readonly WorldObserver[], limits: GraphLimits): StateGraph {
  const ids = new Map<string, number>();
  const g: StateGraph = { states: [], threadCount: 0, complete: true, steps: 0, replays: 0 };
  const add = (exec: Execution, parent: number, via: number): number => {
    const key = fingerprint(exec);
    const known = ids.get(key);
    if (known !== undefined) return known;
    const id = g.states.length;
    const runnable = exec.runnable();
    const v = exec.violations[0];
    const end = v ? { kind: 'violation' as const, message: v.message, rule: v.rule } : exec.terminal(Infinity);
    const waiting = exec.threads.filter((t) => !t.finished && !t.runnable).map((t) => t.index);
    g.states.push({ id, parent, via, depth: parent < 0 ? 0 : g.states[parent]!.depth + 1, runnable, waiting, edges: [], end });
    ids.set(key, id);
    return id;
  };
  const first = new Execution(scenario, observers());
  g.threadCount = first.threads.length;
  add(first, -1, -1);
  for (let next = 0; next < g.states.length; next++) {
    const s = g.states[next]!;
    if (s.end) {
      if (limits.stopAtFailure && s.end.kind !== 'ok') break;
      continue;
    }
    const path = pathTo(g, s.id);
    for (const tid of s.runnable) {
      const exec = new Execution(scenario, observers());
      g.replays++;
      for (const t of [...path, tid]) {
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
