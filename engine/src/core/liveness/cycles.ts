import { pathTo, type State, type StateGraph } from './graph.ts';

/**
 * Fair cycles in which a thread starves, found as strongly connected components of the state graph,
 * as explicit-state model checkers look for liveness violations: Spin's acceptance and non-progress
 * cycles, searched under weak fairness with `pan -a -f` (the Pan manual,
 * https://spinroot.com/spin/Man/Pan.html), and TLC's liveness checking under `WF` (weak fairness)
 * conditions (Lamport, "Specifying Systems", 2002), which works on the strongly connected components
 * of the state graph.
 *
 * Thread W starves in a cycle when W waits (is not finished and cannot run) in every state of the
 * cycle while the others keep running round it. The cycle must be weakly fair (Spin's `-f`): a
 * thread that could run in every state of the cycle takes a step in it. So the scheduler is not
 * blamed: W is never even able to run; the objects (a lock that keeps admitting readers) keep it
 * waiting.
 *
 * Restricted to the states where W waits, a strongly connected component C with at least one step
 * holds such a cycle exactly when every other thread either cannot run in some state of C or takes a
 * step inside C: then a cycle through all of C is fair, and otherwise no cycle inside C is (the
 * thread that is always able to run never does). Weak fairness needs no further decomposition
 * (strong fairness would).
 */

export interface Lasso {
  /** The starving thread. */
  thread: number;
  /** Threads stepped from the initial state to the loop, then round the loop. */
  prefix: number[];
  loop: number[];
}

/** The shortest lasso found (fewest steps, prefix and loop together), or null when no thread starves. */
export function findStarvation(g: StateGraph): Lasso | null {
  let best: Lasso | null = null;
  for (let w = 0; w < g.threadCount; w++) {
    const inside = (s: State) => s.end === null && s.waiting.includes(w);
    for (const comp of components(g, inside)) {
      const lasso = fairLoop(g, comp, w);
      if (lasso && (!best || lasso.prefix.length + lasso.loop.length < best.prefix.length + best.loop.length)) best = lasso;
    }
  }
  return best;
}

/** Strongly connected components (Tarjan, iterative) of the subgraph of states where `inside` holds, each with a step inside. */
function components(g: StateGraph, inside: (s: State) => boolean): Set<number>[] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: Set<number>[] = [];
  let counter = 0;
  const succ = (id: number) => g.states[id]!.edges.map((e) => e.to).filter((to) => inside(g.states[to]!));
  for (const root of g.states) {
    if (!inside(root) || index.has(root.id)) continue;
    const work: { id: number; next: number[] }[] = [];
    const visit = (id: number) => {
      index.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: succ(id) });
    };
    visit(root.id);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const to = top.next.pop();
      if (to !== undefined) {
        if (!index.has(to)) visit(to);
        else if (onStack.has(to)) low.set(top.id, Math.min(low.get(top.id)!, index.get(to)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(top.id)!));
      if (low.get(top.id) !== index.get(top.id)) continue;
      const comp = new Set<number>();
      for (let x = -1; x !== top.id; ) {
        x = stack.pop()!;
        onStack.delete(x);
        comp.add(x);
      }
      const looped = [...comp].some((id) => g.states[id]!.edges.some((e) => comp.has(e.to)));
      if (looped) out.push(comp);
    }
  }
  return out;
}

/**
 * A fair loop through component `comp` in which `w` starves, entered at the state of `comp` reached
 * first: from there it walks (shortest paths inside `comp`) to meet each thread's obligation in turn
 * (a state where it cannot run, or else a step by it), then back.
 */
function fairLoop(g: StateGraph, comp: Set<number>, w: number): Lasso | null {
  const members = [...comp].map((id) => g.states[id]!);
  const obligations: ((from: State) => number[] | null)[] = [];
  for (let t = 0; t < g.threadCount; t++) {
    if (t === w) continue;
    const unable = (s: State) => !s.runnable.includes(t);
    const steps = (s: State) => s.edges.some((e) => e.tid === t && comp.has(e.to));
    // Weak fairness: the loop passes a state where t cannot run, or t takes a step in it.
    if (members.some(unable)) obligations.push((from) => walk(g, comp, from.id, unable));
    else if (members.some(steps)) obligations.push((from) => walk(g, comp, from.id, steps, t));
    else return null; // t could always run and never does
  }
  const entry = members.reduce((a, b) => (b.depth < a.depth || (b.depth === a.depth && b.id < a.id) ? b : a));
  const loop: number[] = [];
  let at = entry;
  for (const meet of obligations) {
    const steps = meet(at)!;
    loop.push(...steps);
    at = follow(g, at, steps);
  }
  // Back to the entry; a loop that has not moved yet takes at least one step.
  const home = loop.length === 0 ? walkAround(g, comp, entry) : walk(g, comp, at.id, (s) => s.id === entry.id)!;
  loop.push(...home);
  return { thread: w, prefix: pathTo(g, entry.id), loop };
}

/** The shortest walk inside `comp` from `from` to a state where `goal` holds, then (if `then` is given) that thread's step inside `comp`. */
function walk(g: StateGraph, comp: Set<number>, from: number, goal: (s: State) => boolean, then?: number): number[] | null {
  const prev = new Map<number, { from: number; tid: number } | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const s = g.states[queue[i]!]!;
    if (goal(s)) {
      const steps: number[] = [];
      for (let p = prev.get(s.id); p; p = prev.get(p.from)) steps.push(p.tid);
      steps.reverse();
      if (then !== undefined) steps.push(then);
      return steps;
    }
    for (const e of s.edges) {
      if (comp.has(e.to) && !prev.has(e.to)) {
        prev.set(e.to, { from: s.id, tid: e.tid });
        queue.push(e.to);
      }
    }
  }
  return null;
}

/** The shortest cycle inside `comp` from `entry` back to itself. */
function walkAround(g: StateGraph, comp: Set<number>, entry: State): number[] {
  let best: number[] | null = null;
  for (const e of entry.edges) {
    if (!comp.has(e.to)) continue;
    const back = walk(g, comp, e.to, (s) => s.id === entry.id);
    if (back && (!best || back.length + 1 < best.length)) best = [e.tid, ...back];
  }
  return best!;
}

/** The state reached from `s` by `steps`. */
function follow(g: StateGraph, s: State, steps: readonly number[]): State {
  for (const tid of steps) s = g.states[s.edges.find((e) => e.tid === tid)!.to]!;
  return s;
}
