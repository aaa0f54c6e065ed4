import { act, perform, type Op } from '../core/action.ts';
import { WRITE } from '../core/object.ts';
import { mustDie } from '../checks/leaks.ts';
import { down_read, up_read } from '../sync/rwsem.ts';
import { put_files_struct } from './files.ts';
import { mmdrop, mmgrab, mmput, type MmStruct } from './mm_struct.ts';
import { currentTask, type Task } from './process.ts';

/** Drops the task's mm: its `tsk->mm` reference goes, and the last user tears the address space down. */
function* exit_mm(task: Task): Op<MmStruct | null> {
  const mm = task.mm;
  if (!mm) return null;
  yield* down_read(mm.mmap_lock);
  yield* mmgrab(mm, task); // the task's active_mm, dropped when it is switched out for the last time
  yield* perform(
    act('exit_mm', task, WRITE, () => {
      task.mm = null;
      task.world.note(() => `${task.name}: current->mm = NULL`);
    }),
  );
  yield* up_read(mm.mmap_lock);
  yield* mmput(mm, task);
  return mm;
}

/** Drops the task's file table; the last task's drop closes every file in it. */
function* exit_files(task: Task): Op<void> {
  const files = task.files;
  if (!files) return;
  yield* perform(act('exit_files', task, WRITE, () => void (task.files = null)));
  yield* put_files_struct(files, task);
}

/**
 * The calling task exits, in the kernel's order: exit_mm (its mm reference) before exit_files (its
 * file table), then the last switch away from it drops its active_mm. When the process's last task
 * exits, its mm must die. do_exit does not return: end the thread's body after it.
 */
export function* do_exit(): Op<void> {
  const task = currentTask('do_exit');
  const p = task.process;
  yield* perform(
    act('do_exit', p, WRITE, (t) => {
      task.exiting = true;
      p.live--;
      if (p.live > 0) return;
      const at = { step: p.world.stepIndex, thread: t.name };
      p.exited = at;
      mustDie(p.mm, `${p.name} exited at step ${at.step + 1}`);
      p.world.note(() => `${t.name} is the last task of ${p.name}: the process exits`);
    }, [task]),
  );
  const activeMm = yield* exit_mm(task);
  yield* exit_files(task);
  // finish_task_switch() drops an exited task's active_mm at its last context switch. [U] The exact
  // moment (the lazy-TLB switch) is not verified; here it is the task's last step.
  if (activeMm) yield* mmdrop(activeMm, task);
}
