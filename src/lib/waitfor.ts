/**
 * The wait-for graph of a state: an edge from each waiting thread to each thread it waits for,
 * labelled with the operation and object, as the engine explains the wait. A deadlock of locks
 * shows up as a cycle; a thread waiting on a condition nobody can make true has no edge out.
 */
import type { LeakDetail, WorldSnapshot } from '@interleave/engine';

export interface GraphNode {
  id: string;
  label: string;
  /** A thread is drawn as a box; any other kind of node (mm, file, VMA) as a rounded box. */
  kind?: 'thread' | 'object';
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Short label drawn on the edge, e.g. "down_read(mmap_sem)". */
  label: string;
  /** The edge in a sentence, for the text alternative. */
  text: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function waitForGraph(state: WorldSnapshot): Graph {
  const edges: GraphEdge[] = [];
  const involved = new Set<string>();
  for (const t of state.threads) {
    if (!t.waiting) continue;
    involved.add(t.name);
    for (const b of t.waiting.blockers) {
      involved.add(b);
      edges.push({
        from: t.name,
        to: b,
        label: `${t.waiting.op}(${t.waiting.object})`,
        text: `${t.name} waits for ${b}: ${t.name} is in ${t.waiting.op} on ${t.waiting.object}${t.waiting.text ? `, ${t.waiting.text}` : ''}.`,
      });
    }
  }
  const nodes = state.threads.filter((t) => involved.has(t.name)).map((t) => ({ id: t.name, label: t.name, kind: 'thread' as const }));
  return { nodes, edges };
}

/** A leak's chain of references, as the engine's leak check reports it: who holds whom. */
export function leakGraph(detail: LeakDetail): Graph {
  return {
    nodes: [...new Set(detail.chain.flatMap((e) => [e.holder, e.held]))].map((id) => ({ id, label: id, kind: 'object' as const })),
    edges: detail.chain.map((e) => ({ from: e.holder, to: e.held, label: `${e.kind} (${e.op})`, text: `${e.holder} holds ${e.held} (${e.kind}, taken by ${e.op} at step ${e.step + 1}).` })),
  };
}

/** The threads on a cycle of the graph, or [] if it has none. */
export function cycleOf(g: Graph): string[] {
  const next = new Map<string, string[]>();
  for (const e of g.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 'open') return stack.slice(stack.indexOf(m));
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of g.nodes) {
    if (!state.has(n.id)) {
      const c = visit(n.id);
      if (c) return c;
    }
  }
  return [];
}
