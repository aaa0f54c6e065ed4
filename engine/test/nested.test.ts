import { describe, expect, it } from 'vitest';
import {
  SINGLE_DEPTH_NESTING, down_read, down_read_nested, down_write_nested, explore, mutex_lock, mutex_lock_nested, mutex_unlock,
  replay, scenario, spin_lock, spin_lock_nested, spin_unlock, up_read, up_write, type Op,
} from '../src/index.ts';

/** Two inodes' locks of one lockdep class, parent then child, as rename-style code takes them. */
const parentChild = (annotated: boolean) =>
  scenario(annotated ? 'mutex_lock_nested' : 'mutex_lock twice', (k) => {
    const parent = k.mutex('dir->i_rwsem', { lockClass: 'i_mutex_key' });
    const child = k.mutex('file->i_rwsem', { lockClass: 'i_mutex_key' });
    k.thread('T', function* () {
      yield* mutex_lock(parent);
      yield* (annotated ? mutex_lock_nested(child, SINGLE_DEPTH_NESTING) : mutex_lock(child));
      yield* mutex_unlock(child);
      yield* mutex_unlock(parent);
    });
  });

describe('lockdep nesting annotations', () => {
  it('two locks of one class: recursive locking without the annotation, none with subclass 1', () => {
    expect(explore(parentChild(false)).lockdep.warnings.map((w) => w.title)).toEqual(['possible recursive locking detected']);
    const r = explore(parentChild(true));
    expect(r.verdict).toBe('ok');
    expect(r.lockdep.warnings).toEqual([]);
    expect(r.lockdep.edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(['i_mutex_key -> i_mutex_key/1']);
  });

  it('subclass 0 is the class itself; the same subclass twice is still recursive', () => {
    const s = (sub: number) => scenario(`subclass ${sub}`, (k) => {
      const a = k.mutex('a', { lockClass: 'c' });
      const b = k.mutex('b', { lockClass: 'c' });
      k.thread('T', function* () {
        yield* mutex_lock_nested(a, sub);
        yield* mutex_lock_nested(b, sub);
        yield* mutex_unlock(b);
        yield* mutex_unlock(a);
      });
    });
    expect(explore(s(0)).lockdep.warnings[0]?.title).toBe('possible recursive locking detected');
    expect(explore(s(2)).lockdep.warnings[0]?.classes).toEqual(['c/2']);
  });

  it('a subclass is a class of its own in the dependency graph: the opposite order elsewhere is a cycle', () => {
    const s = scenario('cycle through a subclass', (k) => {
      const sem = k.rwsem('mmap_lock');
      const other = k.rwsem('other mm->mmap_lock', { lockClass: 'mmap_lock' });
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* down_read(sem);
        yield* down_write_nested(other, SINGLE_DEPTH_NESTING);
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
        yield* up_write(other);
        yield* up_read(sem);
      });
      k.thread('T2', function* () {
        yield* mutex_lock(m);
        yield* down_read_nested(other, SINGLE_DEPTH_NESTING);
        yield* up_read(other);
        yield* mutex_unlock(m);
      });
    });
    const r = explore(s);
    const circular = r.lockdep.warnings.find((w) => w.kind === 'circular');
    expect(circular?.classes.sort()).toEqual(['m', 'mmap_lock/1']);
    expect(r.lockdep.warnings.some((w) => w.kind === 'recursive')).toBe(false);
  });

  it('the annotation changes no behaviour: a real self-deadlock stays a deadlock', () => {
    const s = scenario('spin_lock_nested on a held lock', (k) => {
      const l = k.spinlock('l');
      k.thread('T', function* () {
        yield* spin_lock(l);
        yield* spin_lock_nested(l, SINGLE_DEPTH_NESTING);
        yield* spin_unlock(l);
        yield* spin_unlock(l);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.lockdep.warnings).toEqual([]); // annotated away, as in the kernel: lockdep trusts the annotation
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('deadlock');
  });

  it('a subclass beyond MAX_LOCKDEP_SUBCLASSES is lockdep\'s BUG', () => {
    const s = scenario('subclass 8', (k) => {
      const m = k.mutex('m');
      k.thread('T', function* (): Op<void> {
        yield* mutex_lock_nested(m, 8);
        yield* mutex_unlock(m);
      });
    });
    const r = explore(s);
    expect(r).toMatchObject({ verdict: 'violation', counterexample: { rule: 'lockdep-subclass' } });
    expect(r.message).toContain('BUG: looking up invalid subclass: T takes m with subclass 8 (lockdep allows 0 to 7)');
  });

  it('the nested read of an rwsem keeps the kernel\'s queueing', () => {
    const s = scenario('nested read behind a writer', (k) => {
      const sem = k.rwsem('sem');
      k.thread('T1', function* () {
        yield* down_read(sem);
        yield* down_read_nested(sem, SINGLE_DEPTH_NESTING);
        yield* up_read(sem);
        yield* up_read(sem);
      });
      k.thread('T2', function* () {
        yield* down_write_nested(sem, 0);
        yield* up_write(sem);
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('deadlock');
    expect(r.lockdep.warnings).toEqual([]);
  });
});
