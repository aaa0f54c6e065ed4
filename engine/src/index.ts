/**
 * @interleave/engine: a deterministic simulator of Linux kernel threads and the objects they share,
 * with an explorer that finds the shortest deadlock, violation or leak.
 */
export { scenario } from './scenario.ts';
export { isScenario, coreScenario, type Scenario, type ScenarioOptions } from './core-scenario.ts';
export { explore, replay, simulate, DEFAULT_OPTIONS, type Report, type Counterexample } from './explore.ts';
export { Kernel } from './kernel.ts';
export { CoreKernel } from './core-kernel.ts';

// Core
export { act, wakeAct, dynamicAct, perform, at, settled, iterate, type Action, type Op, type ThreadBody } from './core/action.ts';
export { KObject, READ, WRITE, ADD, access, type Access, type Mode, type ObjectState } from './core/object.ts';
export { KThread, currentThread, type ThreadStatus, type ThreadOptions, type Held, type WaitInfo, type Waitable } from './core/thread.ts';
export { World, type LockEvent, type WorldObserver, type EndFailure } from './core/world.ts';
export { Violation, ScenarioError, assert, BUG_ON, WARN_ON } from './core/violation.ts';
export { listing, type Listing, type ListingFunction } from './core/listing.ts';
export { encodeSchedule, decodeSchedule, countSwitches, MAX_THREADS } from './core/schedule.ts';
export { type ExploreOptions, type ResolvedOptions, type ExploreStats, type Bound } from './core/explorer.ts';
export { Simulation, type Step, type Trace, type Loop, type Verdict, type Outcome, type ThreadState, type WorldSnapshot } from './core/simulation.ts';
export { encodeLasso, isLasso } from './core/liveness/lasso.ts';

// Synchronisation, with the kernel's names
export { RwSemaphore, RWSEM_POLICIES, down_read, down_write, up_read, up_write, down_read_trylock, down_write_trylock, downgrade_write, type RwsemPolicy, type RwsemOptions } from './sync/rwsem.ts';
export { Mutex, mutex_lock, mutex_trylock, mutex_unlock, type MutexOptions } from './sync/mutex.ts';
export { Spinlock, spin_lock, spin_trylock, spin_unlock, spin_lock_irqsave, spin_unlock_irqrestore, type SpinlockOptions } from './sync/spinlock.ts';
export { WaitQueue, wait_event, wake_up, wake_up_all } from './sync/waitqueue.ts';
export { Completion, init_completion, wait_for_completion, complete, complete_all, reinit_completion } from './sync/completion.ts';
export { Semaphore, down, down_trylock, up } from './sync/semaphore.ts';
export { Rcu, rcu_read_lock, rcu_read_unlock, synchronize_rcu, call_rcu, kfree_rcu } from './sync/rcu.ts';
export { mutex_lock_nested, down_read_nested, down_write_nested, spin_lock_nested, SINGLE_DEPTH_NESTING, MAX_LOCKDEP_SUBCLASSES } from './sync/nested.ts';
export { spin_until } from './sync/spin.ts';
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
export { nonBlockStart, nonBlockEnd } from './sync/context.ts';

// Memory management: mm_struct and its two counts, VMAs, page tables, faults, uaccess, processes, files
export { MmStruct, mmget, mmget_not_zero, mmput, mmgrab, mmdrop, mmget_still_valid, type MmOptions, type VmaSetup } from './mm/mm_struct.ts';
export { Counter } from './mm/counter.ts';
export {
  VmArea, find_vma, vma_kernel_pagesize, PAGE_SIZE, VM_READ, VM_WRITE, VM_SHARED, VM_PFNMAP, VM_IO,
  type VmOperations, type VmFault, type VmaOptions,
} from './mm/vma.ts';
export { PageTable, remap_pfn_range, zap_vma_ptes, unmap_page_range } from './mm/page_table.ts';
export { sys_mmap, sys_munmap, sys_brk, type MmapOptions } from './mm/mmap.ts';
export { do_munmap, unmap_vmas, remove_vma, exit_mmap } from './mm/unmap.ts';
export { handle_mm_fault, do_page_fault, userLoad, userStore, FAULT_FLAG_WRITE, VM_FAULT_SIGBUS, VM_FAULT_NOPAGE, type UserFault } from './mm/fault.ts';
export { copy_from_user, copy_to_user } from './mm/uaccess.ts';
export { kmap_atomic, kunmap_atomic, kmap_local_page, kunmap_local } from './mm/highmem.ts';
export { mmap_read_lock, mmap_read_trylock, mmap_read_unlock, mmap_write_lock, mmap_write_unlock } from './mm/mmap_lock.ts';
export { File, get_file, fput, type FileOperations } from './mm/file.ts';
export { Process, Task, current, get_task_mm, sys_close, type ProcessOptions } from './mm/process.ts';
export { FilesStruct, close_fd, put_files_struct } from './mm/files.ts';
export { do_exit } from './mm/exit.ts';
export {
  MmuNotifierRange, mmu_notifier_range_init, mmu_notifier_release, mmu_notifier_invalidate_range_start,
  mmu_notifier_invalidate_range_start_nonblock, mmu_notifier_invalidate_range_end, type MmuNotifierHooks,
} from './mm/notifier_calls.ts';
export { EAGAIN, EBADF, EEXIST, EFAULT, EINVAL } from './mm/errno.ts';

// mmu notifiers and hmm
export {
  MmuNotifier, mmu_notifier_register, mmu_notifier_unregister, mmu_notifier_unregister_no_release, deviceAccess,
  type MmuNotifierOps,
} from './notifier/mmu_notifier.ts';
export { MmuNotifierSubscriptions, synchronize_srcu } from './notifier/subscriptions.ts';
export {
  Hmm, HmmMirror, HmmRange, hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid, hmm_mirror_unregister,
  hmm_invalidate_range_start, hmm_invalidate_range_end, hmm_release, type HmmMirrorOps, type HmmUpdate, type HmmOptions, type HmmVariant,
} from './notifier/hmm.ts';

// The leak finder
export { References, mustDie, type Holder, type Reference, type LeakDetail, type LeakEdge } from './checks/leaks.ts';
