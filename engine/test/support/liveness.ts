import { downgrade_write, explore, replay, scenario, simulate, type Kernel, type Mutex, type Op, type RwSemaphore, type RwsemPolicy, type Scenario } from '../../src/index.ts';
import { lock, trylock, unlock, type Mode } from './programs.ts';
import { pick, rng } from './random.ts';

/**
 * Random lock programs whose threads may loop forever, and a brute-force starvation search that
 * shares nothing with the engine's but the public API: its own state identity (the public snapshot
 * plus each thread's program counter, which the program reports), its own graph, and cycles found by
 * plain reachability instead of strongly connected components.
 */
export type LInstr =
  | { op: 'lock'; lock: number; mode: Mode }
  | { op: 'unlock'; lock: number; mode: Mode }
  | { op: 'trylock'; lock: number; mode: Mode; then: LInstr[] }
  | { op: 'downgrade'; lock: number };

export interface LoopProgram {
  locks: ({ kind: 'mutex' } | { kind: 'rwsem'; policy: RwsemPolicy })[];
  threads: { forever: boolean; body: LInstr[] }[];
}

export function randomLoopProgram(seed: number): LoopProgram {
  const r = rng(seed);
  const locks: LoopProgram['locks'] = Array.from({ length: 1 + Math.floor(r() * 2) }, () =>
    r() < 0.25 ? { kind: 'mutex' as const } : { kind: 'rwsem' as const, policy: pick(r, ['fifo', 'phase-fair', 'reader-preferring', 'reader-preferring'] as const) },
  );
  const modes = (i: number): Mode[] => (locks[i]!.kind === 'mutex' ? ['x'] : ['read', 'read', 'write']);
  const section = (held: Set<number>, depth: number): LInstr[] => {
    const free = [...locks.keys()].filter((i) => !held.has(i));
    const i = free.length && r() < 0.95 ? pick(r, free) : Math.floor(r() * locks.length); // sometimes recursive
    const mode = pick(r, modes(i));
    const inner = depth < 1 && r() < 0.25 ? section(new Set(held).add(i), depth + 1) : [];
    if (r() < 0.15 && !held.has(i)) return [{ op: 'trylock', lock: i, mode, then: [...inner, { op: 'unlock', lock: i, mode }] }];
    const down = mode === 'write' && locks[i]!.kind === 'rwsem' && r() < 0.2;
    return [{ op: 'lock', lock: i, mode }, ...inner, ...(down ? [{ op: 'downgrade' as const, lock: i }] : []), { op: 'unlock', lock: i, mode: down ? 'read' : mode }];
  };
  const threads = Array.from({ length: 2 + Math.floor(r() * 2) }, () => ({
    forever: r() < 0.7,
    body: Array.from({ length: 1 + Math.floor(r() * 2) }, () => section(new Set(), 0)).flat(),
  }));
  return { locks, threads };
}

/** Each thread's program counter, as the last build's program reported it ('end' once finished). */
let pcs: string[] = [];

function* run(locks: (Mutex | RwSemaphore)[], instrs: readonly LInstr[], at: string, pc: (p: string) => void): Op<void> {
  for (const [n, ins] of instrs.entries()) {
    pc(`${at}${n}`);
    if (ins.op === 'lock') yield* lock(locks, ins.lock, ins.mode);
    else if (ins.op === 'unlock') yield* unlock(locks, ins.lock, ins.mode);
    else if (ins.op === 'downgrade') yield* downgrade_write(locks[ins.lock] as RwSemaphore);
    else if (yield* trylock(locks, ins.lock, ins.mode)) yield* run(locks, ins.then, `${at}${n}.`, pc);
  }
}

export function loopScenario(p: LoopProgram, name: string): Scenario {
  return scenario(name, (k: Kernel) => {
    const locks = p.locks.map((l, i) => (l.kind === 'mutex' ? k.mutex(`m${i}`) : k.rwsem(`s${i}`, { policy: l.policy })));
    const mine = p.threads.map(() => '0');
    pcs = mine;
    p.threads.forEach((t, i) => k.thread(`T${i + 1}`, function* () {
      yield* run(locks, t.body, '', (x) => void (mine[i] = x));
      mine[i] = 'end';
    }, { forever: t.forever }));
  });
}

interface BruteState {
  key: string;
  path: string[];
  runnable: string[];
  waiting: string[];
  ended: { verdict: string } | null;
  edges: { thread: string; to: number }[];
}

export interface BruteResult {
  verdict: string;
  /** For a safety failure: its length in steps (breadth first, so the shortest). */
  length?: number;
  /** Threads that starve in some fair cycle. */
  starving: string[];
  states: BruteState[];
  complete: boolean;
  /** The state a schedule leads to. */
  stateAfter(threads: readonly string[]): number;
}

