import assert from 'node:assert/strict';
import {
  scenario, explore, replay, down_read, up_read, down_write, up_write,
} from '@interleave/engine';

// T1 takes mmap_sem for read twice; T2 wants it for write in between.
const recursiveRead = scenario('recursive read', (k) => {
  const sem = k.rwsem('mmap_sem');
  k.thread('T1', function* () {
    yield* down_read(sem);
    yield* down_read(sem);
    yield* up_read(sem);
    yield* up_read(sem);
  });
  k.thread('T2', function* () {
    yield* down_write(sem);
    yield* up_write(sem);
  });
});

const report = explore(recursiveRead);
assert.equal(report.verdict, 'deadlock');
console.log(report.message);

// The shortest failure, replayed step by step.
const trace = replay(recursiveRead, report.counterexample!.schedule);
for (const step of trace.steps) console.log(step.thread, step.op, step.blocked ? '(blocks)' : '');
