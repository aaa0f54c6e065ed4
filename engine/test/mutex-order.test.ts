import { describe, expect, it } from 'vitest';
import { WRITE, act, explore, perform, replay, wakeAct, type Mutex, type Op, type Report, type Scenario } from '../src/index.ts';
import { programScenario, randomProgram } from './support/programs.ts';

/**
 * The explorer takes a contended `mutex_lock` as one step, once the mutex is free (Action.blocks in
 * sync/mutex.ts), as the DPOR literature models a lock. Here that is checked against the mutex as the
 * kernel queues its waiters: the attempt that sleeps, the wake-up, the retry, a newcomer stealing the
 * mutex, the handoff. Every interleaving of each model must end in the same set of outcomes, and the
 * shortest failure of the one-step model may only be shorter (the waiting is no longer a step).
 */
function* queuedMutexLock(m: Mutex): Op<void> {
  if (!(yield* perform(act('mutex_lock', m, WRITE, (t) => m.lock(t))))) return;
  while (!(yield* perform(wakeAct('mutex_lock', m, WRITE, (t) => m.retry(t))))) {
    // woken, but another thread took the mutex first
  }
}

const PROGRAMS = 120;
const BRUTE_LIMIT = 1_000;

/** Every interleaving of `s`: the outcomes they end in, and their schedules; null if there are too many. */
function outcomes(s: Scenario): { report: Report; verdicts: string[]; schedules: string[] } | null {
  const verdicts = new Set<string>();
  const schedules: string[] = [];
  const report = explore(s, {
    reduction: 'none',
    maxExecutions: BRUTE_LIMIT,
    onExecution: (e) => {
      verdicts.add(e.verdict);
      schedules.push(e.schedule);
    },
  });
  return report.complete ? { report, verdicts: [...verdicts].sort(), schedules } : null;
}
describe('a contended mutex_lock as one step agrees with the queued mutex', () => {
  const compared: { verdict: string; contended: boolean }[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const program = randomProgram(seed);
    if (!program.locks.some((l) => l.kind === 'mutex')) continue;
    it(`program ${seed}`, () => {
      const queuedScenario = programScenario(program, `queued ${seed}`, queuedMutexLock);
      const queued = outcomes(queuedScenario);
      if (!queued) return; // too many interleavings to enumerate
      const oneStep = outcomes(programScenario(program, `one step ${seed}`))!;
      expect(oneStep.verdicts).toEqual(queued.verdicts);
      expect(oneStep.report.counterexample?.steps.length ?? 0).toBeLessThanOrEqual(queued.report.counterexample?.steps.length ?? 0);
      const contended = queued.schedules.some((schedule) => {
        const slept = new Set<string>();
        return replay(queuedScenario, schedule).steps.some((st) => {
          if (st.op !== 'mutex_lock') return false;
          if (st.blocked) slept.add(st.thread);
          return !st.blocked && slept.has(st.thread);
        });
      });
      compared.push({ verdict: oneStep.report.verdict, contended });
    });
  }
  it('compares enough programs, with every verdict, where waiters queued', () => {
    expect(compared.length).toBeGreaterThanOrEqual(50);
    for (const v of ['ok', 'deadlock', 'violation']) expect(compared.map((c) => c.verdict)).toContain(v);
    expect(compared.filter((c) => c.contended).length).toBeGreaterThanOrEqual(20);
  });
});
