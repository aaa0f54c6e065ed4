/**
 * @interleave/engine: a deterministic simulator of Linux kernel threads and the objects they share,
 * with an explorer that finds the shortest deadlock, violation or leak.
 */
export { scenario, isScenario, type Scenario, type ScenarioOptions } from './scenario.ts';
export { explore, replay, simulate, type Report, type Counterexample } from './explore.ts';
export { Kernel } from './kernel.ts';

// Core
export { act, wakeAct, dynamicAct, perform, at, type Action, type Op, type ThreadBody } from './core/action.ts';
export { KObject, READ, WRITE, ADD, access, type Access, type Mode, type ObjectState } from './core/object.ts';
export { KThread, currentThread, type ThreadStatus, type ThreadOptions, type Held, type WaitInfo, type Waitable } from './core/thread.ts';
export { World, type LockEvent, type WorldObserver, type EndFailure } from './core/world.ts';
export { Violation, assert, BUG_ON, WARN_ON } from './core/violation.ts';
export { listing, type Listing, type ListingFunction } from './core/listing.ts';
export { encodeSchedule, decodeSchedule, countSwitches, MAX_THREADS } from './core/schedule.ts';
export { DEFAULT_OPTIONS, type ExploreOptions, type ResolvedOptions, type ExploreStats, type Bound } from './core/explorer.ts';
export { Simulation, type Step, type Trace, type Verdict, type Outcome, type ThreadState, type WorldSnapshot } from './core/simulation.ts';

// Synchronisation, with the kernel's names
export { RwSemaphore, RWSEM_POLICIES, down_read, down_write, up_read, up_write, down_read_trylock, down_write_trylock, downgrade_write, type RwsemPolicy, type RwsemOptions } from './sync/rwsem.ts';
export { Mutex, mutex_lock, mutex_trylock, mutex_unlock, type MutexOptions } from './sync/mutex.ts';
export { Spinlock, spin_lock, spin_trylock, spin_unlock, spin_lock_irqsave, spin_unlock_irqrestore, type SpinlockOptions } from './sync/spinlock.ts';
export { WaitQueue, wait_event, wake_up, wake_up_all } from './sync/waitqueue.ts';
export {
  Atomic, atomic_read, atomic_set, atomic_inc, atomic_dec, atomic_add, atomic_sub, atomic_add_return, atomic_inc_return,
  atomic_dec_return, atomic_dec_and_test, atomic_inc_not_zero, atomic_cmpxchg,
} from './sync/atomic.ts';
export {
  Refcount, refcount_read, refcount_inc, refcount_dec, refcount_dec_and_test, refcount_inc_not_zero,
  kref_get, kref_put, kref_get_unless_zero,
} from './sync/refcount.ts';
export { kfree } from './sync/slab.ts';
export {
  inAtomic, mightSleep, might_sleep, preempt_disable, preempt_enable, pagefault_disable, pagefault_enable,
  local_irq_save, local_irq_restore,
} from './sync/context.ts';
export { Lock, type LockMode } from './sync/lock.ts';

// Checks
export { Lockdep, type LockdepReport, type LockdepEdge, type LockdepWarning } from './checks/lockdep.ts';
