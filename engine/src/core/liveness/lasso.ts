import { Execution, type Instantiable } from '../execution.ts';
import { count, listOf } from '../plural.ts';
import { decodeSchedule, encodeSchedule } from '../schedule.ts';
import { publicStep, snapshotOf, type Step, type Trace, type WorldSnapshot } from '../simulation.ts';
import type { KThread } from '../thread.ts';
import type { WorldObserver } from '../world.ts';
import { StateKeys } from '../fingerprint.ts';

/**
 * A lasso's schedule token: the prefix as an ordinary schedule, then the loop in parentheses,
 * `a2b(cd)`: the first thread twice, the second once, then the third and the fourth, forever. A
 * token without parentheses is an ordinary schedule (schedule.ts), unchanged.
 */
const LASSO = /^([a-zA-Z0-9]*)\(([a-zA-Z0-9]+)\)$/;

export function isLasso(token: unknown): token is string {
  return typeof token === 'string' && token.includes('(');
}

export function encodeLasso(prefix: readonly number[], loop: readonly number[]): string {
  return `${encodeSchedule(prefix)}(${encodeSchedule(loop)})`;
}

/**
 * Replays a lasso and checks that it is one: the loop comes back to the state it began in (the same
 * key, StateKeys: one key exactly when one fingerprint), some thread waits in every state of it, and
 * it is weakly fair (a thread that could run throughout takes a step in it). The trace holds the
 * prefix and the loop once; `loop` says where the loop is. A token that is not such a lasso is a
 * clear Error.
 */
export function replayLasso(scenario: Instantiable, token: string, observers: readonly WorldObserver[] = []): Trace {
  const m = LASSO.exec(token);
  const misfit = (why: string) => new Error(`schedule '${token}' does not fit '${scenario.name}': ${why}`);
  if (!m) throw new Error(`schedule '${token}': a lasso is a schedule, then its loop in parentheses (e.g. 'a2b(cd)')`);
  const exec = new Execution(scenario, observers, true);
  const n = exec.threads.length;
  const prefix = decodeSchedule(m[1]!, n);
  const loop = decodeSchedule(m[2]!, n);
  const steps: Step[] = [];
  const keys = new StateKeys();
  const states: WorldSnapshot[] = [snapshotOf(exec.world)];
  const take = (tid: number) => {
    const t = exec.threads[tid]!;
    if (exec.violations.length > 0) throw misfit(`the execution ends (violation) after ${steps.length} steps`);
    if (!t.runnable) throw misfit(`step ${steps.length + 1} picks ${t.name}, but ${cannotRun(t)}`);
    const before = exec.violations.length;
    const rec = exec.step(tid);
    keys.touched(rec.footprint);
    steps.push(publicStep(rec, steps.length, exec.threads, exec.violations[before]?.message));
    states.push(snapshotOf(exec.world));
  };
  prefix.forEach(take);
  const start = keys.key(exec);
  let waiting = [...exec.threads];
  let always = [...exec.threads];
  for (const tid of loop) {
    waiting = waiting.filter(waits);
    always = always.filter((t) => t.runnable);
    take(tid);
  }
  if (exec.violations.length > 0) throw misfit(`the loop ends in a violation: ${exec.violations[0]!.message}`);
  if (keys.key(exec) !== start) throw misfit(`its loop does not come back to the state where it began (after step ${prefix.length})`);
  const lazy = always.find((t) => !loop.includes(t.index));
  if (lazy) throw misfit(`its loop is not weakly fair: ${lazy.name} could run in every state of it and never does`);
  const w = waiting[0];
  if (!w) throw misfit('no thread waits throughout its loop: nothing starves');
  const runners = [...new Set(loop)].sort((a, b) => a - b).map((tid) => exec.threads[tid]!.name);
  const from = prefix.length + 1;
  const to = prefix.length + loop.length;
  const info = w.waiting!.on.waitInfo(w).text;
  const message =
    `Starvation: ${w.name} waits in ${w.waiting!.op} on ${w.waiting!.on.name} forever${info ? ` (${info} at the loop's start)` : ''}: ` +
    `${listOf(runners)} ${runners.length === 1 ? 'goes' : 'go'} round a loop of ${count(loop.length, 'step')} (steps ${from}–${to}) that comes back to the state where it began, and ${w.name} cannot run at any point of it.`;
  return {
    verdict: 'starvation',
    outcome: 'starvation',
    message,
    schedule: token,
    steps,
    states,
    loop: { start: prefix.length, length: loop.length, thread: w.name },
  };
}

function waits(t: KThread): boolean {
  return !t.finished && !t.runnable;
}

function cannotRun(t: KThread): string {
  if (t.finished) return `${t.name} has ${t.status === 'done' ? 'finished' : 'stopped after a violation'}`;
  return t.waiting ? `${t.name} waits in ${t.waiting.op} on ${t.waiting.on.name}` : `${t.name} cannot run`;
}
