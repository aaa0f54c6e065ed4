import { describe, expect, it } from 'vitest';
import { caseIds, getCase } from '../src/cases/index.ts';
import { Execution } from '../src/core/execution.ts';
import { StateKeys, fingerprint } from '../src/core/fingerprint.ts';
import { KEY_EVERY } from '../src/core/search/state-cache.ts';
import { atomic_inc, complete, explore, scenario, spin_until, wait_event, wait_for_completion, wake_up, type Op, type Scenario } from '../src/index.ts';
import { programScenario, randomProgram } from './support/programs.ts';
import { rng } from './support/random.ts';
import { randomSyncProgram, syncProgramScenario } from './support/sync-programs.ts';

/**
 * The state cache's keys (StateKeys, kept up to date step by step) against the fingerprint written
 * down in full at every state: along random walks through every case and variant, two states have
 * one key exactly when they have one fingerprint. A key that merged two states would let the cache
 * stop an execution at a state it has not explored.
 */
const WALKS = 12;

/** Walks `s` at random `walks` times; returns how many states were compared and how many were told apart. */
function compareKeys(s: Scenario, walks: number): { states: number; distinct: number } {
  const keys = new StateKeys();
  const byFingerprint = new Map<string, string>();
  const byKey = new Map<string, string>();
  let states = 0;
  const check = (exec: Execution, where: string) => {
    const f = fingerprint(exec);
    const k = keys.key(exec);
    states++;
    expect(byFingerprint.get(f) ?? k, `${where}: one fingerprint, two keys`).toBe(k);
    expect(byKey.get(k) ?? f, `${where}: one key, two fingerprints`).toBe(f);
    byFingerprint.set(f, k);
    byKey.set(k, f);
  };
  let walked: { footprint: readonly number[] }[] = [];
  for (let w = 0; w < walks; w++) {
    const next = rng(w + 1);
    const exec = new Execution(s);
    // Back to the start: every step of the last walk is undone.
    keys.rewind(walked, exec.world.objects.length);
    walked = exec.steps;
    check(exec, `${s.name}, walk ${w}, start`);
    for (let i = 0; i < 2_000 && exec.violations.length === 0; i++) {
      const runnable = exec.runnable();
      if (runnable.length === 0) break;
      const rec = exec.step(runnable[Math.floor(next() * runnable.length)]!);
      keys.touched(rec.footprint);
      check(exec, `${s.name}, walk ${w}, step ${i + 1}`);
    }
  }
  return { states, distinct: byKey.size };
}

describe('the state cache\'s keys', () => {
  for (const id of caseIds) {
    for (const v of getCase(id).variants) {
      it(`tell the states of ${id} ${v.id} apart exactly as fingerprints do`, () => {
        const { states, distinct } = compareKeys(getCase(id).build({ variant: v.id }), WALKS);
        expect(distinct).toBeGreaterThan(WALKS);
        expect(distinct).toBeLessThan(states); // walks meet in common states, at least at the start
      });
    }
  }

  it('do the same on random programs, over every primitive', () => {
    for (let seed = 1; seed <= 200; seed++) compareKeys(programScenario(randomProgram(seed), `program ${seed}`), 4);
    for (let seed = 1; seed <= 200; seed++) compareKeys(syncProgramScenario(randomSyncProgram(seed), `sync program ${seed}`), 4);
  });

  it('leave a verdict and a shortest failure unchanged on every case and variant', () => {
    for (const id of caseIds) {
      for (const v of getCase(id).variants) {
        const s = getCase(id).build({ variant: v.id });
        const stateless = explore(s, { stateCache: false });
        const cached = explore(s, { stateCache: 4 }); // from the first execution, as small as these are
        expect(cached.verdict, `${id} ${v.id}`).toBe(stateless.verdict);
        expect(cached.complete, `${id} ${v.id}`).toBe(stateless.complete);
        expect(cached.counterexample?.steps.length, `${id} ${v.id}`).toBe(stateless.counterexample?.steps.length);
        if (cached.verdict === 'ok') expect(cached.stats.revisits, `${id} ${v.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('start after 500 executions by default, and at once with a number of steps', () => {
    const small = getCase('vfio-pci').build({ variant: 'fixed' });
    const large = getCase('cxl').build({ variant: 'fixed' });
    const stateless = explore(small, { stateCache: false }).stats.executions;
    expect(stateless).toBeLessThan(500);
    expect(explore(small).stats.revisits).toBe(0);
    expect(explore(small, { stateCache: 4 }).stats.revisits).toBeGreaterThan(0);
    expect(explore(large, { stateCache: false }).stats.executions).toBeGreaterThan(500);
    expect(explore(large).stats.revisits).toBeGreaterThan(0);
  });

  // A waiter that slept and one that did not: the waiting operation returned nothing, so the thread's
  // state is the same once it has returned (its own frames are gone), and so are key and fingerprint.
  const waits: [string, (k: Parameters<Parameters<typeof scenario>[1]>[0]) => { wait: () => Op<void>; signal: () => Op<void> }][] = [
    ['wait_event', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c');
      return { wait: () => wait_event(wq, () => c.value > 0, 'c > 0'), signal: function* () { yield* atomic_inc(c); yield* wake_up(wq); } };
    }],
    ['spin_until', (k) => {
      const c = k.atomic('c');
      return { wait: () => spin_until(() => c.value > 0, 'c > 0'), signal: () => atomic_inc(c) };
    }],
    ['wait_for_completion', (k) => {
      const done = k.completion('done');
      return { wait: () => wait_for_completion(done), signal: () => complete(done) };
    }],
  ];
  for (const [name, make] of waits) {
    it(`see one state after ${name}, whether it slept or not`, () => {
      const s = scenario(`after ${name}`, (k) => {
        const { wait, signal } = make(k);
        const d = k.atomic('d');
        k.thread('waiter', function* () {
          yield* wait();
          yield* atomic_inc(d);
        });
        k.thread('signaller', function* () {
          yield* signal();
        });
      });
      const run = (first: 'waiter' | 'signaller') => {
        const exec = new Execution(s);
        const tid = (n: string) => exec.threads.find((t) => t.name === n)!.index;
        if (first === 'waiter') exec.step(tid('waiter'));
        while (exec.threads[tid('signaller')]!.runnable) exec.step(tid('signaller'));
        exec.step(tid('waiter'));
        return exec;
      };
      const slept = run('waiter');
      const straight = run('signaller');
      expect(slept.steps[0]!.blocked).toBe(true);
      expect(straight.steps.at(-1)!.blocked).toBe(false);
      expect(slept.threads[0]!.finished).toBe(false);
      expect(fingerprint(slept)).toBe(fingerprint(straight));
      expect(new StateKeys().key(slept)).toBe(new StateKeys().key(straight));
    });
  }

  it('are not used with another reduction, and stateCache must be a boolean', () => {
    const s = programScenario(randomProgram(1), 'program 1');
    expect(explore(s, { reduction: 'none' }).stats.states).toBeUndefined();
    expect(explore(s, { stateCache: false }).stats.states).toBeUndefined();
    expect(explore(s).options.stateCache).toBe(KEY_EVERY);
    expect(() => explore(s, { stateCache: 'yes' as unknown as boolean })).toThrow('explore: stateCache must be true, false or an integer ≥ 1, got "yes"');
    expect(() => explore(s, { stateCache: 0 })).toThrow('explore: stateCache must be true, false or an integer ≥ 1, got 0');
  });
});
