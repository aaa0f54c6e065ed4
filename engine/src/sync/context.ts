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
 * The kernel's `might_sleep()`: sleeping in atomic context is a violation, reported as the kernel's
 * "BUG: sleeping function called from invalid context".
 */
export function mightSleep(t: KThread, op: string, what: string): void {
  if (!inAtomic(t)) return;
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
