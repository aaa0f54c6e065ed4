import { act, perform, type Op } from '../core/action.ts';
import { ADD, KObject, WRITE, type ObjectState } from '../core/object.ts';
import type { World } from '../core/world.ts';
import type { Holder } from '../checks/leaks.ts';
import { Counter } from './counter.ts';
import { defer_fput } from './file_table.ts';
import type { VmArea } from './vma.ts';

/** `struct file_operations`: what a driver's file does when it is mapped and when it is released. */
export interface FileOperations {
  /** ->mmap: set up the new VMA (not yet linked) or refuse it with -errno. */
  mmap?(file: File, vma: VmArea): Op<number>;
  /** ->release: called by the last fput. */
  release?(file: File): Op<void>;
}

/**
 * A `struct file`. `f_count` counts its references: the fd tables it is open in, the VMAs that map
 * it, threads that hold it for a while. The last `fput` calls `->release` and frees it.
 */
export class File extends KObject {
  override statesShown(): readonly KObject[] {
    return [this.f_count];
  }
  readonly kind = 'file';
  readonly f_count: Counter;
  readonly f_op: FileOperations;
  /** The driver's state (a device binding, say). */
  private_data: unknown = null;

  /** A file opened by `opener` (null: by something outside the scenario), with one reference. */
  constructor(world: World, name: string, f_op: FileOperations = {}, opener: Holder | null = null) {
    super(world, name);
    this.f_op = f_op;
    this.f_count = new Counter(world, this, 'f_count');
    this.f_count.init(opener, 'open');
  }

  snapshot(): ObjectState {
    const summary = this.freed ? `released and freed at step ${this.freed.step + 1}` : `f_count ${this.f_count.refs.count}`;
    return { name: this.name, kind: this.kind, f_count: this.f_count.refs.count, freed: this.freed !== null, summary };
  }
}

/** Takes a reference for `holder` (by default the calling thread) and returns the file. */
export function* get_file(file: File, holder?: Holder): Op<File> {
  return yield* perform(
    act('get_file', file.f_count, ADD, (t) => {
      file.f_count.get(t, holder ?? t, 'get_file');
      return file;
    }),
  );
}

/**
 * Drops `holder`'s reference (by default the calling thread's). The last one calls the file's
 * `->release` and frees the file (`__fput`). Simplification: the kernel defers that to task work
 * (before the task returns to user space, or in do_exit after exit_files); here it runs at once, in
 * the caller's thread. A kernel thread's last fput goes to the delayed_fput worker instead, when
 * the scenario has made one (file_table.ts); without one it too runs at once.
 */
export function* fput(file: File, holder?: Holder): Op<void> {
  const last = yield* perform(act('fput', file.f_count, WRITE, (t) => file.f_count.put(t, holder ?? t, 'fput') === 0));
  if (!last) return;
  if (yield* defer_fput(file)) return;
  yield* __fput(file);
}

/** The end of a file's life: its `->release`, then the free. */
export function* __fput(file: File): Op<void> {
  if (file.f_op.release) yield* file.f_op.release(file);
  yield* perform(
    act('file_free', file, WRITE, (t) => {
      const at = { step: file.world.stepIndex, thread: t.name };
      file.freed = at;
      file.f_count.freed = at;
      file.world.note(() => `${file.name} is freed`);
    }, [file.f_count]),
  );
}
