/**
 * Step numbers for prose. A page that says "at step N, P's mmput takes mm_users to 0" looks N up
 * with `theStep`, giving the effect the sentence claims (the thread, the operation, and what the
 * engine's note or the step's blocking says). The lookup fails the build when no step has that
 * effect, or when more than one does: a number in prose must point at exactly one step.
 */
import type { Step } from '@interleave/engine';

export interface StepQuery {
  thread?: string;
  op?: string;
  /** Any other condition the step must meet (its stack, its target). */
  where?: (s: Step) => boolean;
  /** Whether the step blocks (the `down_read` that waits), or must not. */
  blocked?: boolean;
  /** What the engine's note on the step must say (the effect the sentence claims). */
  note?: RegExp | string;
  /** Only steps after step `after` (1-based; default 0) and before step `before` (1-based, exclusive). */
  after?: number;
  before?: number;
}

function matches(s: Step, q: StepQuery): boolean {
  if (q.op !== undefined && s.op !== q.op) return false;
  if (q.where && !q.where(s)) return false;
  if (q.thread !== undefined && s.thread !== q.thread) return false;
  if (q.blocked !== undefined && s.blocked !== q.blocked) return false;
  if (q.note !== undefined) {
    const note = s.note ?? '';
    if (typeof q.note === 'string' ? !note.includes(q.note) : !q.note.test(note)) return false;
  }
  return true;
}

const describe = (s: Step, i: number) => `step ${i + 1} (${s.thread} ${s.op}${s.target ? `(${s.target})` : ''}${s.blocked ? ', blocks' : ''}${s.note ? `: ${s.note}` : ''})`;

/** The 1-based number of the one step that matches `q`; `what` is the sentence's claim, for the error. */
export function theStep(steps: readonly Step[], what: string, q: StepQuery): number {
  const from = q.after ?? 0;
  const to = q.before === undefined ? steps.length : q.before - 1;
  const hits: number[] = [];
  for (let i = from; i < to; i++) if (matches(steps[i]!, q)) hits.push(i);
  if (hits.length === 1) return hits[0]! + 1;
  const near = steps
    .map((s, i) => [s, i] as const)
    .filter(([s, i]) => i >= from && i < to && (s.op === q.op || s.thread === q.thread))
    .map(([s, i]) => describe(s, i));
  throw new Error(
    hits.length === 0
      ? `no step is ${what} (looked for ${JSON.stringify({ ...q, note: q.note?.toString() })}; candidates: ${near.slice(0, 8).join('; ') || 'none'})`
      : `${hits.length} steps could be ${what}: ${hits.map((i) => describe(steps[i]!, i)).join('; ')}. Say which one (a note, or after/before).`,
  );
}

/** Throws if any step matches (the text says none does); returns true. */
export function noStep(steps: readonly Step[], what: string, q: StepQuery): true {
  const i = steps.findIndex((s) => matches(s, q));
  if (i >= 0) throw new Error(`${describe(steps[i]!, i)} is ${what}, which the page says never happens`);
  return true;
}
