import { dynamicAct, perform, type Op, type ThreadBody } from '../core/action.ts';
import { ADD, KObject, READ, access, type Freed, type ObjectState } from '../core/object.ts';
import { currentThread, type KThread, type ThreadOptions } from '../core/thread.ts';
import type { World } from '../core/world.ts';
import type { Holder } from '../checks/leaks.ts';
import { assertBuilding } from './build.ts';
import { File, type FileOperations } from './file.ts';
import { FilesStruct, close_fd } from './files.ts';
import { MmStruct, type MmOptions } from './mm_struct.ts';

/** A `struct task_struct`: one thread of a process, with its own references to the mm and the files. */
export class Task extends KObject {
  readonly kind = 'task_struct';
  readonly process: Process;
  /** `tsk->mm`: null once exit_mm has run. */
  mm: MmStruct | null;
  /** `tsk->files`: null once exit_files has run. */
  files: FilesStruct | null;
  /** PF_EXITING: do_exit has begun. */
  exiting = false;

  constructor(world: World, thread: KThread, process: Process) {
    super(world, `${thread.name}.task`);
    this.process = process;
    this.mm = process.mm;
    this.files = process.files;
  }

  snapshot(): ObjectState {
    const state = !this.exiting ? 'running' : this.mm || this.files ? 'exiting' : 'exited';
    return { name: this.name, kind: this.kind, mm: this.mm?.name ?? null, files: this.files?.name ?? null, state, summary: `${state}; mm ${this.mm?.name ?? 'none'}, files ${this.files?.name ?? 'none'}` };
  }
}

/** How a process is made: its mm's options, and the mm's name. */
export interface ProcessOptions extends MmOptions {
  /** The name of its mm; `<process>.mm` by default. */
  mm?: string;
}

const TASKS = {};

/** The world's tasks, by thread. */
function tasks(world: World): Map<KThread, Task> {
  return world.local(TASKS, () => new Map<KThread, Task>());
}

/**
 * A process: an mm, a file table and its threads (tasks), each of which holds a reference to both.
 * Its threads exit with `do_exit` (exit.ts); when the last one has, the mm and the files it had open
 * must die, which the leak finder checks once every thread has finished.
 */
export class Process extends KObject {
  readonly kind = 'process';
  readonly mm: MmStruct;
  readonly files: FilesStruct;
  readonly tasks: Task[] = [];
  /** Tasks that have not called do_exit (the kernel's `signal->live`). */
  live = 0;
  /** When its last task exited. */
  exited: Freed | null = null;

  constructor(world: World, name: string, options: ProcessOptions = {}) {
    super(world, name);
    const { mm, ...mmOptions } = options;
    this.mm = new MmStruct(world, mm ?? `${name}.mm`, mmOptions);
    this.files = new FilesStruct(world, name);
  }

  /** A new thread of this process (a task sharing its mm and files); its body should end with `do_exit`. */
  thread(name: string, body: ThreadBody, options?: ThreadOptions): KThread {
    const t = this.world.thread(name, body, options);
    const task = new Task(this.world, t, this);
    tasks(this.world).set(t, task);
    this.tasks.push(task);
    this.live++;
    this.mm.mm_users.init(task, 'copy_mm');
    this.files.count.init(task, 'copy_files');
    return t;
  }

  /** A file this process has open from the start (its fd table holds the reference). */
  open(name: string, f_op?: FileOperations): File {
    assertBuilding(`${this.name}.open`);
    const file = new File(this.world, name, f_op, this.files);
    this.files.fds.push(file);
    return file;
  }

  /** A file this process also has open from the start (inherited, or passed to it), sharing it with its opener. */
  install(file: File): void {
    assertBuilding(`${this.name}.install`);
    file.f_count.init(this.files, 'fd_install');
    this.files.fds.push(file);
  }

  snapshot(): ObjectState {
    const summary = this.exited ? `exited at step ${this.exited.step + 1}` : `${this.live} live task${this.live === 1 ? '' : 's'}`;
    return { name: this.name, kind: this.kind, mm: this.mm.name, live: this.live, exited: this.exited !== null, summary };
  }
}

/** The calling thread's task (the kernel's `current`), or null for a kernel thread made with `k.thread`. */
export function current(): Task | null {
  const t = currentThread();
  return tasks(t.world).get(t) ?? null;
}

/** The caller's task, which must be a process thread that has not exited. */
export function currentTask(op: string): Task {
  const t = currentThread();
  const task = tasks(t.world).get(t);
  if (!task) throw new Error(`${op}: ${t.name} is a kernel thread with no mm or files; make it with process.thread(name, body)`);
  if (task.exiting) throw new Error(`${op}: ${t.name} has called do_exit, which does not return`);
  return task;
}

/** The caller's mm (`current->mm`), which a live process thread has until exit_mm. */
export function currentMm(op: string): MmStruct {
  return currentTask(op).mm!;
}

/** Takes a user of `task`'s mm for `holder` (by default the caller); null once the task has no mm. */
export function* get_task_mm(task: Task, holder?: Holder): Op<MmStruct | null> {
  return yield* perform(
    dynamicAct('get_task_mm', task, false, () => (task.mm ? [access(task, READ), access(task.mm.mm_users, ADD)] : [access(task, READ)]), (t) => {
      const mm = task.mm;
      if (!mm) {
        task.world.note(() => `${task.name} has no mm`);
        return null;
      }
      mm.mm_users.get(t, holder ?? t, 'get_task_mm');
      return mm;
    }),
  );
}

/** Closes `file` in the caller's fd table: 0, or -EBADF if it is not open there. */
export function sys_close(file: File): Op<number> {
  return close_fd(currentTask('sys_close').files!, file);
}
