// intel-svm in miniature: binding a device to a process takes an mm_users reference that only
// the mmu notifier's ->release drops; but ->release runs only once mm_users reaches zero. When the
// process exits, its address space is never torn down: a leak. (The fix pins mm_count instead.)
import { scenario, refcount_inc, refcount_dec_and_test, kfree, mustDie } from '@interleave/engine';

export default scenario('intel-svm: mm_users kept until ->release', (k) => {
  const users = k.refcount('mm_users', 1); // the process's own reference
  k.thread('bind', function* () {
    yield* refcount_inc(users); // svm_bind_mm: mmget, to be dropped in ->release
  });
  k.thread('exit', function* () {
    mustDie(users, 'the process exited');
    if (yield* refcount_dec_and_test(users)) {
      // exit_mmap would call ->release here, which drops the driver's reference
      yield* kfree(users);
    }
  });
}, { focus: ['mm_users'] });
