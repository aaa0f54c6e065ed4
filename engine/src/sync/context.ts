import { act, perform, type Op } from '../core/action.ts';
import { READ } from '../core/object.ts';
import type { KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';

/**
 * Atomic context as the kernel tracks it per task: the preemption count (raised by spinlocks,
 * `preempt_disable` and `kmap_atomic`), whether interrupts are off, and `pagefault_disable()`.
 */

/** Whether the thread may not sleep: the kernel's `in_atomic() || irqs_disabled()`. */
export function inAtomic(t: KThread): boolean {
  return t.preemptCount > 0 || t.irqsDisabled > 0;
}

/**
 * The kernel's `non_block_start()`/`non_block_end()` (`current->non_block_count`, Linux v5.4+): a
 * section that is not atomic but must not sleep, such as a non-blockable mmu notifier callback.
 * `might_sleep()` inside it is a violation; `why` ends its message, e.g. "in the non-blockable
 * invalidate_range_start of hmm1". Thread-local (a field of the thread, as of the task in the
 * kernel), so these are plain calls rather than steps. This one enters a section (`non_block_start`).
 */
export function nonBlockStart(t: KThread, why: string): void {
  t.nonBlocking.push(why);
}

/** Leaves the innermost non-blocking section (`non_block_end`). */
export function nonBlockEnd(t: KThread): void {
  if (t.nonBlocking.pop() === undefined) throw new Violation('unbalanced', `${t.name} called non_block_end without a matching non_block_start`);
}

/** Whether `might_sleep()` passes: not atomic, not in an RCU read-side section or a non-blocking one. */
export function maySleep(t: KThread): boolean {
  return !inAtomic(t) && t.rcuReadDepth === 0 && t.nonBlocking.length === 0;
}

/**
 * The kernel's `might_sleep()`: sleeping in atomic context is a violation, reported as the kernel's
 * "BUG: sleeping function called from invalid context".
 */
export function mightSleep(t: KThread, op: string, what: string): void {
  if (t.rcuReadDepth > 0 && !inAtomic(t)) {
    throw new Violation('sleep-in-atomic', `BUG: sleeping function called from invalid context: ${t.name} calls ${op}(${what}) inside an RCU read-side critical section`);
  }
  if (!inAtomic(t)) {
    const section = t.nonBlocking;
    if (section.length > 0) {
      throw new Violation('sleep-in-atomic', `BUG: sleeping function called from invalid context: ${t.name} calls ${op}(${what}) ${section[section.length - 1]}`);
    }
    return;
  }
  const spin = t.held.find((h) => h.lock.kind === 'spinlock');
  const why = spin
    ? `while holding spinlock ${spin.lock.name}`
    : t.irqsDisabled > 0
      ? 'with interrupts disabled'
      : 'with preemption disabled';
  throw new Violation(
    'sleep-in-atomic',
    `BUG: sleeping function called from invalid context: ${t.name} calls ${op}(${what}) ${why}`,
  );
}

function* contextStep(op: string, change: (t: KThread) => void): Op<void> {
  yield* perform(act(op, null, READ, change));
}

function decrement(t: KThread, field: 'preemptCount' | 'pagefaultsDisabled', op: string): void {
  if (t[field] === 0) throw new Violation('unbalanced', `${t.name} called ${op} without a matching disable`);
  t[field]--;
}

export function* preempt_disable(): Op<void> {
  yield* contextStep('preempt_disable', (t) => void t.preemptCount++);
}

export function* preempt_enable(): Op<void> {
  yield* contextStep('preempt_enable', (t) => decrement(t, 'preemptCount', 'preempt_enable'));
}

/** Page faults are not handled while disabled: a user access that faults fails at once. */
export function* pagefault_disable(): Op<void> {
  yield* contextStep('pagefault_disable', (t) => void t.pagefaultsDisabled++);
}

export function* pagefault_enable(): Op<void> {
  yield* contextStep('pagefault_enable', (t) => decrement(t, 'pagefaultsDisabled', 'pagefault_enable'));
}

/** Disables interrupts and returns the previous state, for `local_irq_restore`. */
export function* local_irq_save(): Op<number> {
  return yield* perform(
    act('local_irq_save', null, READ, (t) => {
      const flags = t.irqsDisabled;
      t.irqsDisabled = 1;
      return flags;
    }),
  );
}

export function* local_irq_restore(flags: number): Op<void> {
  yield* contextStep('local_irq_restore', (t) => void (t.irqsDisabled = flags));
}

/** An explicit `might_sleep()` annotation, as kernel functions that may sleep have. */
export function* might_sleep(): Op<void> {
  yield* contextStep('might_sleep', (t) => mightSleep(t, 'might_sleep', ''));
}
