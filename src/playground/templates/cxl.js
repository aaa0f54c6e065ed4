// cxl in miniature: a driver holds mmap_lock for read and touches user memory, whose page fault
// takes mmap_lock for read again; brk() queues for write in between, and later readers wait behind it.
import { scenario, mmap_read_lock, mmap_read_unlock, userLoad, sys_brk, PAGE_SIZE } from '@interleave/engine';

const BUF = 0x10000;

export default scenario('cxl: recursive mmap_lock', (k) => {
  const app = k.process('app');
  app.mm.addVma(BUF, PAGE_SIZE);
  app.thread('driver', function* () {
    yield* mmap_read_lock(app.mm); // held across the copy (the bug)
    yield* userLoad(BUF); // faults: mmap_lock for read, again
    yield* mmap_read_unlock(app.mm);
  });
  app.thread('brk', function* () {
    yield* sys_brk(0x80000); // mmap_lock for write
  });
}, { focus: ['app.mm.mmap_lock'] });
