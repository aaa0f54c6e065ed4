import { describe, expect, it } from 'vitest';
import {
  down_read, down_write, explore, mutex_lock, mutex_trylock, mutex_unlock, replay, scenario, up_read, up_write, type Mutex, type Op,
} from '../src/index.ts';

function pair(a: Mutex, b: Mutex) {
  return function* (): Op<void> {
    yield* mutex_lock(a);
    yield* mutex_lock(b);
    yield* mutex_unlock(b);
    yield* mutex_unlock(a);
  };
}

describe('lockdep', () => {
  const recursiveRead = scenario('recursive read', (k) => {
    const sem = k.rwsem('mmap_sem');
    k.thread('T1', function* () {
      yield* down_read(sem);
      yield* down_read(sem);
      yield* up_read(sem);
      yield* up_read(sem);
    });
    k.thread('T2', function* () {
      yield* down_write(sem);
      yield* up_write(sem);
    });
  });

  it('flags a recursive down_read from an execution that did not deadlock', () => {
    const trace = replay(recursiveRead, 'b2a4'); // T2 first: no deadlock
    expect(trace.outcome).toBe('ok');
    const [w] = trace.lockdep.warnings;
    expect(w).toMatchObject({ kind: 'recursive', title: 'possible recursive locking detected', classes: ['mmap_sem'] });
    expect(w!.text).toContain('WARNING: possible recursive locking detected\n');
    expect(w!.text).toContain('T1 is trying to acquire lock:\n (mmap_sem) for read, at: down_read');
    expect(w!.text).toContain('  lock(mmap_sem);\n  lock(mmap_sem);');
    expect(w!.text).toContain('May be due to missing lock nesting notation');
  });

  it('flags AB-BA as a circular dependency from one execution that did not deadlock, with both paths', () => {
    const s = scenario('AB-BA', (k) => {
      const a = k.mutex('A');
      const b = k.mutex('B');
      k.thread('T1', pair(a, b));
      k.thread('T2', pair(b, a));
    });
    const trace = replay(s, 'a4b4');
    expect(trace.outcome).toBe('ok');
    const [w] = trace.lockdep.warnings;
    expect(w).toMatchObject({ kind: 'circular', classes: ['B', 'A'] });
    expect(w!.chain.map((e) => `${e.thread}: ${e.from} -> ${e.to}`)).toEqual(['T2: B -> A', 'T1: A -> B']);
    expect(w!.text).toContain('WARNING: possible circular locking dependency detected');
    expect(w!.text).toContain('which lock already depends on the new lock.');
    expect(w!.text).toContain('       CPU0                    CPU1\n       ----                    ----\n  lock(B);\n                               lock(A);\n                               lock(B);\n  lock(A);');
    expect(explore(s).lockdep.warnings).toHaveLength(1);
  });

  it('finds longer cycles', () => {
    const s = scenario('ring', (k) => {
      const [a, b, c] = [k.mutex('A'), k.mutex('B'), k.mutex('C')];
      k.thread('T1', pair(a, b));
      k.thread('T2', pair(b, c));
      k.thread('T3', pair(c, a));
    });
    const [w] = replay(s, 'a4b4c4').lockdep.warnings;
    expect(w!.kind).toBe('circular');
    expect([...w!.classes].sort()).toEqual(['A', 'B', 'C']);
    expect(w!.chain).toHaveLength(3);
  });

  it('works on classes: two locks of one class nested is recursive locking', () => {
    const s = scenario('two mms', (k) => {
      const a = k.rwsem('mm_A.mmap_lock', { lockClass: 'mmap_lock' });
      const b = k.rwsem('mm_B.mmap_lock', { lockClass: 'mmap_lock' });
      k.thread('T1', function* () {
        yield* down_read(b);
        yield* down_read(a);
        yield* up_read(a);
        yield* up_read(b);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    expect(r.lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
    expect(r.lockdep.classes).toEqual(['mmap_lock']);
  });

  it('does not check a trylock, which cannot deadlock', () => {
    const s = scenario('trylock inversion', (k) => {
      const a = k.mutex('A');
      const b = k.mutex('B');
      k.thread('T1', function* () {
        yield* mutex_lock(a);
        if (yield* mutex_trylock(b)) yield* mutex_unlock(b);
        yield* mutex_unlock(a);
      });
      k.thread('T2', pair(b, a));
    });
    const r = explore(s);
    expect(r.verdict).toBe('ok');
    expect(r.lockdep.warnings).toEqual([]);
    expect(r.lockdep.edges.map((e) => `${e.from}->${e.to}`)).toEqual(['B->A']);
  });
});
