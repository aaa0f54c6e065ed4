import { act, dynamicAct, perform, settled, wakeAct, type Op } from '../core/action.ts';
import { ADD, READ, WRITE, type Access, type ObjectState } from '../core/object.ts';
import type { KThread, WaitInfo } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { mightSleep } from './context.ts';
import { Lock, names, unique } from './lock.ts';

/**
 * Which readers a rw_semaphore admits and whom a release grants:
 *
 * - `'fifo'` (default): Linux v4.x (`rwsem-xadd.c`), which the cxl bug ran on. A new reader queues
 *   whenever anyone waits, even if readers hold the lock; a release grants the consecutive readers
 *   at the head of the queue together, or the writer at the head. (v6.x, where the userfaultfd bug
 *   lives, keeps the same rule for an arriving reader; kernel-semantics §1.3.)
 * - `'phase-fair'`: Linux v5.3 and later. As `'fifo'`, but when the first waiter is a reader, a
 *   release grants every queued reader (up to 256), skipping the writers between them.
 * - `'reader-preferring'`: not Linux. A reader joins whenever no writer holds the lock, so a
 *   recursive read never blocks and writers can starve.
 *
 * Modelled as in the kernel: waiters queue FIFO; a writer waits for every holder; trylocks never
 * queue. Simplification: Linux v4 wakes a writer at the head rather than handing it the lock, so a
 * newly arriving writer may spin and take the lock first; here the head writer is granted it. No
 * verdict of the five cases depends on which of two writers goes first.
 */
export type RwsemPolicy = 'fifo' | 'phase-fair' | 'reader-preferring';

export const RWSEM_POLICIES: readonly RwsemPolicy[] = ['fifo', 'phase-fair', 'reader-preferring'];

/** `MAX_READERS_WAKEUP` in v5.3+ `rwsem.c`. */
const MAX_READERS_WAKEUP = 256;

export interface RwsemOptions {
  policy?: RwsemPolicy;
  /** Lockdep class; defaults to the name. Every mm's `mmap_lock` shares one class. */
  lockClass?: string;
}

interface Waiter {
  t: KThread;
  mode: 'read' | 'write';
}

export class RwSemaphore extends Lock {
  readonly kind = 'rwsem';
  readonly policy: RwsemPolicy;
  /** One entry per read hold: a thread that took the lock twice for read appears twice. */
  readonly readers: KThread[] = [];
  writer: KThread | null = null;
  readonly queue: Waiter[] = [];

  constructor(world: World, name: string, options: RwsemOptions = {}) {
    super(world, name, options.lockClass);
    const policy = options.policy ?? 'fifo';
    if (!RWSEM_POLICIES.includes(policy)) {
      throw new Error(`rwsem '${name}': unknown policy ${JSON.stringify(policy)} (policies: ${RWSEM_POLICIES.join(', ')})`);
    }
    this.policy = policy;
  }

  private get idle(): boolean {
    return this.writer === null && this.readers.length === 0;
  }

  /**
   * A step's footprint on this rwsem, in the current state. Readers that are admitted at once, and
   * read releases that grant nobody, commute with each other (ADD): their order changes nothing but
   * the order of names in `readers`. A trylock that fails changes nothing (READ). Everything else
   * writes. Any step that changes whether a reader would be admitted writes the rwsem, so a footprint
   * computed now stays right until a conflicting step runs.
   */
  footprint(t: KThread, op: 'lock' | 'trylock' | 'unlock', mode: 'read' | 'write'): readonly Access[] {
    let m: typeof READ | typeof WRITE | typeof ADD = WRITE;
    if (op === 'trylock') m = (mode === 'read' ? this.readerMayJoin() : this.idle) ? (mode === 'read' ? ADD : WRITE) : READ;
    else if (mode === 'read') {
      if (op === 'lock' && this.readerMayJoin()) m = ADD;
      if (op === 'unlock' && this.queue.length === 0 && this.readers.includes(t)) m = ADD;
    }
    return this.only(m).fp;
  }

