import { fewestSwitches } from '../linearize.ts';
import { countSwitches, encodeSchedule } from '../schedule.ts';
import type { Path } from './path.ts';

/**
 * Choosing the shortest failure. A failure is the set of steps it depends on (for a violation, the
 * causal past of the step that broke the rule; for a deadlock or a leak, the whole execution). The
 * shortest set wins; among sets of one size, the order of those steps with the fewest thread
 * switches (see linearize.ts), then the smaller schedule token, so the report does not depend on the
 * order executions were explored in.
 */
export type FailureKind = 'deadlock' | 'violation' | 'leak' | 'starvation';

/** The shortest failing execution found. */
export interface Failure {
  kind: FailureKind;
  message: string;
  rule: string | null;
  /** Thread indices in order. */
  tids: number[];
  schedule: string;
  switches: number;
  /** Whether `switches` is proven minimal for this set of steps. */
  fewestSwitches: boolean;
  /** The whole execution it was found in, up to its end: replays even where `schedule` cannot. */
  execution: string;
}

export interface Candidate {
  kind: FailureKind;
  message: string;
  rule: string | null;
  /** Steps (indices in the execution) that make up the failure. */
  indices: number[];
}

export class Shortest {
  best: Failure | null = null;
  #bestSize = Infinity;

  /** The size of the shortest failure so far (Infinity before the first). */
  get size(): number {
    return this.#bestSize;
  }

  /** Keeps `c`, found in the execution on `path`, if it beats the best so far. */
  consider(c: Candidate, path: Path, deadline: number): void {
    const size = c.indices.length;
    if (size > this.#bestSize) return;
    const ordered = c.indices.map((index) => ({ index, tid: path.tid(index), clock: path.clocks[index]! }));
    const { order, optimal } = fewestSwitches(ordered, path.threadCount, deadline);
    const tids = order.map((i) => path.tid(i));
    const switches = countSwitches(tids);
    const schedule = encodeSchedule(tids);
    const b = this.best;
    if (b && size === this.#bestSize && (switches > b.switches || (switches === b.switches && schedule >= b.schedule))) return;
    this.#bestSize = size;
    this.best = {
      kind: c.kind,
      message: c.message,
      rule: c.rule,
      tids,
      schedule,
      switches,
      fewestSwitches: optimal,
      execution: encodeSchedule(path.steps.map((s) => s.tid)),
    };
  }
}
