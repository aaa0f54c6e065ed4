import {
  SINGLE_DEPTH_NESTING, atomic_inc, atomic_read, atomic_set, complete, complete_all, down, down_trylock, kfree, kfree_rcu,
  mutex_lock, mutex_lock_nested, mutex_unlock, rcu_read_lock, rcu_read_unlock, reinit_completion, scenario, spin_until,
  synchronize_rcu, up, wait_for_completion, type Atomic, type Completion, type Kernel, type Mutex, type Op, type Scenario,
  type Semaphore,
} from '../../src/index.ts';
import { pick, rng } from './random.ts';

/**
 * Small random programs over the second round's primitives, for the differential test: a counting
 * semaphore, a completion, RCU (readers of a published object, an updater that unpublishes and frees
 * it after a grace period or, sometimes, at once), a spin loop on a counter, and two mutexes of one
 * lockdep class taken with a nesting annotation.
 */
export type SyncInstr =
  | { op: 'sem' } | { op: 'trysem' } | { op: 'wait' } | { op: 'complete' } | { op: 'complete_all' } | { op: 'reinit' }
  | { op: 'read' } | { op: 'free'; how: 'kfree_rcu' | 'synchronize_rcu' | 'kfree' } | { op: 'sync' } | { op: 'inc' }
  | { op: 'spin'; atLeast: number } | { op: 'nested'; reversed: boolean };

export interface SyncProgram {
  semCount: number;
  threads: SyncInstr[][];
}

export function randomSyncProgram(seed: number): SyncProgram {
  const r = rng(seed);
  const nThreads = 2 + Math.floor(r() * 2);
  let freed = false;
  const instr = (): SyncInstr => {
    const roll = r();
    if (roll < 0.12) return { op: 'sem' };
    if (roll < 0.18) return { op: 'trysem' };
    if (roll < 0.28) return { op: 'wait' };
    if (roll < 0.36) return { op: 'complete' };
    if (roll < 0.4) return { op: 'complete_all' };
    if (roll < 0.43) return { op: 'reinit' };
    if (roll < 0.55) return { op: 'read' };
    if (roll < 0.63 && !freed) {
      freed = true;
      return { op: 'free', how: pick(r, ['kfree_rcu', 'synchronize_rcu', 'kfree'] as const) };
    }
    if (roll < 0.67) return { op: 'sync' };
    if (roll < 0.77) return { op: 'inc' };
    if (roll < 0.87) return { op: 'spin', atLeast: 1 + Math.floor(r() * 2) };
    return { op: 'nested', reversed: r() < 0.5 };
  };
  const threads = Array.from({ length: nThreads }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, instr));
  return { semCount: Math.floor(r() * 2), threads };
}

interface Env {
  sem: Semaphore;
  done: Completion;
  gp: Atomic;
  obj: Atomic;
  counter: Atomic;
  a: Mutex;
  b: Mutex;
}

function* run(env: Env, instrs: readonly SyncInstr[]): Op<void> {
  for (const ins of instrs) {
    switch (ins.op) {
      case 'sem':
        yield* down(env.sem);
        yield* atomic_inc(env.counter);
        yield* up(env.sem);
        break;
      case 'trysem':
        if ((yield* down_trylock(env.sem)) === 0) yield* up(env.sem);
        break;
      case 'wait':
        yield* wait_for_completion(env.done);
        break;
      case 'complete':
        yield* complete(env.done);
        break;
      case 'complete_all':
        yield* complete_all(env.done);
        break;
      case 'reinit':
        yield* reinit_completion(env.done);
        break;
      case 'read':
        yield* rcu_read_lock();
        if (yield* atomic_read(env.gp)) yield* atomic_read(env.obj);
        yield* rcu_read_unlock();
        break;
      case 'free':
        yield* atomic_set(env.gp, 0);
        if (ins.how === 'kfree_rcu') yield* kfree_rcu(env.obj);
        else {
          if (ins.how === 'synchronize_rcu') yield* synchronize_rcu();
          yield* kfree(env.obj);
        }
        break;
      case 'sync':
        yield* synchronize_rcu();
        break;
      case 'inc':
        yield* atomic_inc(env.counter);
        break;
      case 'spin':
        yield* spin_until(() => env.counter.value >= ins.atLeast, `counter >= ${ins.atLeast}`);
        break;
      case 'nested': {
        const [outer, inner] = ins.reversed ? [env.b, env.a] : [env.a, env.b];
        yield* mutex_lock(outer);
        yield* mutex_lock_nested(inner, SINGLE_DEPTH_NESTING);
        yield* mutex_unlock(inner);
        yield* mutex_unlock(outer);
        break;
      }
    }
  }
}

export function syncProgramScenario(p: SyncProgram, name: string): Scenario {
  return scenario(name, (k: Kernel) => {
    const env: Env = {
      sem: k.semaphore('sem', p.semCount),
      done: k.completion('done'),
      gp: k.atomic('gp', 1),
      obj: k.atomic('obj', 42),
      counter: k.atomic('counter'),
      a: k.mutex('a', { lockClass: 'inode' }),
      b: k.mutex('b', { lockClass: 'inode' }),
    };
    p.threads.forEach((body, i) => k.thread(`T${i + 1}`, function* () {
      yield* run(env, body);
    }));
  });
}
