import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, ScenarioError, explore, mutex_lock, mutex_unlock, replay, scenario, type Mutex } from '../src/index.ts';

/** The mistakes a new user makes, each with the clear error it gets. */
describe('clear errors for mistakes in a scenario', () => {
  it('yield op() without the star', () => {
    const s = scenario('no star', (k) => {
      const m = k.mutex('m');
      // @ts-expect-error: the mistake under test (TypeScript sees it too; JavaScript does not)
      k.thread('T1', function* () {
        yield mutex_lock(m);
      });
    });
    expect(() => explore(s)).toThrow(new ScenarioError('T1 yielded a kernel operation without the star: write yield* op(...) (e.g. yield* mutex_lock(m)), not yield op(...)'));
  });

  it('a bare yield or a yielded value', () => {
    const s = scenario('bare yield', (k) => {
      // @ts-expect-error: the mistake under test
      k.thread('T1', function* () {
        yield;
      });
    });
    expect(() => explore(s)).toThrow('T1 yielded nothing (a bare yield), which is not a step: a thread body yields only through kernel operations, with yield*');
  });

  it('an async generator or an async function as a body', () => {
    const mk = (body: unknown) => () => scenario('async', (k) => {
      k.thread('T1', body as () => Generator<never, void>);
    });
    expect(mk(async function* () {})).toThrow("scenario 'async': k.thread('T1'): the body must be a generator function (function* () { ... }), got an async generator function (drop the async: kernel operations are not awaited)");
    expect(mk(async () => {})).toThrow('got an async function (thread bodies are generators, and kernel operations are not awaited)');
  });

  it('an object made inside a thread body', () => {
    const s = scenario('object in a body', (k) => {
      k.thread('T1', function* () {
        const m = k.mutex('late');
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
      });
    });
    expect(() => explore(s)).toThrow(new ScenarioError("k.mutex('late') was called in T1's body: make every object in build(k), before the threads start, and share it with the threads"));
  });

  it('an object taken from another scenario, or kept from an earlier execution', () => {
    let other: Mutex | undefined;
    scenario('other', (k) => {
      other = k.mutex('m');
      k.thread('T', function* () {});
    });
    const s = scenario('borrower', (k) => {
      k.thread('T1', function* () {
        yield* mutex_lock(other!);
        yield* mutex_unlock(other!);
      });
    });
    const message = "T1's mutex_lock uses m, which another build(k) made (an earlier execution, or another scenario): make every object in build(k) and keep it there";
    expect(() => explore(s)).toThrow(message);
    let kept: Mutex | undefined;
    const cached = scenario('cached', (k) => {
      kept ??= k.mutex('m');
      const m = kept;
      k.thread('T1', function* () {
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
      });
    });
    expect(() => explore(cached)).toThrow(message);
  });

  it('an end check that throws: named, with its cause; a Violation thrown there is a verdict', () => {
    const s = scenario('bad check', (k) => {
      k.atEnd(() => {
        throw new TypeError('x is undefined');
      });
      k.thread('T', function* () {});
    });
    expect(() => explore(s)).toThrow('end check 1 (registered with atEnd) threw TypeError: x is undefined; an end check returns null or a failure');
  });

  it("an option of the wrong type is named with its type: '5' is not 5", () => {
    const s = scenario('ok', (k) => {
      k.thread('T', function* () {});
    });
    expect(() => explore(s, { maxSteps: '5' as unknown as number })).toThrow("explore: maxSteps must be a number, got the string '5'");
  });

  it('a huge schedule is not echoed whole', () => {
    const s = scenario('two', (k) => {
      k.thread('T1', function* () {});
      k.thread('T2', function* () {});
    });
    const huge = 'ab'.repeat(500_000);
    let message = '';
    try {
      replay(s, huge);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('…(1000000 characters)');
    expect(message.length).toBeLessThan(300);
  });

  it('DEFAULT_OPTIONS cannot be changed', () => {
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
    expect(() => {
      (DEFAULT_OPTIONS as { maxSteps: number }).maxSteps = 1;
    }).toThrow(TypeError);
    expect(DEFAULT_OPTIONS.maxSteps).toBe(2000);
  });
});