/** Every state, breadth first, by replaying each path through the public `simulate`. */
export function bruteLiveness(s: Scenario, limit = 3_000): BruteResult {
  const ids = new Map<string, number>();
  const states: BruteState[] = [];
  const reach = (path: string[]) => {
    const sim = simulate(s);
    for (const t of path) sim.step(t);
    const snap = sim.snapshot();
    return { sim, key: JSON.stringify([snap, pcs]), snap };
  };
  const add = (path: string[]): number => {
    const { sim, key, snap } = reach(path);
    const known = ids.get(key);
    if (known !== undefined) return known;
    ids.set(key, states.length);
    states.push({
      key, path, runnable: sim.runnable(), edges: [], ended: sim.outcome,
      waiting: snap.threads.filter((t) => t.status === 'waiting').map((t) => t.name),
    });
    return states.length - 1;
  };
  add([]);
  let complete = true;
  for (let i = 0; i < states.length; i++) {
    if (states.length > limit) {
      complete = false;
      break;
    }
    const st = states[i]!;
    for (const t of st.runnable) st.edges.push({ thread: t, to: add([...st.path, t]) });
  }
  const stateAfter = (threads: readonly string[]) => ids.get(reach([...threads]).key)!;
  const failing = states.find((x) => x.ended && x.ended.verdict !== 'ok');
  if (failing) return { verdict: failing.ended!.verdict, length: failing.path.length, starving: [], states, complete, stateAfter };
  const threads = s.threads;
  const starving = threads.filter((w) => {
    const inG = (id: number) => states[id]!.ended === null && states[id]!.waiting.includes(w);
    const forward = (from: number) => {
      const seen = new Set([from]);
      const queue = [from];
      for (let q = 0; q < queue.length; q++) {
        for (const e of states[queue[q]!]!.edges) if (inG(e.to) && !seen.has(e.to)) seen.add(e.to), queue.push(e.to);
      }
      return seen;
    };
    return states.some((st, id) => {
      if (!inG(id)) return false;
      const ahead = forward(id);
      const cycle = new Set([...ahead].filter((u) => forward(u).has(id)));
      const back = [...cycle].some((u) => states[u]!.edges.some((e) => e.to === id));
      if (!back) return false;
      return threads.every((t) => t === w
        || [...cycle].some((u) => !states[u]!.runnable.includes(t))
        || [...cycle].some((u) => states[u]!.edges.some((e) => e.thread === t && cycle.has(e.to))));
    });
  });
  return { verdict: starving.length ? 'starvation' : 'ok', starving, states, complete, stateAfter };
}

export interface LivenessComparison {
  seed: number;
  verdict: string;
  /** Distinct states: the engine's, the brute force's. */
  engine: number;
  brute: number;
  /** What disagreed (empty when all agree). */
  problems: string[];
}

/**
 * The engine's liveness search against brute force on random program `seed`, or null when brute
 * force has more than `bruteLimit` states. They must agree on the verdict, on the starving thread,
 * and on the shortest safety failure's length; the engine's lasso must replay, and be a loop in the
 * brute force's own graph (it ends in the brute-force state it began in, the thread waiting in each).
 */
export function compareLiveness(seed: number, bruteLimit: number): LivenessComparison | null {
  const s = loopScenario(randomLoopProgram(seed), `loop program ${seed}`);
  const brute = bruteLiveness(s, bruteLimit);
  if (!brute.complete) return null;
  const report = explore(s, { liveness: true, timeBudgetMs: Infinity });
  const problems: string[] = [];
  if (!report.complete) problems.push('incomplete');
  if (report.verdict !== brute.verdict) problems.push(`verdict ${report.verdict} vs ${brute.verdict}`);
  const ce = report.counterexample;
  if (brute.length !== undefined && ce?.steps.length !== brute.length) problems.push(`length ${ce?.steps.length} vs ${brute.length}`);
  if (report.verdict === 'starvation' && ce?.loop) {
    const loop = ce.loop;
    if (!brute.starving.includes(loop.thread)) problems.push(`starving ${loop.thread} vs ${brute.starving.join(',')}`);
    const trace = replay(s, ce.schedule);
    if (trace.outcome !== 'starvation') problems.push('replay');
    const threads = trace.steps.map((x) => x.thread);
    if (brute.stateAfter(threads) !== brute.stateAfter(threads.slice(0, loop.start))) problems.push('not a loop in brute force');
    for (let i = loop.start; i < threads.length; i++) {
      if (!brute.states[brute.stateAfter(threads.slice(0, i))]!.waiting.includes(loop.thread)) problems.push('not waiting throughout');
    }
  }
  // Both tell states apart soundly, the engine at least as finely; a search that found a safety
  // failure stops there, while brute force goes on.
  if (brute.length === undefined && report.stats.states! < brute.states.length) problems.push(`states ${report.stats.states} < ${brute.states.length}`);
  return { seed, verdict: report.verdict, engine: report.stats.states!, brute: brute.states.length, problems };
}
