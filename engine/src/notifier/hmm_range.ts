import { dynamicAct, perform, type Op } from '../core/action.ts';
import { READ, access } from '../core/object.ts';
import { EAGAIN } from '../mm/errno.ts';
import { checkAlive } from '../sync/lock.ts';
import { hex, PAGE_SIZE } from '../mm/vma.ts';
import type { HmmRange } from './hmm.ts';

/**
 * The two calls of hmm's range API (v5.2) that a driver makes once its range is valid, to read the
 * CPU page tables and then to check, under its own lock, that nothing invalidated them meanwhile
 * (Documentation/vm/hmm.rst's pattern):
 *
 * - `hmm_range_snapshot`: with mmap_sem held for read, -EAGAIN if the range is not valid, else the
 *   present pages of the range (the kernel fills `range->pfns`; here they are returned);
 * - `hmm_range_valid`: whether the range is still valid.
 */

function registered(range: HmmRange, op: string) {
  const hmm = range.hmm;
  if (!hmm) throw new Error(`${op}: ${range.name} is not registered`);
  return hmm;
}

/** Reads the CPU page table for the range: its present pages, or -EAGAIN if the range is not valid. */
export function* hmm_range_snapshot(range: HmmRange): Op<number[] | number> {
  const hmm = registered(range, 'hmm_range_snapshot');
  const pgd = hmm.mm.pgd;
  return yield* perform(
    dynamicAct('hmm_range_snapshot', range, false, () => [access(range, READ), ...pgd.footprint(range.start, range.end, READ)], (t) => {
      if (!range.valid) {
        hmm.world.note(() => `${range.name} is not valid: -EAGAIN`);
        return -EAGAIN;
      }
      pgd.walk(t, 'hmm_range_snapshot');
      checkAlive(hmm.mm, t, 'hmm_range_snapshot');
      const pages: number[] = [];
      for (let p = range.start; p < range.end; p += PAGE_SIZE) if (pgd.present(p)) pages.push(p);
      hmm.world.note(() => pages.length ? `${range.name} maps ${pages.map(hex).join(', ')}` : `${range.name} maps nothing yet`);
      return pages;
    }),
  );
}

/** Whether no invalidation has touched the range since it became valid (`range->valid`). */
export function* hmm_range_valid(range: HmmRange): Op<boolean> {
  registered(range, 'hmm_range_valid');
  return yield* perform(
    dynamicAct('hmm_range_valid', range, false, () => [access(range, READ)], () => {
      const valid = range.valid;
      range.world.note(() => `${range.name} is ${valid ? '' : 'not '}valid`);
      return valid;
    }),
  );
}
