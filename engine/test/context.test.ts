import { describe, expect, it } from 'vitest';
import {
  explore, local_irq_restore, local_irq_save, might_sleep, mutex_lock, mutex_unlock, pagefault_disable, pagefault_enable,
  preempt_disable, preempt_enable, scenario,
} from '../src/index.ts';
import { drive } from './support/drive.ts';

describe('atomic context', () => {
  it('pagefault_disable and pagefault_enable count per thread', () => {
    const s = scenario('faults off', (k) => {
      k.thread('T1', function* () {
        yield* pagefault_disable();
        yield* pagefault_disable();
        yield* pagefault_enable();
        yield* pagefault_enable();
      });
    });
    const sim = drive(s, 'T1', 'T1');
    expect(sim.threads()[0]!.atomic.pagefaultsDisabled).toBe(2);
    sim.step('T1');
    sim.step('T1');
    expect(sim.outcome?.verdict).toBe('ok');
  });

  it('a thread that finishes with page faults disabled is a violation', () => {
    const r = explore(scenario('left disabled', (k) => k.thread('T1', function* () {
      yield* pagefault_disable();
    })));
    expect(r).toMatchObject({ verdict: 'violation', message: 'T1 finished with page faults disabled (pagefault_disable without pagefault_enable)' });
  });

  it('sleeping with preemption disabled is a violation; enabling more than disabled is too', () => {
    const sleeps = explore(scenario('preempt', (k) => {
      const m = k.mutex('m');
      k.thread('T1', function* () {
        yield* preempt_disable();
        yield* mutex_lock(m);
        yield* mutex_unlock(m);
        yield* preempt_enable();
      });
    }));
    expect(sleeps.message).toBe('BUG: sleeping function called from invalid context: T1 calls mutex_lock(m) with preemption disabled');
    const unbalanced = explore(scenario('unbalanced', (k) => k.thread('T1', function* () {
      yield* preempt_enable();
    })));
    expect(unbalanced).toMatchObject({ verdict: 'violation', message: 'T1 called preempt_enable without a matching disable' });
  });

  it('might_sleep with interrupts off is a violation; local_irq_restore puts back the saved state', () => {
    const s = scenario('irqs', (k) => {
      k.thread('T1', function* () {
        const flags = yield* local_irq_save();
        yield* local_irq_restore(flags);
        yield* might_sleep();
        yield* local_irq_save();
        yield* might_sleep();
      });
    });
    const r = explore(s);
    expect(r.verdict).toBe('violation');
    expect(r.counterexample!.steps.map((x) => x.op)).toEqual(['local_irq_save', 'local_irq_restore', 'might_sleep', 'local_irq_save', 'might_sleep']);
    expect(r.message).toBe('BUG: sleeping function called from invalid context: T1 calls might_sleep() with interrupts disabled');
  });
});
