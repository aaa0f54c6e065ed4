/**
 * A trace as a table: one lane (column) per thread, one row per step. Each row says what the
 * stepping thread did and, for every thread, what it holds and waits for after the step, read
 * from the trace's snapshots (`states[i + 1]` is the world after step `i`).
 */
import type { Step, ThreadState, Trace, Verdict } from '@interleave/engine';

export interface LaneState {
  /** e.g. "mmap_sem (read)". */
  holds: string[];
  /** e.g. "down_read on mmap_sem: queued behind T2's down_write". */
  waits: string | null;
  status: ThreadState['status'];
  /** Whether holds, waits or status differ from the row before. */
  changed: boolean;
}

export interface TimelineRow {
  step: Step;
  /** Index of the stepping thread's lane. */
  lane: number;
  lanes: LaneState[];
}

export interface TimelineModel {
  threads: string[];
  /** The state before the first step (shown only when some thread already holds something). */
  initial: LaneState[];
  rows: TimelineRow[];
  outcome: Verdict;
  message: string;
  schedule: string;
}

function laneState(t: ThreadState | undefined, before: LaneState | undefined): LaneState {
  const holds = (t?.holds ?? []).map((h) => (h.mode === 'exclusive' ? h.lock : `${h.lock} (${h.mode})`));
  const waits = t?.waiting ? `${t.waiting.op} on ${t.waiting.object}${t.waiting.text ? `: ${t.waiting.text}` : ''}` : null;
  const status = t?.status ?? 'ready';
  const changed = !before || before.waits !== waits || before.status !== status || before.holds.join('\0') !== holds.join('\0');
  return { holds, waits, status, changed };
}

export function timeline(trace: Trace): TimelineModel {
  const first = trace.states[0];
  if (!first) throw new Error('timeline: the trace has no states');
  const threads = first.threads.map((t) => t.name);
  const initial = threads.map((name) => laneState(first.threads.find((t) => t.name === name), undefined));
  let previous = initial;
  const rows = trace.steps.map((step, i) => {
    const after = trace.states[i + 1];
    if (!after) throw new Error(`timeline: the trace has no state after step ${i + 1}`);
    const lanes = threads.map((name, k) => laneState(after.threads.find((t) => t.name === name), previous[k]));
    previous = lanes;
    const lane = threads.indexOf(step.thread);
    if (lane < 0) throw new Error(`timeline: step ${i + 1} names an unknown thread ${step.thread}`);
    return { step, lane, lanes };
  });
  return { threads, initial, rows, outcome: trace.outcome, message: trace.message, schedule: trace.schedule };
}
