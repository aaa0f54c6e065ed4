import { act, perform, type Op } from '../core/action.ts';
import { KObject, WRITE, type ObjectState } from '../core/object.ts';
import type { World } from '../core/world.ts';
import { WaitQueue } from '../sync/waitqueue.ts';
import { __fput, type File } from './file.ts';
import { current } from './process.ts';

/**
 * fs/file_table.c's delayed fput. A user task finishes its last fput in task work; a kernel thread
 * has none, so its last fput puts the file on `delayed_fput_list` and schedules `delayed_fput_work`,
 * and a worker calls `__fput` (the file's ->release, then the free) later, in its own thread. fput
 * has this shape from v3.x to v6.x: `if (!in_interrupt() && !(task->flags & PF_KTHREAD))` task work,
 * else the delayed list [V: fs/file_table.c texts of several versions; v4.4 itself not re-read].
 *
 * Opt-in: a scenario that makes a `DelayedFput` (one per world) and a worker thread that runs
 * `delayed_fput` gets this behaviour; without one, fput runs `__fput` at once in any thread, as
 * before. A driver whose ->release waits for work that the kernel thread itself must finish (the
 * intel-svm page-request thread, whose mmput may be the last) needs it.
 */
export class DelayedFput extends KObject {
  readonly kind = 'delayed_fput_list';
  private readonly files: File[] = [];
  /** Where the worker sleeps until work is scheduled. */
  readonly work: WaitQueue;

  constructor(world: World, name = 'delayed_fput_list') {
    if (lists.has(world)) throw new Error(`${name}: a world has one delayed fput list, and this one has ${lists.get(world)!.name}`);
    super(world, name);
    lists.set(world, this);
    this.work = new WaitQueue(world, 'delayed_fput_work');
  }

  /** How many files wait for the worker (for conditions). */
  get pending(): number {
    this.observe();
    return this.files.length;
  }

  snapshot(): ObjectState {
    const files = this.files.map((f) => f.name);
    return { name: this.name, kind: this.kind, files, summary: files.length ? `waiting for __fput: ${files.join(', ')}` : 'empty' };
  }

  /** Inside a step: queue a file, and wake the worker. */
  add(file: File): void {
    this.files.push(file);
    if (this.work.waiters.length > 0) this.work.wake();
  }

  /** Inside a step: take every queued file (llist_del_all). */
  takeAll(): File[] {
    return this.files.splice(0);
  }
}

const lists = new WeakMap<World, DelayedFput>();

/**
 * Called by fput after it dropped the last reference: in a kernel thread, when the scenario has a
 * delayed fput list, queues the file for the worker and returns true; otherwise returns false (the
 * caller finishes the file at once).
 */
export function* defer_fput(file: File): Op<boolean> {
  const list = lists.get(file.world);
  if (!list || current() !== null) return false;
  yield* perform(
    act('llist_add', list, WRITE, (t) => {
      list.add(file);
      list.world.note(() => `${t.name} is a kernel thread: the last fput of ${file.name} goes to delayed_fput_work`);
    }, [list.work]),
  );
  return true;
}

/** The worker's `delayed_fput`: takes every queued file and finishes each (`__fput`); returns how many. */
export function* delayed_fput(list: DelayedFput): Op<number> {
  const files = yield* perform(
    act('llist_del_all', list, WRITE, () => {
      const taken = list.takeAll();
      list.world.note(() => taken.length ? `takes ${taken.map((f) => f.name).join(', ')}` : 'nothing queued');
      return taken;
    }),
  );
  for (const f of files) yield* __fput(f);
  return files.length;
}