  private readerMayJoin(): boolean {
    if (this.writer !== null) return false;
    return this.policy === 'reader-preferring' || this.queue.length === 0;
  }

  /** The first step of `down_read`/`down_write`: take the lock, or queue and sleep. Returns whether it queued. */
  lock(t: KThread, mode: 'read' | 'write', op: string): boolean {
    this.checkAlive(t, op);
    mightSleep(t, op, this.name);
    this.announce(t, mode, op);
    if (mode === 'read' ? this.readerMayJoin() : this.idle) {
      this.admit(t, mode, op);
      this.world.note(() => `acquired ${this.name} for ${mode}`);
      return false;
    }
    this.queue.push({ t, mode });
    t.sleep(this, op);
    this.world.note(() => `waits: ${this.waitInfo(t).text}`);
    return true;
  }

  trylock(t: KThread, mode: 'read' | 'write', op: string): boolean {
    this.checkAlive(t, op);
    const ok = mode === 'read' ? this.readerMayJoin() : this.idle;
    if (ok) {
      this.announce(t, mode, op, true);
      this.admit(t, mode, op);
    }
    this.world.note(() => ok ? `acquired ${this.name} for ${mode}` : `failed: ${this.busyText(mode)}`);
    return ok;
  }

  unlock(t: KThread, mode: 'read' | 'write', op: string): void {
    this.checkAlive(t, op);
    if (mode === 'write' ? this.writer !== t : !this.readers.includes(t)) {
      throw new Violation('unlock-not-held', `${t.name} called ${op} on ${this.name}, which it does not hold for ${mode}`);
    }
    this.unhold(t, mode, op);
    if (mode === 'write') this.writer = null;
    else this.readers.splice(this.readers.lastIndexOf(t), 1);
    this.grant();
  }

  downgrade(t: KThread): void {
    this.checkAlive(t, 'downgrade_write');
    if (this.writer !== t) {
      throw new Violation('unlock-not-held', `${t.name} called downgrade_write on ${this.name}, which it does not hold for write`);
    }
    const held = t.holds(this)!;
    held.mode = 'read';
    this.writer = null;
    this.readers.push(t);
    this.grant();
  }

  private admit(t: KThread, mode: 'read' | 'write', op: string): void {
    if (mode === 'write') this.writer = t;
    else this.readers.push(t);
    this.hold(t, mode, op);
  }

  /** Hands the lock to waiters at the head of the queue, as the policy says. */
  private grant(): void {
    const head = this.queue[0];
    if (!head) return;
    const granted: Waiter[] = [];
    if (head.mode === 'write') {
      if (this.idle) granted.push(this.queue.shift()!);
    } else if (this.writer === null) {
      if (this.policy === 'fifo') {
        while (this.queue[0]?.mode === 'read') granted.push(this.queue.shift()!);
      } else {
        const limit = this.policy === 'phase-fair' ? MAX_READERS_WAKEUP : Infinity;
        for (let i = 0; i < this.queue.length && granted.length < limit; ) {
          if (this.queue[i]!.mode === 'read') granted.push(this.queue.splice(i, 1)[0]!);
          else i++;
        }
      }
    }
    for (const w of granted) {
      this.admit(w.t, w.mode, `down_${w.mode}`);
      w.t.wakeUp();
    }
    if (granted.length > 0) this.world.note(() => `granted ${this.name} to ${granted.map((w) => `${w.t.name} (${w.mode})`).join(', ')}`);
  }

