/**
 * A driver whose page fault handler takes the driver's own lock under mmap_lock, and whose ioctl
 * takes that lock and then mmap_lock: the typical mm lock inversion. Run it:
 *
 *   npx interleave explore engine/examples/fault-lock.ts --export buggy   # deadlock, exit 1
 *   npx interleave explore engine/examples/fault-lock.ts --export fixed   # ok, exit 0
 */
import {
  scenario, mutex_lock, mutex_unlock, mmap_read_lock, mmap_read_unlock, sys_mmap, userLoad,
  PAGE_SIZE, type VmFault,
} from '@interleave/engine';

const BUF = 0x10000; // the driver's buffer, mapped into the process
const OTHER = 0x40000; // where another thread maps something else

function driver(fixed: boolean) {
  return scenario(`fault-lock (${fixed ? 'fixed' : 'buggy'})`, (k) => {
    const app = k.process('app');
    const devLock = k.mutex('dev->lock');
    const dev = app.open('/dev/mydev');
    // The driver's mapping, set up by its ->mmap before the threads run.
    const vma = app.mm.addVma(BUF, PAGE_SIZE, { file: dev });
    vma.vm_ops = {
      // Called by handle_mm_fault with mmap_lock held for read.
      *fault(_vmf: VmFault) {
        yield* mutex_lock(devLock);
        yield* mutex_unlock(devLock);
        return 0; // the core maps the page
      },
    };

    // User space touches the buffer: a page fault, which calls ->fault under mmap_lock.
    app.thread('reader', function* () {
      yield* userLoad(BUF);
    });

    // The ioctl pins the user's pages (as get_user_pages does, under mmap_lock for read).
    app.thread('ioctl', function* () {
      if (fixed) yield* mmap_read_lock(app.mm); // the fix: mmap_lock first, as ->fault has it
      yield* mutex_lock(devLock);
      if (!fixed) yield* mmap_read_lock(app.mm);
      yield* mmap_read_unlock(app.mm);
      yield* mutex_unlock(devLock);
    });

    // Another thread maps something: mmap_lock for write, which queues later readers behind it.
    app.thread('mmap', function* () {
      yield* sys_mmap(OTHER, PAGE_SIZE);
    });
  });
}

export const buggy = driver(false);
export const fixed = driver(true);
