import { dynamicAct, iterate, until, type Op } from '../core/action.ts';
import { accessObject, trackReads, type Access } from '../core/object.ts';
import type { KThread, Waitable, WaitInfo } from '../core/thread.ts';

/**
 * A spin loop on shared state: `while (!condition) cpu_relax();`, the shape of the kernel's
 * `smp_cond_load_acquire` and of a retry loop that waits for another thread's store. An iteration
 * that finds the condition false changes nothing, so the engine does not run it again and again: the
 * thread waits on what the condition read, and the next write to any of it by another thread wakes
 * it to check again. A correct spin loop therefore ends (verdict 'ok'), and one that no thread can
 * release is reported as a deadlock (a livelock on the CPU), not as a search that ran out of steps.
 *
 * The condition reads engine objects only (their getters, e.g. an Atomic's `value`), as a
 * `wait_event` condition does. Spinning does not sleep: it is allowed under a spinlock.
 */
export function* spin_until(condition: () => boolean, what = 'its condition holds'): Op<void> {
  const check = (first: boolean) =>
    dynamicAct('spin_until', null, !first, () => trackReads(condition).reads, (t) => {
      const { value, reads } = trackReads(condition);
      if (value) {
        t.world.note(() => `${what}: true`);
        return true;
      }
      t.spinReads = reads;
      t.sleep(spinning(t, reads, what), 'spin_until');
      t.world.note(() => `spins until ${what}`);
      return false;
    });
  // Woken by a write to what it read, but the condition is still false: spin on. Every re-check begins in one state.
  yield* iterate(true, (first) => until(check(first), false));
}

/** What a spinning thread waits on: the objects its condition read. */
function spinning(t: KThread, reads: readonly Access[], what: string): Waitable {
  const objects = [...new Set(reads.map((a) => t.world.objects[accessObject(a)]!.name))];
  const name = objects.length ? objects.join(', ') : 'nothing';
  return {
    name,
    waitInfo(): WaitInfo {
      const exit = objects.length ? `a livelock unless another thread writes ${name}` : 'a livelock: the condition reads no shared object, so nothing can change it';
      return { text: `until ${what}, spinning (${exit})`, blockers: [] };
    },
  };
}
