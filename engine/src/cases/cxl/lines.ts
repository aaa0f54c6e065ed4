import { at, type Action, type Op } from '../../core/action.ts';

/**
 * Runs a model operation whose kernel function the listing shows in a few lines (the engine's
 * `sys_brk`, say), giving each of its steps the line of its part: `label(op)` maps the step's
 * operation (`down_write`, `do_brk_flags`, `up_write`, ...) to a `//@` label of the listing. The
 * model's own code is unchanged; only the lines its steps carry are chosen here.
 */
export function* linesByOp<T>(label: (op: string) => string, inner: Op<T>): Op<T> {
  let r = inner.next();
  while (!r.done) {
    const value: unknown = yield* at(label(r.value.op), one(r.value));
    r = inner.next(value);
  }
  return r.value;
}

function* one(action: Action): Op<unknown> {
  return yield action;
}

/** The listing line of each step of the engine's sys_brk. */
export function brkLabel(op: string): string {
  if (op === 'down_write') return 'W1';
  if (op === 'up_write') return 'W1_up';
  if (op === 'sys_brk') return 'brk';
  return 'brk_vma';
}

/** The listing line of each step of sys_mmap with MAP_FIXED. */
export function mmapLabel(op: string): string {
  if (op === 'down_write') return 'W3';
  if (op === 'up_write') return 'W3_up';
  if (op === 'do_mmap' || op === 'vma_link' || op === 'vm_area_free') return 'map';
  return 'unmap';
}
