import { act, perform, type Op } from '../core/action.ts';
import { KObject, WRITE, type ObjectState } from '../core/object.ts';
import type { World } from '../core/world.ts';
import { mustDie, type Holder } from '../checks/leaks.ts';
import { Counter } from './counter.ts';
import { EBADF } from './errno.ts';
import { fput, type File } from './file.ts';

/** `struct files_struct`: a process's table of open files, shared by its tasks. */
export class FilesStruct extends KObject {
  readonly kind = 'files_struct';
  /** One reference per task that shares the table. */
  readonly count: Counter;
  /** The open files (the fd table), each holding a reference. */
  readonly fds: File[] = [];
  /** The process it belongs to, for messages. */
  readonly owner: string;

  constructor(world: World, owner: string) {
    super(world, `${owner}.files`);
    this.owner = owner;
    this.count = new Counter(world, this, 'count');
  }

  snapshot(): ObjectState {
    const open = this.fds.map((f) => f.name);
    const summary = this.freed ? `freed at step ${this.freed.step + 1}` : `open: ${open.join(', ') || 'none'}`;
    return { name: this.name, kind: this.kind, open, freed: this.freed !== null, summary };
  }
}

/** Closes `file` in the table (the kernel's `close_fd`): 0, or -EBADF if it is not open there. */
export function* close_fd(files: FilesStruct, file: File): Op<number> {
  const open = yield* perform(
    act('close_fd', files, WRITE, () => {
      const i = files.fds.indexOf(file);
      if (i >= 0) files.fds.splice(i, 1);
      files.world.note(() => i >= 0 ? `closes ${file.name}` : `${file.name} is not open`);
      return i >= 0;
    }),
  );
  if (!open) return -EBADF;
  yield* fput(file, files); // filp_close
  return 0;
}

/**
 * Drops `holder`'s reference to the table. The last one closes every file in it (each must die now,
 * unless something that lives on still holds it) and frees the table.
 */
export function* put_files_struct(files: FilesStruct, holder: Holder): Op<void> {
  const fds = yield* perform(
    act('put_files_struct', files.count, WRITE, (t) => {
      if (files.count.put(t, holder, 'put_files_struct') > 0) return null;
      for (const f of files.fds) mustDie(f, `${files.owner} exited and closed it`);
      return [...files.fds];
    }, [files]),
  );
  if (!fds) return;
  for (const f of fds) yield* fput(f, files); // close_files → filp_close
  yield* perform(
    act('kmem_cache_free', files, WRITE, (t) => {
      files.fds.length = 0;
      const at = { step: files.world.stepIndex, thread: t.name };
      files.freed = at;
      files.count.freed = at;
      files.world.note(() => `frees ${files.name}`);
    }, [files.count]),
  );
}
