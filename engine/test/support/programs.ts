import {
  assert, atomic_inc, atomic_read, down_read, down_read_trylock, down_write, down_write_trylock, downgrade_write,
  mutex_lock, mutex_trylock, mutex_unlock, pagefault_disable, pagefault_enable, scenario, spin_lock, spin_unlock, up_read, up_write, wait_event, wake_up_all,
  type Atomic, type Kernel, type Mutex, type Op, type RwSemaphore, type RwsemPolicy, type Scenario, type Spinlock, type WaitQueue,
} from '../../src/index.ts';
import { pick, rng } from './random.ts';

/**
 * Small random kernel programs for the differential test: threads over two or three locks (mutexes
 * and rwsems under every policy), with trylocks, downgrades, a counter that threads bump and
 * assert on, a wait queue, and a spinlock (inside which a sleeping lock is a violation).
 */
export type Mode = 'read' | 'write' | 'x';
export type Instr =
  | { op: 'lock'; lock: number; mode: Mode }
  | { op: 'unlock'; lock: number; mode: Mode }
  | { op: 'trylock'; lock: number; mode: Mode; then: Instr[] }
  | { op: 'downgrade'; lock: number }
  | { op: 'inc' }
  | { op: 'check'; not: number }
  | { op: 'wait'; atLeast: number }
  | { op: 'wake' }
  | { op: 'spin'; body: Instr[] }
  | { op: 'own' };

export interface Program {
  locks: ({ kind: 'mutex' } | { kind: 'rwsem'; policy: RwsemPolicy })[];
  threads: Instr[][];
}

/** Programs of 3 or 4 threads of 1-2 instructions: more threads side by side, and more states where the search has a choice. */
export const WIDE = { threads: [3, 4], instrs: 2 };

/**
 * Programs of 2 or 3 threads of 1-2 instructions, and in each thread one more, of steps of its own
 * (`own`: pagefault_disable then pagefault_enable, which touch no object), where a second random
 * stream puts it: the search takes such a step first where its wakeup tree ends (explorer.ts).
 */
export const OWN = { threads: [2, 3], instrs: 2, own: true };

export function randomProgram(seed: number, size: { threads: number[]; instrs: number; own?: boolean } = { threads: [2, 3], instrs: 3 }): Program {
  const r = rng(seed);
  const nLocks = 2 + Math.floor(r() * 2);
  const locks: Program['locks'] = Array.from({ length: nLocks }, () =>
    r() < 0.5 ? { kind: 'mutex' as const } : { kind: 'rwsem' as const, policy: pick(r, ['fifo', 'phase-fair', 'reader-preferring'] as const) },
  );
  const modes = (i: number): Mode[] => (locks[i]!.kind === 'mutex' ? ['x'] : ['read', 'read', 'write']);
  const nThreads = size.threads[0]! + Math.floor(r() * (size.threads[1]! - size.threads[0]! + 1));

  const block = (budget: number, held: Map<number, Mode>, inSpin: boolean): Instr[] => {
    const out: Instr[] = [];
    for (let n = 0; n < budget; n++) {
      const roll = r();
      const free = [...locks.keys()].filter((i) => !held.has(i));
      if (inSpin) {
        // A sleeping lock under a spinlock: always a violation (the thread stops there).
        if (roll < 0.15 && free.length) {
          const i = pick(r, free);
          out.push({ op: 'lock', lock: i, mode: pick(r, modes(i)) });
        }
        else out.push(roll < 0.6 ? { op: 'inc' } : { op: 'check', not: 1 + Math.floor(r() * 2) });
        continue;
      }
      if (roll < 0.35) {
        // Usually a free lock; sometimes one already held (recursion).
        const i = free.length && r() < 0.85 ? pick(r, free) : Math.floor(r() * locks.length);
        const mode = pick(r, modes(i));
        out.push({ op: 'lock', lock: i, mode });
        if (!held.has(i)) held.set(i, mode);
      } else if (roll < 0.5 && held.size) {
        const i = pick(r, [...held.keys()]);
        out.push({ op: 'unlock', lock: i, mode: held.get(i)! });
        held.delete(i);
      } else if (roll < 0.6 && free.length) {
        const i = pick(r, free);
        const mode = pick(r, modes(i));
        const inner = new Map(held).set(i, mode);
        const then = block(1, inner, false);
        then.push(...releaseAll(inner, held));
        out.push({ op: 'trylock', lock: i, mode, then });
      } else if (roll < 0.65 && [...held].some(([i, m]) => m === 'write' && locks[i]!.kind === 'rwsem')) {
        const i = [...held].find(([j, m]) => m === 'write' && locks[j]!.kind === 'rwsem')![0];
        out.push({ op: 'downgrade', lock: i });
        held.set(i, 'read');
      } else if (roll < 0.75) out.push({ op: 'inc' });
      else if (roll < 0.82) out.push({ op: 'check', not: 1 + Math.floor(r() * 3) });
      else if (roll < 0.87) out.push({ op: 'wait', atLeast: 1 });
      else if (roll < 0.92) out.push({ op: 'wake' });
      else out.push({ op: 'spin', body: block(1, new Map(held), true) });
    }
    return out;
  };
  // Releases what `inner` holds beyond `outer`, in a random order.
  const releaseAll = (inner: Map<number, Mode>, outer: Map<number, Mode> = new Map()): Instr[] => {
    const rest = [...inner].filter(([i]) => !outer.has(i));
    const out: Instr[] = [];
    while (rest.length) {
      const [i, mode] = rest.splice(Math.floor(r() * rest.length), 1)[0]!;
      out.push({ op: 'unlock', lock: i, mode });
    }
    return out;
  };
  const threads = Array.from({ length: nThreads }, () => {
    const held = new Map<number, Mode>();
    const body = block(1 + Math.floor(r() * size.instrs), held, false);
    return [...body, ...releaseAll(held)];
  });
  if (size.own) {
    const o = rng(seed + 1_000_003);
    for (const body of threads) body.splice(Math.floor(o() * (body.length + 1)), 0, { op: 'own' });
  }
  return { locks, threads };
}

