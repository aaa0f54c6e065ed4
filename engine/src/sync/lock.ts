import { KObject } from '../core/object.ts';
import { listOf } from '../core/plural.ts';
import type { KThread, WaitInfo, Waitable } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';

export type LockMode = 'read' | 'write' | 'exclusive';

/** What every sleeping or spinning lock shares: a lockdep class, holds and lockdep events. */
export abstract class Lock extends KObject implements Waitable {
  override readonly stateInFootprint = true;
  readonly lockClass: string;

  constructor(world: World, name: string, lockClass?: string) {
    super(world, name);
    this.lockClass = lockClass ?? name;
  }

  abstract waitInfo(t: KThread): WaitInfo;

  /** Lockdep's `lock_acquire`: called when a thread asks for the lock, before it may sleep. */
  protected announce(t: KThread, mode: LockMode, op: string, trylock = false): void {
    this.world.emitLock({ type: 'acquire', lock: this, lockClass: this.classFor(t), mode, op, trylock, thread: t, step: this.world.stepIndex, line: t.line });
  }

  /** Records that `t` now holds the lock (in the granting step, for a waiter). */
  protected hold(t: KThread, mode: LockMode, op: string): void {
    const lockClass = this.classFor(t);
    t.held.push({ lock: this, mode, op, step: this.world.stepIndex, line: t.line, ...(lockClass === this.lockClass ? {} : { lockClass }) });
  }

  /**
   * Lockdep's class for `t` taking this lock: the lock's class, or with a nesting annotation of
   * subclass n > 0 in force (`mutex_lock_nested(lock, n)`), the class `class/n`, which lockdep keeps
   * apart from the class itself, as the kernel does (`lock_class` per key and subclass).
   */
  private classFor(t: KThread): string {
    const n = t.nesting;
    return n !== null && n.lock === this && n.subclass > 0 ? `${this.lockClass}/${n.subclass}` : this.lockClass;
  }

  /** Forgets `t`'s hold and tells lockdep; a release of what `t` does not hold is a violation. */
  protected unhold(t: KThread, mode: LockMode, op: string): void {
    const h = t.release(this, mode);
    if (!h) {
      const how = mode === 'exclusive' ? '' : ` for ${mode}`;
      throw new Violation('unlock-not-held', `${t.name} called ${op} on ${this.name}, which it does not hold${how}`);
    }
    this.world.emitLock({ type: 'release', lock: this, lockClass: h.lockClass ?? this.lockClass, mode, op, trylock: false, thread: t, step: this.world.stepIndex, line: t.line });
  }

  /** A use of a freed lock (its containing object was freed) is a violation. */
  protected checkAlive(t: KThread, op: string): void {
    checkAlive(this, t, op);
  }
}

export function checkAlive(obj: KObject, t: KThread, op: string): void {
  if (obj.freed) {
    throw new Violation('use-after-free', `${t.name} used ${obj.name} in ${op} after ${obj.freed.thread} freed it at step ${obj.freed.step + 1}`);
  }
}

export function names(threads: readonly KThread[]): string {
  return listOf(threads.map((t) => t.name));
}

export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
