import { describe, expect, it } from 'vitest';
import { lockPair } from './support/drive.ts';
import { lastzeroScenario } from './support/lastzero.ts';
import { programScenario, randomProgram } from './support/programs.ts';
import {
  KObject, assert, atomic_inc, atomic_read, explore, mutex_lock, mutex_unlock, pagefault_disable, pagefault_enable, scenario, type Report,
} from '../src/index.ts';

function philosophers(seats: number, ordered: boolean) {
  return scenario(`philosophers(${seats})`, (k) => {
    const forks = Array.from({ length: seats }, (_, i) => k.mutex(`fork${i}`));
    for (let i = 0; i < seats; i++) {
      const [a, b] = [forks[i]!, forks[(i + 1) % seats]!];
      k.thread(`P${i}`, ordered && i === seats - 1 ? lockPair(b, a) : lockPair(a, b));
    }
  });
}

/** A report without its timing, which is the only part that may vary between runs. */
function timeless(r: Report): unknown {
  return { ...r, stats: { ...r.stats, ms: 0 } };
}

describe('verdicts', () => {
  it('ok when no interleaving fails, saying how many executions cover them', () => {
    const r = explore(philosophers(4, true), { stateCache: 1 });
    expect(r.verdict).toBe('ok');
    expect(r.complete).toBe(true);
    expect(r.message).toBe(`No execution fails: ${r.stats.executions} executions cover every interleaving, up to reordering of independent steps (${r.stats.revisits} of them stop at a state explored before).`);
    expect(r.stats.revisits).toBeGreaterThan(0);
    expect(r.counterexample).toBeUndefined();
    const once = explore(programScenario(randomProgram(56), 'program 56'));
    expect(once.stats.revisits).toBe(1);
    expect(once.message).toBe(`No execution fails: ${once.stats.executions} executions cover every interleaving, up to reordering of independent steps (one of them stops at a state explored before).`);
    const plain = explore(philosophers(4, true), { stateCache: false });
    expect(plain.stats.revisits).toBeUndefined();
    expect(plain.message).toBe(`No execution fails: ${plain.stats.executions} executions cover every interleaving, up to reordering of independent steps.`);
  });

  it('deadlock: the shortest is every philosopher holding the left fork', () => {
    const r = explore(philosophers(5, false));
    expect(r.verdict).toBe('deadlock');
    const steps = r.counterexample!.steps;
    expect(steps).toHaveLength(10);
    expect(steps.filter((s) => s.blocked).map((s) => s.thread).sort()).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(r.message).toMatch(/^Deadlock: P0, P1, P2, P3 and P4 can never run again; P0 waits in mutex_lock on fork1 held by P1; /);
  });

  it('violation: the counterexample is only what the failing step depends on', () => {
    const s = scenario('busy bystander', (k) => {
      const c = k.atomic('c');
      const mine = k.atomic('mine');
      k.thread('bystander', function* () {
        for (let i = 0; i < 5; i++) yield* atomic_inc(mine);
      });
      k.thread('checker', function* () {
        yield* atomic_inc(c);
        const v = yield* atomic_read(c);
        assert(v !== 1, 'c reached 1');
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', message: 'c reached 1' });
    expect(r.counterexample).toMatchObject({ schedule: 'b2', rule: 'assert', switches: 0 });
  });

  it('an exception in a thread body is a violation naming the thread', () => {
    const r = explore(scenario('throws', (k) => {
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* mutex_lock(m);
        throw new TypeError('boom');
      });
    }));
    expect(r).toMatchObject({ verdict: 'violation', message: 'T1 threw TypeError: boom' });
    expect(r.counterexample).toMatchObject({ rule: 'exception', schedule: 'a' });
  });
});

describe('bounds end in incomplete, saying which', () => {
  it('a thread that never ends runs into maxSteps, and the message names it', () => {
    const s = scenario('spinner', (k) => {
      const c = k.atomic('c');
      k.thread('looper', function* () {
        for (;;) yield* atomic_inc(c);
      });
      k.thread('T2', function* () {
        yield* atomic_inc(c);
      });
    });
    const r = explore(s, { maxSteps: 50 });
    expect(r.verdict).toBe('incomplete');
    const message = 'looper was still running after 50 steps (maxSteps), having taken 50 of them';
    expect(r.incomplete).toEqual({ bound: 'maxSteps', message });
    // Increments commute, but the cut leaves T2's step untaken: a second execution runs it within the bound.
    expect(r.message).toBe(`No failure found in 2 executions, but the search is incomplete: ${message}.`);
  });

  it('a cut execution still explores orders that start with the threads it never ran', () => {
    const s = scenario('cut', (k) => {
      const c = k.atomic('c');
      k.thread('looper', function* () {
        for (;;) yield* atomic_inc(c);
      });
      k.thread('checker', function* () {
        const v = yield* atomic_read(c);
        assert(v !== 0, 'checker ran first');
      });
    });
    const r = explore(s, { maxSteps: 20 });
    expect(r).toMatchObject({ verdict: 'violation', message: 'checker ran first', incomplete: { bound: 'maxSteps' } });
    expect(r.counterexample!.schedule).toBe('b');
  });

  it('maxExecutions', () => {
    const r = explore(philosophers(5, true), { maxExecutions: 7 });
    expect(r).toMatchObject({ verdict: 'incomplete', complete: false, incomplete: { bound: 'maxExecutions' } });
    expect(r.stats.executions).toBe(7);
  });

  it('timeBudgetMs', () => {
    const r = explore(philosophers(9, true), { timeBudgetMs: 30 });
    expect(r).toMatchObject({ verdict: 'incomplete', incomplete: { bound: 'timeBudgetMs' } });
  });

  it('preemptionBound: AB-BA needs one preemption', () => {
    const s = scenario('AB-BA', (k) => {
      const a = k.mutex('A');
      const b = k.mutex('B');
      k.thread('T1', lockPair(a, b));
      k.thread('T2', lockPair(b, a));
    });
    expect(explore(s, { preemptionBound: 0 })).toMatchObject({ verdict: 'incomplete', incomplete: { bound: 'preemptionBound' } });
    const one = explore(s, { preemptionBound: 1 });
    expect(one).toMatchObject({ verdict: 'deadlock', complete: false, incomplete: { bound: 'preemptionBound' } });
    expect(one.stats.pruned).toBeGreaterThan(0);
  });

  it('a bounded search finds every failure within the bound, as bounded brute force does', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const s = programScenario(randomProgram(seed), `program ${seed}`);
      for (const preemptionBound of [0, 1]) {
        const bounded = explore(s, { preemptionBound });
        const brute = explore(s, { preemptionBound, reduction: 'none' });
        expect(bounded.verdict).toBe(brute.verdict);
        expect(bounded.counterexample?.schedule).toBe(brute.counterexample?.schedule);
      }
    }
  });

  it('a failure found before a bound ran out is still reported, with the bound', () => {
    const s = scenario('early failure', (k) => {
      const forks = [k.mutex('f0'), k.mutex('f1'), k.mutex('f2'), k.mutex('f3')];
      forks.forEach((f, i) => k.thread(`P${i}`, lockPair(f, forks[(i + 1) % 4]!)));
      const c = k.atomic('c');
      k.thread('checker', function* () {
        yield* atomic_inc(c);
        assert(false, 'always fails');
      });
    });
    const r = explore(s, { maxExecutions: 5 });
    expect(r.verdict).toBe('violation');
    expect(r.complete).toBe(false);
    expect(r.incomplete?.bound).toBe('maxExecutions');
  });
});

