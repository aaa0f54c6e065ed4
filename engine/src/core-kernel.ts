import type { Listing } from './core/listing.ts';
import type { KObject } from './core/object.ts';
import { World } from './core/world.ts';
import { Atomic } from './sync/atomic.ts';
import { Mutex, type MutexOptions } from './sync/mutex.ts';
import { Refcount } from './sync/refcount.ts';
import { RwSemaphore, type RwsemOptions } from './sync/rwsem.ts';
import { Spinlock, type SpinlockOptions } from './sync/spinlock.ts';
import { WaitQueue } from './sync/waitqueue.ts';
import { File, type FileOperations } from './mm/file.ts';
import { MmStruct, type MmOptions } from './mm/mm_struct.ts';
import { Process, type ProcessOptions } from './mm/process.ts';

/**
 * The `k` of the engine's cases (`coreScenario`): threads, locks, wait queues, counts, mm, processes
 * and files. `Kernel` (kernel.ts) adds the other models; a case makes those through their own
 * modules, so that a bundle of the case carries only the models it uses.
 */
export class CoreKernel extends World {
  constructor(listing?: Listing) {
    super(listing);
  }

  mutex(name: string, options?: MutexOptions): Mutex {
    this.building('mutex', name);
    return new Mutex(this, name, options);
  }

  /** A rw_semaphore; `policy` is `'fifo'` (Linux v4, the default), `'phase-fair'` (v5.3+) or `'reader-preferring'`. */
  rwsem(name: string, options?: RwsemOptions): RwSemaphore {
    this.building('rwsem', name);
    return new RwSemaphore(this, name, options);
  }

  spinlock(name: string, options?: SpinlockOptions): Spinlock {
    this.building('spinlock', name);
    return new Spinlock(this, name, options);
  }

  waitqueue(name: string): WaitQueue {
    this.building('waitqueue', name);
    return new WaitQueue(this, name);
  }

  atomic(name: string, value = 0): Atomic {
    this.building('atomic', name);
    return new Atomic(this, name, value);
  }

  refcount(name: string, value = 1): Refcount {
    this.building('refcount', name);
    return new Refcount(this, name, value);
  }

  /** A `struct kref`, initialised to 1 as `kref_init` does. */
  kref(name: string): Refcount {
    this.building('kref', name);
    return new Refcount(this, name, 1);
  }

  /** An mm with one user held from the start by the scenario (an mm a driver works on); see also `process`. */
  mm(name: string, options?: MmOptions): MmStruct {
    this.building('mm', name);
    const mm = new MmStruct(this, name, options);
    mm.mm_users.init(null, 'mm_alloc');
    return mm;
  }

  /** A process: an mm, a file table, and the threads made with `process.thread(name, body)`. */
  process(name: string, options?: ProcessOptions): Process {
    this.building('process', name);
    return new Process(this, name, options);
  }

  /** A file with one reference held from the start by the scenario; `process.open` makes one a process has open. */
  file(name: string, f_op?: FileOperations): File {
    this.building('file', name);
    return new File(this, name, f_op);
  }

  /** Adds an object of your own (a subclass of `KObject`), made with this world. */
  object<T extends KObject>(make: (world: World) => T): T {
    return make(this);
  }
}
