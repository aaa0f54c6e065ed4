import { describe, expect, it } from 'vitest';
import { explore, mutex_lock, mutex_unlock, replay, scenario, simulate, type ExploreOptions, type Scenario } from '../src/index.ts';

const noop = function* () {};

describe('bad scenarios fail where they are defined, with a clear Error', () => {
  it('no threads', () => {
    expect(() => scenario('empty', () => {})).toThrow("scenario 'empty': the scenario has no threads: call k.thread(name, function* () { ... }) in build(k)");
  });

  it('two threads or objects with one name', () => {
    expect(() => scenario('twins', (k) => {
      k.thread('T1', noop);
      k.thread('T1', noop);
    })).toThrow("scenario 'twins': the name 'T1' is already taken by a thread; names of threads and objects must be unique");
    expect(() => scenario('twin locks', (k) => {
      k.mutex('lock');
      k.rwsem('lock');
      k.thread('T1', noop);
    })).toThrow("the name 'lock' is already taken by a mutex");
    expect(() => scenario('thread and object', (k) => {
      k.mutex('T1');
      k.thread('T1', noop);
    })).toThrow("the name 'T1' is already taken by a mutex");
  });

  it('a body that is not a generator function', () => {
    expect(() => scenario('plain', (k) => {
      k.thread('T1', (() => {}) as never);
    })).toThrow("k.thread('T1'): the body must be a generator function (function* () { ... }), got a plain function");
    expect(() => scenario('string', (k) => {
      k.thread('T1', 'yield' as never);
    })).toThrow('got string');
  });

  it('an empty name, a missing build, too many threads', () => {
    expect(() => scenario('unnamed', (k) => {
      k.mutex(' ');
      k.thread('T', noop);
    })).toThrow("scenario 'unnamed': every object needs a non-empty name");
    expect(() => scenario('', (k) => k.thread('T', noop))).toThrow('scenario: the first argument must be a non-empty name');
    expect(() => scenario('x', undefined as never)).toThrow("scenario 'x': the second argument must be a function build(k)");
    expect(() => scenario('crowd', (k) => {
      for (let i = 0; i < 53; i++) k.thread(`T${i}`, noop);
    })).toThrow("scenario 'crowd': 53 threads; at most 52 are supported");
  });

  it('a thread created while threads run is reported as a violation of that thread', () => {
    const s = scenario('late thread', (k) => {
      k.thread('T1', function* () {
        k.thread('T2', noop);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.message).toBe("T1 threw Error: k.thread('T2'): threads must be created in build(k), not while threads run");
  });

  it('the engine functions reject what is not a scenario', () => {
    expect(() => explore({} as Scenario)).toThrow('explore: expected a scenario made by scenario(name, build), got object');
    expect(() => replay(null as never, 'a')).toThrow('replay: expected a scenario made by scenario(name, build), got null');
    expect(() => simulate(undefined as never)).toThrow('got undefined');
  });
});

describe('options out of range', () => {
  const s = scenario('one lock', (k) => {
    const m = k.mutex('m');
    k.thread('T1', function* () {
      yield* mutex_lock(m);
      yield* mutex_unlock(m);
    });
  });
  const bad: [ExploreOptions, string][] = [
    [{ maxExecutions: 0 }, 'explore: maxExecutions must be an integer ≥ 1 (or Infinity), got 0'],
    [{ maxSteps: -5 }, 'explore: maxSteps must be an integer ≥ 1 (or Infinity), got -5'],
    [{ maxSteps: 2.5 }, 'explore: maxSteps must be an integer ≥ 1 (or Infinity), got 2.5'],
    [{ maxSteps: 2_000_000 }, 'explore: maxSteps must be at most 1000000, got 2000000'],
    [{ timeBudgetMs: 0 }, 'explore: timeBudgetMs must be a number ≥ 1 (or Infinity), got 0'],
    [{ preemptionBound: -1 }, 'explore: preemptionBound must be an integer ≥ 0 (or Infinity), got -1'],
    [{ maxExecutions: Number.NaN }, 'explore: maxExecutions must be an integer ≥ 1 (or Infinity), got NaN'],
    [{ reduction: 'fast' as never }, `explore: reduction must be 'dpor' or 'none', got "fast"`],
    [{ maxExec: 5 } as never, 'explore: unknown option \'maxExec\''],
    [{ onProgress: 5 as never }, 'explore: onProgress must be a function'],
    [null as never, 'explore: options must be an object, got null'],
  ];
  for (const [options, message] of bad) {
    it(JSON.stringify(options) ?? String(options), () => {
      expect(() => explore(s, options)).toThrow(message);
    });
  }

  it('accepts Infinity and fractional time budgets', () => {
    expect(explore(s, { maxExecutions: Infinity, timeBudgetMs: 1500.5, preemptionBound: 0 }).verdict).toBe('ok');
  });
});

describe('a scenario names the objects its story is about, and each thread its role', () => {
  const focused = scenario('focused', (k) => {
    const a = k.mutex('a');
    k.mutex('b');
    k.thread('T1', function* () {
      yield* mutex_lock(a);
      yield* mutex_unlock(a);
    }, { role: 'the locker' });
    k.thread('T2', noop);
  }, { focus: ['b', 'a'] });

  it('keeps the focus in the order given, and the roles in the snapshot', () => {
    expect(focused.focus).toEqual(['b', 'a']);
    expect(Object.isFrozen(focused.focus)).toBe(true);
    const snap = simulate(focused).snapshot();
    expect(snap.threads.map((t) => t.role)).toEqual(['the locker', undefined]);
  });

  it('has an empty focus when it names none', () => {
    expect(scenario('plain', (k) => k.thread('T', noop)).focus).toEqual([]);
  });

  it('refuses a focus that names no object of the world', () => {
    expect(() => scenario('typo', (k) => {
      k.mutex('a');
      k.thread('T', noop);
    }, { focus: ['a', 'mmap_sem', 'T'] })).toThrow("scenario 'typo': focus names no object of the world: 'mmap_sem', 'T'");
  });
});

describe('every case names its focus objects and its threads\' roles', async () => {
  const { cases } = await import('../src/cases/index.ts');
  for (const c of Object.values(cases)) {
    it(c.id, () => {
      // Every variant, alone and with each named value of each parameter (a focus that names no object throws).
      const choices = c.params.flatMap((p) => (p.values ?? []).map((value) => ({ [p.name]: value })));
      for (const v of c.variants) {
        for (const more of [{}, ...choices]) {
          const s = c.build({ variant: v.id, ...more });
          expect(s.focus.length, `${c.id} ${v.id}`).toBeGreaterThan(0);
          expect(simulate(s).snapshot().threads.every((t) => typeof t.role === 'string' && t.role.length > 0), `${c.id} ${v.id} ${JSON.stringify(more)}`).toBe(true);
        }
      }
    });
  }
});