describe('the search', () => {
  it('explores independent threads as one execution', () => {
    const s = scenario('independent', (k) => {
      for (let i = 0; i < 8; i++) {
        k.thread(`T${i}`, lockPair(k.mutex(`m${i}`), k.mutex(`n${i}`)));
      }
    });
    expect(explore(s).stats.executions).toBe(1);
  });

  it('covers fewer executions than brute force and agrees with it', () => {
    const s = philosophers(3, false);
    const dpor = explore(s);
    const brute = explore(s, { reduction: 'none' });
    expect(dpor.verdict).toBe(brute.verdict);
    expect(dpor.counterexample!.steps.length).toBe(brute.counterexample!.steps.length);
    expect(dpor.stats.executions).toBeLessThan(brute.stats.executions / 5);
  });

  it('runs one execution per Mazurkiewicz trace on lastzero, none of them blocked by sleep sets (wakeup trees), without the state cache', () => {
    // (n + 3) * 2^(n - 2) traces (Abdulla et al., POPL 2014). Source-DPOR with sleep sets ran 97
    // executions at n = 5, 33 of them blocked.
    for (const n of [4, 5, 6]) {
      const r = explore(lastzeroScenario(n, -1), { stateCache: false });
      expect(r.verdict).toBe('ok');
      expect(r.stats.redundant).toBe(0);
      expect(r.stats.executions).toBe((n + 3) * 2 ** (n - 2));
    }
  });

  it("takes a thread's own step first where the wakeup tree ends", () => {
    // T1 takes a lock; T2's first two steps touch no object. In index order T1 would run first.
    const s = scenario('own steps', (k) => {
      const m = k.mutex('m');
      k.thread('T1', lockPair(m, k.mutex('n')));
      k.thread('T2', function* () {
        yield* pagefault_disable();
        yield* pagefault_enable();
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
      });
    });
    for (const stateCache of [true, false]) {
      const schedules: string[] = [];
      const r = explore(s, { stateCache, onExecution: (e) => void schedules.push(e.schedule) });
      expect(r.verdict).toBe('ok');
      expect(schedules[0]).toMatch(/^b/);
    }
  });

  it('is deterministic: the same scenario and options give the same report', () => {
    for (const s of [philosophers(4, false), philosophers(4, true)]) {
      expect(timeless(explore(s))).toEqual(timeless(explore(s)));
    }
  });

  it('reports stats and calls onExecution once per execution', () => {
    let seen = 0;
    const r = explore(philosophers(3, false), { onExecution: () => void seen++ });
    expect(seen).toBe(r.stats.executions);
    for (const k of ['executions', 'steps', 'redundant', 'pruned', 'failing', 'longest', 'ms'] as const) {
      expect(Number.isInteger(r.stats[k]) && r.stats[k] >= 0).toBe(true);
    }
    expect(r.stats.steps).toBeGreaterThan(r.stats.executions);
  });

  it('empties each world once it has run, but the last, and none whose snapshot onExecution was given', () => {
    type Built = { objects: readonly unknown[]; threads: readonly unknown[] };
    const worlds: Built[] = [];
    const s = scenario('two threads, one mutex', (k) => {
      worlds.push(k);
      const m = k.mutex('m');
      for (const name of ['a', 'b']) {
        k.thread(name, function* () {
          yield* mutex_lock(m);
          yield* mutex_unlock(m);
        });
      }
    });
    worlds.length = 0; // the one scenario() built to check the scenario
    const r = explore(s);
    expect(r.stats.executions).toBeGreaterThan(1);
    expect(worlds).toHaveLength(r.stats.executions);
    const emptied = (w: Built) => w.objects.length === 0 && w.threads.length === 0;
    expect(worlds.slice(0, -1).every(emptied)).toBe(true);
    expect(emptied(worlds[worlds.length - 1]!)).toBe(false);
    worlds.length = 0;
    const snapshots: (() => unknown)[] = [];
    explore(s, { onExecution: (e) => void snapshots.push(e.snapshot) });
    expect(worlds.some(emptied)).toBe(false);
    expect(snapshots.map((snapshot) => snapshot())).toHaveLength(worlds.length);
  });

  it('explores a scenario whose own object is frozen: its world is emptied around it', () => {
    class Register extends KObject {
      readonly kind = 'register';
      readonly bits = [1, 0];
      snapshot() {
        return { name: this.name, kind: this.kind, summary: this.bits.join('') };
      }
    }
    const s = scenario('a frozen register beside a mutex', (k) => {
      k.object((w) => Object.freeze(new Register(w, 'reg')) as Register);
      const m = k.mutex('m');
      for (const name of ['a', 'b']) {
        k.thread(name, function* () {
          yield* mutex_lock(m);
          yield* mutex_unlock(m);
        });
      }
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    expect(r.stats.executions).toBeGreaterThan(1);
  });

  it('refuses a scenario that does not replay the same way (state shared outside the engine)', () => {
    let calls = 0; // lives outside build(k): shared between executions
    const s = scenario('leaky', (k) => {
      const a = k.mutex('a');
      const b = k.mutex('b');
      const x = k.atomic('x');
      k.thread('T1', function* () {
        const m = calls++ % 2 === 0 ? a : b;
        yield* mutex_lock(m);
        yield* atomic_read(x);
        yield* mutex_unlock(m);
      });
      k.thread('T2', function* () {
        yield* atomic_inc(x);
      });
    });
    expect(() => explore(s)).toThrow(/^the scenario 'leaky' is not deterministic: replaying step 1, T1 did mutex_lock\(b\) where it did mutex_lock\(a\) before/);
  });
});

describe('shared state is read in steps only', () => {
  it('a thread reading an engine object between steps is told to read it in a step', () => {
    const s = scenario('peek', (k) => {
      const c = k.atomic('c');
      k.thread('T1', function* () {
        yield* atomic_inc(c);
        if (c.value > 0) yield* atomic_inc(c);
      });
    });
    expect(explore(s).message).toBe('T1 threw Error: T1 read c in its own code, between steps: read shared state in a step (e.g. yield* atomic_read), or the explorer cannot see the access');
  });
});
