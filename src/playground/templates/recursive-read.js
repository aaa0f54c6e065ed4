// A recursive read: T1 takes an rwsem for read twice; T2 asks for it for write in between.
// Whether this deadlocks depends on the rwsem's policy: 'fifo' (Linux's rule: a reader queues
// behind a waiting writer), 'phase-fair' or 'reader-preferring'.
import { scenario, down_read, up_read, down_write, up_write } from '@interleave/engine';

const policy = 'fifo'; // or 'phase-fair', 'reader-preferring'

export default scenario(`recursive read (${policy})`, (k) => {
  const sem = k.rwsem('mmap_sem', { policy });
  k.thread('T1', function* () {
    yield* down_read(sem);
    yield* down_read(sem); // the same thread, again
    yield* up_read(sem);
    yield* up_read(sem);
  });
  k.thread('T2', function* () {
    yield* down_write(sem); // e.g. brk()
    yield* up_write(sem);
  });
}, { focus: ['mmap_sem'] });
