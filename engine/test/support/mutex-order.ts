import { WRITE, act, explore, perform, replay, wakeAct, type Mutex, type Op, type Report, type Scenario } from '../../src/index.ts';
import { programScenario, randomProgram } from './programs.ts';

/**
 * The explorer takes a contended `mutex_lock` as one step, once the mutex is free (Action.blocks in
 * sync/mutex.ts), as the DPOR literature models a lock. This checks that against the mutex as the
 * kernel queues its waiters: the attempt that sleeps, the wake-up, the retry, a newcomer stealing the
 * mutex, the handoff. Every interleaving of each model must end in the same set of outcomes, and the
 * shortest failure of the one-step model may only be shorter (the waiting is no longer a step).
 */
export function* queuedMutexLock(m: Mutex): Op<void> {
  if (!(yield* perform(act('mutex_lock', m, WRITE, (t) => m.lock(t))))) return;
  while (!(yield* perform(wakeAct('mutex_lock', m, WRITE, (t) => m.retry(t))))) {
    // woken, but another thread took the mutex first
  }
}

/** Every interleaving of `s`: the outcomes they end in, and their schedules; null if there are too many. */
function outcomes(s: Scenario, bruteLimit: number): { report: Report; verdicts: string[]; schedules: string[] } | null {
  const verdicts = new Set<string>();
  const schedules: string[] = [];
  const report = explore(s, {
    reduction: 'none',
    maxExecutions: bruteLimit,
    onExecution: (e) => {
      verdicts.add(e.verdict);
      schedules.push(e.schedule);
    },
  });
  return report.complete ? { report, verdicts: [...verdicts].sort(), schedules } : null;
}

export interface MutexComparison {
  seed: number;
  verdict: string;
  /** Whether, in some interleaving of the queued model, a waiter slept on a mutex and took it later. */
  contended: boolean;
  /** What disagreed: 'outcomes' or 'longer' (empty when the two agree). */
  problems: string[];
}

/** Compares the two models on random program `seed`; null when it has no mutex or too many interleavings. */
export function compareMutexModels(seed: number, bruteLimit: number): MutexComparison | null {
  const program = randomProgram(seed);
  if (!program.locks.some((l) => l.kind === 'mutex')) return null;
  const queuedScenario = programScenario(program, `queued ${seed}`, queuedMutexLock);
  const queued = outcomes(queuedScenario, bruteLimit);
  if (!queued) return null;
  const oneStep = outcomes(programScenario(program, `one step ${seed}`), bruteLimit);
  if (!oneStep) return { seed, verdict: 'incomplete', contended: true, problems: ['outcomes'] };
  const problems: string[] = [];
  if (oneStep.verdicts.join() !== queued.verdicts.join()) problems.push('outcomes');
  if ((oneStep.report.counterexample?.steps.length ?? 0) > (queued.report.counterexample?.steps.length ?? 0)) problems.push('longer');
  const contended = queued.schedules.some((schedule) => {
    const slept = new Set<string>();
    return replay(queuedScenario, schedule).steps.some((st) => {
      if (st.op !== 'mutex_lock') return false;
      if (st.blocked) slept.add(st.thread);
      return !st.blocked && slept.has(st.thread);
    });
  });
  return { seed, verdict: oneStep.report.verdict, contended, problems };
}
