import type { Execution } from '../execution.ts';
import { KObject } from '../object.ts';
import type { KThread } from '../thread.ts';

/**
 * A state's fingerprint: what decides every future of an execution, and nothing of its history, so
 * that an execution that comes back to a state it was in is seen to.
 *
 * - A thread is its status, what it waits on, what it holds and its context counters, and its local
 *   state. A body's local state cannot be read (it is a suspended generator), but it is determined by
 *   the body and the results it has received since it started: a body is deterministic and shares
 *   state only through objects. So the results since the body (re)started stand for it. A `forever`
 *   body restarts with none, which is how a loop can come back to where it began; a finished
 *   thread has no local state left.
 * - An object is its snapshot (holders, queues, counts), without step numbers, which are history.
 *
 * A result that cannot be written down as a key (a closure, say) makes the state unlike any other:
 * no cycle is found through it (missed, never invented).
 */
export function fingerprint(exec: Execution): string {
  const threads = exec.threads.map(threadKey);
  const objects = exec.world.objects.map((o) => JSON.stringify(o.snapshot(), withoutSteps).replace(STEP_NUMBER, 'step'));
  return JSON.stringify([threads, objects]);
}

const STEP_NUMBER = /\bsteps? \d+/g;

function withoutSteps(key: string, value: unknown): unknown {
  return key === 'step' ? undefined : value;
}

function threadKey(t: KThread): unknown[] {
  return [
    t.status,
    t.finished ? [] : t.received.map(resultKey),
    t.waiting ? `${t.waiting.op} ${t.waiting.on.name}` : '',
    t.held.map((h) => `${h.lock.name}:${h.mode}:${h.lockClass ?? ''}`),
    [t.preemptCount, t.irqsDisabled, t.pagefaultsDisabled, t.rcuReadDepth],
    t.spinReads ?? [],
    t.lines,
  ];
}

let unique = 0;

function resultKey(v: unknown): unknown {
  if (v === undefined) return '~';
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof KObject) return `@${v.name}`;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (x instanceof KObject ? `@${x.name}` : typeof x === 'function' ? `#${unique++}` : x));
  } catch {
    return `#${unique++}`;
  }
}
