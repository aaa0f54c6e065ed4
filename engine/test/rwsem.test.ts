import { describe, expect, it } from 'vitest';
import {
  down_read, down_read_trylock, down_write, down_write_trylock, downgrade_write, explore, RWSEM_POLICIES, scenario, up_read, up_write,
  type Op, type RwSemaphore, type RwsemPolicy,
} from '../src/index.ts';
import { drive, objectState } from './support/drive.ts';

const reader = (sem: RwSemaphore) => function* (): Op<void> {
  yield* down_read(sem);
  yield* up_read(sem);
};
const writer = (sem: RwSemaphore) => function* (): Op<void> {
  yield* down_write(sem);
  yield* up_write(sem);
};

/** W0 holds the lock for write while R1, R2, W3, R4 queue in that order. */
function queued(policy: RwsemPolicy) {
  const s = scenario(`queue (${policy})`, (k) => {
    const sem = k.rwsem('sem', { policy });
    k.thread('W0', writer(sem));
    k.thread('R1', reader(sem));
    k.thread('R2', reader(sem));
    k.thread('W3', writer(sem));
    k.thread('R4', reader(sem));
  });
  return drive(s, 'W0', 'R1', 'R2', 'W3', 'R4');
}

describe('rw_semaphore: who gets the lock after each release', () => {
  it('queues readers and writers FIFO behind a writer', () => {
    for (const policy of RWSEM_POLICIES) {
      const sim = queued(policy);
      expect(objectState(sim, 'sem')).toMatchObject({
        writer: 'W0',
        queue: [{ thread: 'R1', mode: 'read' }, { thread: 'R2', mode: 'read' }, { thread: 'W3', mode: 'write' }, { thread: 'R4', mode: 'read' }],
      });
      expect(sim.steps.slice(1).every((s) => s.blocked)).toBe(true);
    }
  });

  it("'fifo': up_write grants only the consecutive readers at the head", () => {
    const sim = queued('fifo');
    const release = sim.step('W0');
    expect(release.note).toContain('granted sem to R1 (read), R2 (read)');
    expect(objectState(sim, 'sem')).toMatchObject({ readers: ['R1', 'R2'], writer: null, queue: [{ thread: 'W3' }, { thread: 'R4' }] });
    expect(sim.runnable()).toEqual(['R1', 'R2']);
  });

  it("'phase-fair': up_write grants every queued reader, skipping the writer between them", () => {
    for (const policy of ['phase-fair', 'reader-preferring'] as const) {
      const sim = queued(policy);
      sim.step('W0');
      expect(objectState(sim, 'sem')).toMatchObject({ readers: ['R1', 'R2', 'R4'], queue: [{ thread: 'W3', mode: 'write' }] });
    }
  });

  it('the last up_read grants the writer at the head', () => {
    const sim = queued('fifo');
    for (const step of ['W0', 'R1', 'R1', 'R2']) sim.step(step); // release; R1 wakes, releases; R2 wakes
    expect(objectState(sim, 'sem')).toMatchObject({ readers: ['R2'], writer: null });
    const last = sim.step('R2');
    expect(last.note).toContain('granted sem to W3 (write)');
    expect(objectState(sim, 'sem')).toMatchObject({ readers: [], writer: 'W3', queue: [{ thread: 'R4' }] });
  });

  it('a new reader queues behind a waiting writer, except under reader-preferring', () => {
    const expected: Record<RwsemPolicy, boolean> = { fifo: true, 'phase-fair': true, 'reader-preferring': false };
    for (const policy of RWSEM_POLICIES) {
      const s = scenario('late reader', (k) => {
        const sem = k.rwsem('sem', { policy });
        k.thread('R1', reader(sem));
        k.thread('W2', writer(sem));
        k.thread('R3', reader(sem));
      });
      const sim = drive(s, 'R1', 'W2');
      expect(sim.step('R3').blocked).toBe(expected[policy]);
    }
  });

  it('a recursive read deadlocks behind a queued writer, except under reader-preferring', () => {
    for (const policy of RWSEM_POLICIES) {
      const s = scenario('recursive read', (k) => {
        const sem = k.rwsem('mmap_sem', { policy });
        k.thread('T1', function* () {
          yield* down_read(sem);
          yield* down_read(sem);
          yield* up_read(sem);
          yield* up_read(sem);
        });
        k.thread('T2', writer(sem));
      });
      const r = explore(s);
      expect(r.verdict).toBe(policy === 'reader-preferring' ? 'ok' : 'deadlock');
      if (r.verdict === 'deadlock') {
        expect(r.counterexample!.steps.map((x) => `${x.thread} ${x.op}${x.blocked ? ' (blocked)' : ''}`)).toEqual([
          'T1 down_read', 'T2 down_write (blocked)', 'T1 down_read (blocked)',
        ]);
        expect(r.message).toContain("T1 waits in down_read on mmap_sem queued behind T2's down_write");
        expect(r.message).toContain('T2 waits in down_write on mmap_sem held for read by T1');
      }
    }
  });

  it('downgrade_write turns the write hold into a read hold and admits readers at the head', () => {
    const grants: Record<RwsemPolicy, string[]> = { fifo: ['R1', 'W0'], 'phase-fair': ['R1', 'R3', 'W0'], 'reader-preferring': ['R1', 'R3', 'W0'] };
    for (const policy of RWSEM_POLICIES) {
      const s = scenario('downgrade', (k) => {
        const sem = k.rwsem('sem', { policy });
        k.thread('W0', function* () {
          yield* down_write(sem);
          yield* downgrade_write(sem);
          yield* up_read(sem);
        });
        k.thread('R1', reader(sem));
        k.thread('W2', writer(sem));
        k.thread('R3', reader(sem));
      });
      const sim = drive(s, 'W0', 'R1', 'W2', 'R3', 'W0');
      expect(objectState(sim, 'sem')).toMatchObject({ readers: grants[policy], writer: null });
      expect((objectState(sim, 'sem').queue as { thread: string }[]).map((w) => w.thread)).toContain('W2');
      expect(sim.threads().find((t) => t.name === 'W0')!.holds).toEqual([{ lock: 'sem', mode: 'read' }]);
    }
  });

  it('trylocks never queue: down_read_trylock fails while a writer waits, down_write_trylock unless idle', () => {
    const s = scenario('trylocks', (k) => {
      const sem = k.rwsem('sem');
      k.thread('R1', reader(sem));
      k.thread('W2', writer(sem));
      k.thread('T3', function* () {
        const r = yield* down_read_trylock(sem);
        const w = yield* down_write_trylock(sem);
        if (r) yield* up_read(sem);
        if (w) yield* up_write(sem);
      });
    });
    const sim = drive(s, 'R1', 'W2');
    const r = sim.step('T3');
    const w = sim.step('T3');
    expect([r.blocked, w.blocked]).toEqual([false, false]);
    expect(r.note).toBe('failed: W2 is queued');
    expect(w.note).toBe('failed: held for read by R1');
    expect(sim.threads().find((t) => t.name === 'T3')!.holds).toEqual([]);
  });

  it('down_write_trylock succeeds on an idle rwsem and down_read_trylock beside readers with no waiter', () => {
    const s = scenario('idle trylocks', (k) => {
      const sem = k.rwsem('sem');
      k.thread('T1', function* () {
        if (yield* down_write_trylock(sem)) yield* up_write(sem);
        if (yield* down_read_trylock(sem)) yield* up_read(sem);
      });
      k.thread('R2', reader(sem));
    });
    const sim = drive(s, 'T1', 'T1', 'R2', 'T1');
    expect(objectState(sim, 'sem')).toMatchObject({ readers: ['R2', 'T1'] });
  });

  it('releasing what the thread does not hold is a violation', () => {
    const cases: [string, (sem: RwSemaphore) => () => Op<void>, string][] = [
      ['up_read without down_read', (sem) => function* () { yield* up_read(sem); }, 'T1 called up_read on sem, which it does not hold for read'],
      ['up_write by a reader', (sem) => function* () { yield* down_read(sem); yield* up_write(sem); }, 'T1 called up_write on sem, which it does not hold for write'],
      ['double up_write', (sem) => function* () { yield* down_write(sem); yield* up_write(sem); yield* up_write(sem); }, 'T1 called up_write on sem, which it does not hold for write'],
    ];
    for (const [name, body, message] of cases) {
      const r = explore(scenario(name, (k) => k.thread('T1', body(k.rwsem('sem')))));
      expect(r.verdict).toBe('violation');
      expect(r.counterexample!.rule).toBe('unlock-not-held');
      expect(r.message).toBe(message);
    }
  });

  it('rejects an unknown policy', () => {
    expect(() => scenario('bad policy', (k) => {
      k.rwsem('sem', { policy: 'fair' as RwsemPolicy });
      k.thread('T', function* () {});
    })).toThrow(/unknown policy "fair"/);
  });
});
