// userfaultfd in miniature: a thread copies from user memory while holding mmap_lock; the page is
// handled by user space (a userfaultfd handler), which needs mmap_lock for write to resolve it.
import { scenario, mmap_write_lock, mmap_write_unlock, mmap_read_lock, mmap_read_unlock, complete, wait_for_completion, PAGE_SIZE } from '@interleave/engine';

export default scenario('userfaultfd: a fault waits for user space under mmap_lock', (k) => {
  const app = k.process('app');
  const resolved = k.completion('page resolved');
  k.thread('copy', function* () {
    yield* mmap_read_lock(app.mm);
    yield* wait_for_completion(resolved); // the fault waits for the handler, mmap_lock still held
    yield* mmap_read_unlock(app.mm);
  });
  k.thread('handler', function* () {
    yield* mmap_write_lock(app.mm); // UFFDIO_COPY: maps the page
    yield* mmap_write_unlock(app.mm);
    yield* complete(resolved);
  });
}, { focus: ['app.mm.mmap_lock', 'page resolved'] });
