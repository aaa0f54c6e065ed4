import { describe, expect, it } from 'vitest';
import { caseIds, getCase } from '../src/cases/index.ts';
import { Execution } from '../src/core/execution.ts';
import { StateKeys, fingerprint } from '../src/core/fingerprint.ts';
import { Mutex } from '../src/sync/mutex.ts';
import {
  atomic_inc, atomic_read, complete, explore, iterate, mmap_write_lock, mmap_write_unlock, scenario, spin_until, userLoad, wait_event, wait_for_completion, wake_up,
  type Op, type Scenario,
} from '../src/index.ts';
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
        // By default too, and to the schedule: a stop from a shallower visit once a failure is found
        // gave hmm no-unwind a 30-step deadlock with four thread switches for the stateless three.
        expect(explore(s).counterexample?.schedule, `${id} ${v.id}`).toBe(stateless.counterexample?.schedule);
      }
    }
  });

  it('are looked up from the first execution by default', () => {
    const small = getCase('vfio-pci').build({ variant: 'fixed' });
    const r = explore(small);
    expect(r.stats.revisits).toBeGreaterThan(0);
    expect(r.stats.executions).toBeLessThan(explore(small, { stateCache: false }).stats.executions);
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

  /** Steps thread `name` of `exec` until its next step is `op` (or it cannot run). */
  const runUntil = (exec: Execution, name: string, op: string | null) => {
    const t = exec.threads.find((x) => x.name === name)!;
    while (t.runnable && t.pending?.op !== op) exec.step(t.index);
    return t;
  };
  const sameState = (a: Execution, b: Execution) => {
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(new StateKeys().key(a)).toBe(new StateKeys().key(b));
  };

  it('see one state after a page fault, whether mmap_read_trylock took the lock or the fault slept in down_read', () => {
    const s = scenario('fault', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x1000);
      const d = k.atomic('d');
      P.thread('T', function* () {
        yield* userLoad(0x10000);
        yield* atomic_inc(d);
      });
      k.thread('W', function* () {
        yield* mmap_write_lock(P.mm);
        yield* mmap_write_unlock(P.mm);
      });
    });
    const straight = new Execution(s);
    runUntil(straight, 'T', 'atomic_add'); // atomic_inc's step
    runUntil(straight, 'W', null);
    const slept = new Execution(s);
    runUntil(slept, 'W', 'up_write');
    const t = runUntil(slept, 'T', 'down_read'); // the trylock failed
    slept.step(t.index);
    expect(t.status).toBe('waiting');
    runUntil(slept, 'W', null);
    runUntil(slept, 'T', 'atomic_add');
    expect(t.finished).toBe(false);
    expect(slept.steps.length).toBeGreaterThan(straight.steps.length);
    sameState(straight, slept);
  });

  it('see one state in a wait_event that found its condition false once or twice', () => {
    const s = scenario('twice', (k) => {
      const wq = k.waitqueue('wq');
      const c = k.atomic('c');
      k.thread('waiter', function* () {
        yield* wait_event(wq, () => c.value >= 2, 'c >= 2');
      });
      k.thread('waker', function* () {
        yield* atomic_inc(c);
        yield* wake_up(wq);
        yield* atomic_inc(c);
        yield* wake_up(wq);
      });
    });
    const run = (order: string) => {
      const exec = new Execution(s);
      for (const n of order) exec.step(n === 'w' ? 0 : 1);
      return exec;
    };
    const twice = run('wkkwk'); // checks, sleeps; woken; checks again at c = 1, sleeps
    const once = run('kkwk'); // checks at c = 1, sleeps
    expect(twice.threads[0]!.status).toBe('waiting');
    expect(once.threads[0]!.status).toBe('waiting');
    sameState(twice, once);
  });

  it('see one state at an iteration of `iterate`, whatever earlier iterations received', () => {
    const s = scenario('loop', (k) => {
      const c = k.atomic('c');
      k.thread('L', function* () {
        yield* iterate(0, function* (i) {
          if (i === 2) return null;
          yield* atomic_read(c);
          return i + 1;
        });
      });
      k.thread('I', function* () {
        yield* atomic_inc(c);
      });
    });
    const run = (first: 'L' | 'I') => {
      const exec = new Execution(s);
      exec.step(exec.threads.find((t) => t.name === first)!.index);
      exec.step(exec.threads.find((t) => t.name !== first)!.index);
      return exec;
    };
    const [readZero, readOne] = [run('L'), run('I')];
    expect(readZero.threads[0]!.finished).toBe(false);
    sameState(readZero, readOne);
  });

  it("tell apart states that differ in any part of a thread's own state", () => {
    const s = scenario('one thread', (k) => {
      const n = k.atomic('n', 0);
      k.mutex('m');
      k.mutex('other');
      k.thread('T', function* () {
        yield* atomic_inc(n);
      });
    });
    const exec = new Execution(s);
    const t = exec.threads[0]!;
    const [m, other] = exec.world.objects.filter((o): o is Mutex => o instanceof Mutex);
    const keys = new StateKeys();
    const before = { key: keys.key(exec), fingerprint: fingerprint(exec) };
    const held = { lock: m!, mode: 'exclusive', step: 0, line: undefined, op: 'mutex_lock' };
    // Each change, and how to undo it: the thread's part of the key must see it.
    const changes: [string, () => void, () => void][] = [
      ['status', () => (t.status = 'waiting'), () => (t.status = 'ready')],
      ['what it waits on', () => (t.waiting = { on: m!, op: 'mutex_lock' }), () => (t.waiting = null)],
      ['what it waits in', () => (t.waiting = { on: other!, op: 'mutex_lock' }), () => (t.waiting = null)],
      ['a lock it holds', () => t.held.push(held), () => t.held.pop()],
      ['the mode it holds a lock in', () => t.held.push({ ...held, mode: 'read' }), () => t.held.pop()],
      ["a hold's lockdep class", () => t.held.push({ ...held, lockClass: 'm/1' }), () => t.held.pop()],
      ['preempt_count', () => t.preemptCount++, () => t.preemptCount--],
      ['interrupts disabled', () => t.irqsDisabled++, () => t.irqsDisabled--],
      ['page faults disabled', () => t.pagefaultsDisabled++, () => t.pagefaultsDisabled--],
      ['rcu_read_lock nesting', () => t.rcuReadDepth++, () => t.rcuReadDepth--],
      ['what its spin read', () => (t.spinReads = []), () => (t.spinReads = null)],
      ['the lines of its calls', () => t.enter(3), () => t.leave()],
      ['a non-blocking section', () => t.nonBlocking.push('mmu notifier'), () => t.nonBlocking.pop()],
      ['a nesting annotation', () => (t.nesting = { lock: m!, subclass: 1 }), () => (t.nesting = null)],
    ];
    const seen = new Set([before.key]);
    for (const [what, change, undo] of changes) {
      change();
      const key = keys.key(exec);
      expect(seen.has(key), `${what}: a key seen before`).toBe(false);
      expect(fingerprint(exec), what).not.toBe(before.fingerprint);
      seen.add(key);
      undo();
      expect(keys.key(exec), `${what}, undone`).toBe(before.key);
    }
  });

  it('are not used with another reduction, and stateCache must be a boolean', () => {
    const s = programScenario(randomProgram(1), 'program 1');
    expect(explore(s, { reduction: 'none' }).stats.states).toBeUndefined();
    expect(explore(s, { stateCache: false }).stats.states).toBeUndefined();
    expect(explore(s).options.stateCache).toBe('choices');
    expect(() => explore(s, { stateCache: 'yes' as unknown as boolean })).toThrow('explore: stateCache must be true, false or an integer ≥ 1, got "yes"');
    expect(() => explore(s, { stateCache: 0 })).toThrow('explore: stateCache must be true, false or an integer ≥ 1, got 0');
  });
});
