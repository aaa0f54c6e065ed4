import type { Listing } from './core/listing.ts';
import type { KObject } from './core/object.ts';
import { World } from './core/world.ts';
import { Atomic } from './sync/atomic.ts';
import { Mutex, type MutexOptions } from './sync/mutex.ts';
import { Refcount } from './sync/refcount.ts';
import { RwSemaphore, type RwsemOptions } from './sync/rwsem.ts';
import { Spinlock, type SpinlockOptions } from './sync/spinlock.ts';
import { WaitQueue } from './sync/waitqueue.ts';

/**
 * The `k` a scenario's `build(k)` receives: it makes the world's threads (`k.thread`) and objects.
 * Threads share state only through these objects, so the explorer sees every shared access.
 */
export class Kernel extends World {
  constructor(listing?: Listing) {
    super(listing);
  }

  mutex(name: string, options?: MutexOptions): Mutex {
    return new Mutex(this, name, options);
  }

  /** A rw_semaphore; `policy` is `'fifo'` (Linux v4, the default), `'phase-fair'` (v5.3+) or `'reader-preferring'`. */
  rwsem(name: string, options?: RwsemOptions): RwSemaphore {
    return new RwSemaphore(this, name, options);
  }

  spinlock(name: string, options?: SpinlockOptions): Spinlock {
    return new Spinlock(this, name, options);
  }

  waitqueue(name: string): WaitQueue {
    return new WaitQueue(this, name);
  }

  atomic(name: string, value = 0): Atomic {
    return new Atomic(this, name, value);
  }

  refcount(name: string, value = 1): Refcount {
    return new Refcount(this, name, value);
  }

  /** A `struct kref`, initialised to 1 as `kref_init` does. */
  kref(name: string): Refcount {
    return new Refcount(this, name, 1);
  }

  /** Adds an object of your own (a subclass of `KObject`), made with this world. */
  object<T extends KObject>(make: (world: World) => T): T {
    return make(this);
  }
}
