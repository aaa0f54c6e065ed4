import type { Listing } from './core/listing.ts';
import { Completion } from './sync/completion.ts';
import { Semaphore } from './sync/semaphore.ts';
import type { MmStruct } from './mm/mm_struct.ts';
import { Hmm, HmmRange, type HmmOptions } from './notifier/hmm.ts';
import { MmuNotifier, type MmuNotifierOps } from './notifier/mmu_notifier.ts';
import { CoreKernel } from './core-kernel.ts';

/**
 * The `k` a scenario's `build(k)` receives: it makes the world's threads (`k.thread`) and objects,
 * the core ones (core-kernel.ts) and the completion, semaphore, mmu notifier and hmm models.
 * Threads share state only through these objects, so the explorer sees every shared access.
 */
export class Kernel extends CoreKernel {
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
}