  /** Why a trylock for `mode` failed: a holder in its way, else a waiter. */
  /** Each thread that holds the lock for read, once, in name order (readers commute, so order means nothing). */
  private readerThreads(): KThread[] {
    return unique(this.readers).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private busyText(mode: 'read' | 'write'): string {
    if (this.writer) return `held for write by ${this.writer.name}`;
    if (mode === 'write' && this.readers.length > 0) return `held for read by ${names(this.readerThreads())}`;
    return `${this.queue[0]!.t.name} is queued`;
  }

  waitInfo(t: KThread): WaitInfo {
    const at = this.queue.findIndex((w) => w.t === t);
    const me = this.queue[at];
    if (!me) return { text: '', blockers: [] };
    const ahead = this.queue.slice(0, at);
    const holders = me.mode === 'write' ? [...this.readerThreads(), ...(this.writer ? [this.writer] : [])] : this.writer ? [this.writer] : [];
    const clauses: string[] = [];
    if (ahead.length > 0) clauses.push(`queued behind ${ahead.map((w) => `${w.t.name}'s down_${w.mode}`).join(', ')}`);
    if (holders.length > 0) {
      const how = this.writer ? 'write' : 'read';
      clauses.push(`held for ${how} by ${names(holders)}`);
    }
    return { text: clauses.join(', and '), blockers: unique([...ahead.map((w) => w.t), ...holders]) };
  }

  snapshot(): ObjectState {
    const readers = this.readers.map((r) => r.name).sort();
    const holders = this.writer ? `write-held by ${this.writer.name}` : readers.length ? `read-held by ${readers.join(', ')}` : 'free';
    const queue = this.queue.length ? `; queue: ${this.queue.map((w) => `${w.t.name} (${w.mode})`).join(', ')}` : '';
    return {
      name: this.name,
      kind: this.kind,
      lockClass: this.lockClass,
      policy: this.policy,
      readers,
      writer: this.writer?.name ?? null,
      queue: this.queue.map((w) => ({ thread: w.t.name, mode: w.mode })),
      summary: holders + queue,
    };
  }
}

function* lockStep(sem: RwSemaphore, mode: 'read' | 'write', op: string): Op<void> {
  const queued = yield* perform(dynamicAct(op, sem, false, (t) => sem.footprint(t, 'lock', mode), (t) => sem.lock(t, mode, op)));
  if (queued) yield* perform(wakeAct(op, sem, null, () => sem.world.note(() => `acquired ${sem.name} for ${mode} after waiting`)));
}

/** Takes the rwsem for read; sleeps while a writer holds it (or, under 'fifo', while anyone waits). */
export function down_read(sem: RwSemaphore): Op<void> {
  return settled(lockStep(sem, 'read', 'down_read'));
}

/** Takes the rwsem for write; sleeps until every holder has released it. */
export function down_write(sem: RwSemaphore): Op<void> {
  return settled(lockStep(sem, 'write', 'down_write'));
}

/** Returns true if it took the lock for read; fails whenever a writer holds it or anyone waits. */
export function* down_read_trylock(sem: RwSemaphore): Op<boolean> {
  return yield* perform(dynamicAct('down_read_trylock', sem, false, (t) => sem.footprint(t, 'trylock', 'read'), (t) => sem.trylock(t, 'read', 'down_read_trylock')));
}

/** Returns true if it took the lock for write; succeeds only on an idle rwsem. */
export function* down_write_trylock(sem: RwSemaphore): Op<boolean> {
  return yield* perform(dynamicAct('down_write_trylock', sem, false, (t) => sem.footprint(t, 'trylock', 'write'), (t) => sem.trylock(t, 'write', 'down_write_trylock')));
}

export function* up_read(sem: RwSemaphore): Op<void> {
  yield* perform(dynamicAct('up_read', sem, false, (t) => sem.footprint(t, 'unlock', 'read'), (t) => sem.unlock(t, 'read', 'up_read')));
}

export function* up_write(sem: RwSemaphore): Op<void> {
  yield* perform(act('up_write', sem, WRITE, (t) => sem.unlock(t, 'write', 'up_write')));
}

/** Turns the caller's write hold into a read hold and admits the readers at the head of the queue. */
export function* downgrade_write(sem: RwSemaphore): Op<void> {
  yield* perform(act('downgrade_write', sem, WRITE, (t) => sem.downgrade(t)));
}