interface Env {
  locks: (Mutex | RwSemaphore)[];
  mutexLock: (m: Mutex) => Op<void>;
  counter: Atomic;
  wq: WaitQueue;
  spin: Spinlock;
}

/** Takes lock `i` of `locks` in `mode`: a mutex (with `mutexLock`), or an rwsem for read or write (the liveness programs use these too). */
export function* lock(locks: readonly (Mutex | RwSemaphore)[], i: number, mode: Mode, mutexLock: (m: Mutex) => Op<void> = mutex_lock): Op<void> {
  const l = locks[i]!;
  if (l.kind === 'mutex') yield* mutexLock(l as Mutex);
  else if (mode === 'read') yield* down_read(l as RwSemaphore);
  else yield* down_write(l as RwSemaphore);
}

export function* unlock(locks: readonly (Mutex | RwSemaphore)[], i: number, mode: Mode): Op<void> {
  const l = locks[i]!;
  if (l.kind === 'mutex') yield* mutex_unlock(l as Mutex);
  else if (mode === 'read') yield* up_read(l as RwSemaphore);
  else yield* up_write(l as RwSemaphore);
}

export function* trylock(locks: readonly (Mutex | RwSemaphore)[], i: number, mode: Mode): Op<boolean> {
  const l = locks[i]!;
  if (l.kind === 'mutex') return yield* mutex_trylock(l as Mutex);
  return mode === 'read' ? yield* down_read_trylock(l as RwSemaphore) : yield* down_write_trylock(l as RwSemaphore);
}

function* run(env: Env, instrs: readonly Instr[]): Op<void> {
  for (const ins of instrs) {
    switch (ins.op) {
      case 'lock':
        yield* lock(env.locks, ins.lock, ins.mode, env.mutexLock);
        break;
      case 'unlock':
        yield* unlock(env.locks, ins.lock, ins.mode);
        break;
      case 'trylock':
        if (yield* trylock(env.locks, ins.lock, ins.mode)) yield* run(env, ins.then);
        break;
      case 'downgrade':
        yield* downgrade_write(env.locks[ins.lock] as RwSemaphore);
        break;
      case 'inc':
        yield* atomic_inc(env.counter);
        break;
      case 'check': {
        const v = yield* atomic_read(env.counter);
        assert(v !== ins.not, `counter reached ${ins.not}`);
        break;
      }
      case 'wait':
        yield* wait_event(env.wq, () => env.counter.value >= ins.atLeast, `counter >= ${ins.atLeast}`);
        break;
      case 'wake':
        yield* wake_up_all(env.wq);
        break;
      case 'spin':
        yield* spin_lock(env.spin);
        yield* run(env, ins.body);
        yield* spin_unlock(env.spin);
        break;
      case 'own':
        yield* pagefault_disable();
        yield* pagefault_enable();
        break;
    }
  }
}

/** `mutexLock` takes a mutex: `mutex_lock`, or another model of it to compare with. */
export function programScenario(p: Program, name = 'random program', mutexLock: (m: Mutex) => Op<void> = mutex_lock): Scenario {
  return scenario(name, (k: Kernel) => {
    const env: Env = {
      mutexLock,
      locks: p.locks.map((l, i) => (l.kind === 'mutex' ? k.mutex(`m${i}`) : k.rwsem(`s${i}`, { policy: l.policy }))),
      counter: k.atomic('counter'),
      wq: k.waitqueue('wq'),
      spin: k.spinlock('spin'),
    };
    p.threads.forEach((body, i) => k.thread(`T${i + 1}`, function* () {
      yield* run(env, body);
    }));
  });
}
