import { now } from './clock.ts';

/**
 * Reorders a set of steps into the execution with the fewest thread switches that respects their
 * happens-before order. Every such order is equivalent (it reaches the same state), so the
 * counterexample a reader replays can be the easiest one to follow.
 */
export interface OrderedStep {
  /** Index of the step in the original execution. */
  index: number;
  tid: number;
  /** Vector clock: for each thread, how many of its steps happen before or at this one. */
  clock: ArrayLike<number>;
}

const STATE_LIMIT = 200_000;
/** How often (in states) the search looks at the clock. */
const CLOCK_EVERY = 1024;

/**
 * Returns the original indices in the new order, and whether the order is proven to have the fewest
 * switches (false when the search space was too large, or the clock passed `deadline`, and the
 * original order was kept).
 */
export function fewestSwitches(steps: readonly OrderedStep[], threadCount: number, deadline = Infinity): { order: number[]; optimal: boolean } {
  const lanes: OrderedStep[][] = Array.from({ length: threadCount }, () => []);
  for (const s of steps) lanes[s.tid]!.push(s);
  const lengths = lanes.map((l) => l.length);
  // A step may run once, for every other thread u, the first clock[u] steps of u have run.
  const ready = (pos: readonly number[], s: OrderedStep): boolean => {
    for (let u = 0; u < threadCount; u++) if (u !== s.tid && pos[u]! < s.clock[u]!) return false;
    return true;
  };
  interface State { pos: number[]; last: number; cost: number; parent: State | null; tid: number }
  const key = (pos: readonly number[], last: number) => `${pos.join(',')}|${last}`;
  const start: State = { pos: new Array(threadCount).fill(0), last: -1, cost: 0, parent: null, tid: -1 };
  const best = new Map<string, number>([[key(start.pos, -1), 0]]);
  // 0-1 breadth-first search: staying on a thread costs 0, switching costs 1.
  let deque: State[] = [start];
  let head = 0;
  const front: State[] = [];
  let goal: State | null = null;
  let visited = 0;
  while (front.length > 0 || head < deque.length) {
    const cur = front.length > 0 ? front.pop()! : deque[head++]!;
    if (cur.cost > (best.get(key(cur.pos, cur.last)) ?? Infinity)) continue;
    if (cur.pos.every((p, t) => p === lengths[t])) {
      goal = cur;
      break;
    }
    if (best.size > STATE_LIMIT) break;
    if (++visited % CLOCK_EVERY === 0 && now() > deadline) break;
    for (let t = threadCount - 1; t >= 0; t--) {
      const next = lanes[t]![cur.pos[t]!];
      if (!next || !ready(cur.pos, next)) continue;
      const pos = cur.pos.slice();
      pos[t]!++;
      const cost = cur.cost + (cur.last === -1 || cur.last === t ? 0 : 1);
      const k = key(pos, t);
      if (cost >= (best.get(k) ?? Infinity)) continue;
      best.set(k, cost);
      const state: State = { pos, last: t, cost, parent: cur, tid: t };
      if (cost === cur.cost) front.push(state);
      else deque.push(state);
    }
    if (head > 4096 && head * 2 > deque.length) {
      deque = deque.slice(head);
      head = 0;
    }
  }
  if (!goal) return { order: steps.map((s) => s.index), optimal: false };
  const tids: number[] = [];
  for (let s: State | null = goal; s && s.tid >= 0; s = s.parent) tids.push(s.tid);
  tids.reverse();
  const cursor = new Array(threadCount).fill(0);
  return { order: tids.map((t) => lanes[t]![cursor[t]++]!.index), optimal: true };
}
