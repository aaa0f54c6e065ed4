import { mutex_lock, mutex_unlock, simulate, type Mutex, type ObjectState, type Op, type Scenario } from '../../src/index.ts';

/** Steps threads by name, in order; returns the simulation to inspect. */
export function drive(s: Scenario, ...threads: string[]) {
  const sim = simulate(s);
  for (const t of threads) sim.step(t);
  return sim;
}

/** The snapshot of one object by name. */
export function objectState(sim: ReturnType<typeof simulate>, name: string): ObjectState {
  const o = sim.snapshot().objects.find((x) => x.name === name);
  if (!o) throw new Error(`no object ${name}`);
  return o;
}

/** A thread body that takes `first`, then `second`, and releases both. */
export function lockPair(first: Mutex, second: Mutex) {
  return function* (): Op<void> {
    yield* mutex_lock(first);
    yield* mutex_lock(second);
    yield* mutex_unlock(second);
    yield* mutex_unlock(first);
  };
}
