import { describe, expect, it } from 'vitest';
import { countSwitches, decodeSchedule, down_read, down_write, encodeSchedule, explore, replay, scenario, up_read, up_write } from '../src/index.ts';

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

describe('schedule tokens', () => {
  it('are short: letters for threads, counts for runs', () => {
    expect(encodeSchedule([0, 0, 0, 1, 1, 0])).toBe('a3b2a');
    expect(encodeSchedule([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 26])).toBe('c12A');
    expect(encodeSchedule([])).toBe('');
    expect(countSwitches([0, 0, 1, 0])).toBe(2);
  });

  it('round-trip', () => {
    for (const tids of [[0], [1, 0, 1, 1, 1], [3, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Array.from({ length: 52 }, (_, i) => i)]) {
      expect(decodeSchedule(encodeSchedule(tids), 52)).toEqual(tids);
    }
  });

  it('a malformed token is a clear Error', () => {
    expect(() => decodeSchedule('a2-b', 2)).toThrow("schedule 'a2-b': unexpected '-' at position 3");
    expect(() => decodeSchedule('3a', 2)).toThrow("schedule '3a': unexpected '3' at position 1");
    expect(() => decodeSchedule('ac', 2)).toThrow("schedule 'ac': 'c' names thread 3, but the scenario has 2 threads");
    expect(() => decodeSchedule('a0', 2)).toThrow("schedule 'a0': bad repeat count '0' at position 2");
    expect(() => decodeSchedule('a99999999', 2)).toThrow('bad repeat count');
    expect(() => decodeSchedule(7 as never, 2)).toThrow('schedule: expected a string token, got number');
  });
});

describe('replay', () => {
  it('re-runs the counterexample: same steps, same outcome, and the state after each step', () => {
    const r = explore(recursiveRead);
    const trace = replay(recursiveRead, r.counterexample!.schedule);
    expect(trace.outcome).toBe('deadlock');
    expect(trace.message).toBe(r.message);
    expect(trace.steps).toEqual(r.counterexample!.steps);
    expect(trace.states).toHaveLength(trace.steps.length + 1);
    expect(trace.states[0]!.objects[0]).toMatchObject({ name: 'mmap_sem', summary: 'free' });
    expect(trace.states.at(-1)!.objects[0]).toMatchObject({ summary: 'read-held by T1; queue: T2 (write), T1 (read)' });
    expect(trace.states.at(-1)!.threads.map((t) => t.waiting?.text)).toEqual(["queued behind T2's down_write", 'held for read by T1']);
  });

  it('replays an ok execution to its end', () => {
    expect(replay(recursiveRead, 'b2a4').outcome).toBe('ok');
  });

  it('rejects a schedule that picks a thread that cannot run', () => {
    expect(() => replay(recursiveRead, 'abb')).toThrow(
      "schedule 'abb' does not fit 'recursive read': step 3 picks T2, but T2 waits in down_write on mmap_sem held for read by T1",
    );
    expect(() => replay(recursiveRead, 'b2b')).toThrow("step 3 picks T2, but T2 has finished");
  });

  it('rejects a schedule that ends too early or runs past the end', () => {
    expect(() => replay(recursiveRead, 'a')).toThrow("schedule 'a' does not fit 'recursive read': it ends after 1 steps while T1, T2 can still run");
    expect(() => replay(recursiveRead, 'abaa')).toThrow("schedule 'abaa' does not fit 'recursive read': the execution ends (deadlock) after 3 steps, but the schedule has 4");
  });
});
