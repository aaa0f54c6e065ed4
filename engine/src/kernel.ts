import type { Listing } from './core/listing.ts';
import type { KObject } from './core/object.ts';
import { World } from './core/world.ts';
import { Atomic } from './sync/atomic.ts';
import { Mutex, type MutexOptions } from './sync/mutex.ts';
import { Refcount } from './sync/refcount.ts';
import { RwSemaphore, type RwsemOptions } from './sync/rwsem.ts';
import { Spinlock, type SpinlockOptions } from './sync/spinlock.ts';
import { WaitQueue } from './sync/waitqueue.ts';
import { Completion } from './sync/completion.ts';
import { Semaphore } from './sync/semaphore.ts';
import { File, type FileOperations } from './mm/file.ts';
import { MmStruct, type MmOptions } from './mm/mm_struct.ts';
import { Process, type ProcessOptions } from './mm/process.ts';
import { Hmm, HmmRange, type HmmOptions } from './notifier/hmm.ts';
import { MmuNotifier, type MmuNotifierOps } from './notifier/mmu_notifier.ts';

/**
 * The `k` a scenario's `build(k)` receives: it makes the world's threads (`k.thread`) and objects.
 * Threads share state only through these objects, so the explorer sees every shared access.
 */
export class Kernel extends World {
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

  /** A `struct completion`, initialised (`init_completion`): not done, no waiters. */
  completion(name: string): Completion {
    this.building('completion', name);
    return new Completion(this, name);
  }

  /** A counting `struct semaphore` with `count` units (`sema_init`). */
  semaphore(name: string, count: number): Semaphore {
    this.building('semaphore', name);
    return new Semaphore(this, name, count);
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

  /** An mmu notifier subscription; with `mm`, it is registered before the threads run. */
  mmuNotifier(name: string, ops: MmuNotifierOps, mm?: MmStruct): MmuNotifier {
    this.building('mmuNotifier', name);
    return new MmuNotifier(this, name, ops, mm);
  }

  /** The `struct hmm` of `mm`, subscribed to its mmu notifiers, with its mirrors registered. */
  hmm(name: string, mm: MmStruct, options: HmmOptions): Hmm {
    this.building('hmm', name);
    return new Hmm(this, name, mm, options);
  }

  /** A driver's `struct hmm_range`, to register with `hmm_range_register`. */
  hmmRange(name: string): HmmRange {
    this.building('hmmRange', name);
    return new HmmRange(this, name);
  }

  /** Adds an object of your own (a subclass of `KObject`), made with this world. */
  object<T extends KObject>(make: (world: World) => T): T {
    return make(this);
  }
}
