/**
 * One execution stepped by hand, with the state after every step kept, so the widget can show any
 * point of its history without running it again. Threads are named, not numbered: a history moved
 * to another variant or policy is replayed by name, step by step, as far as it still fits.
 */
import { simulate, type ObjectState, type Outcome, type Scenario, type Step, type ThreadState } from '@interleave/engine';

export interface Frame {
  /** The step that led here (null for the initial state). */
  step: Step | null;
  threads: ThreadState[];
  objects: ObjectState[];
  runnable: string[];
  /** For each thread, why it cannot take a step now (null when it can). */
  why: Record<string, string | null>;
  outcome: Outcome | null;
}

export interface Misfit {
  /** Index of the first step that did not fit. */
  index: number;
  thread: string;
  reason: string;
}

export class Run {
  readonly scenario: Scenario;
  readonly frames: Frame[];
  /** The thread chosen at each step. */
  readonly choices: string[] = [];
  readonly #sim: ReturnType<typeof simulate>;

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.#sim = simulate(scenario);
    this.frames = [this.#frame(null)];
  }

  get threadNames(): readonly string[] {
    return this.scenario.threads;
  }

  get last(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  /** Why `thread` cannot take a step at the end of this run, or null when it can. */
  whyNot(thread: string): string | null {
    if (!this.threadNames.includes(thread)) return `${thread} is not a thread of this variant`;
    return this.last.why[thread] ?? null;
  }

  step(thread: string): Frame {
    const why = this.whyNot(thread);
    if (why !== null) throw new Error(`cannot step ${thread}: ${why}`);
    const step = this.#sim.step(thread);
    this.choices.push(thread);
    const f = this.#frame(step);
    this.frames.push(f);
    return f;
  }

  /** A new run of `scenario` that takes `choices` in order, as far as they fit. */
  static replay(scenario: Scenario, choices: readonly string[]): { run: Run; misfit: Misfit | null } {
    const run = new Run(scenario);
    for (let i = 0; i < choices.length; i++) {
      const thread = choices[i]!;
      const why = run.whyNot(thread);
      if (why !== null) return { run, misfit: { index: i, thread, reason: why } };
      run.step(thread);
    }
    return { run, misfit: null };
  }

  #frame(step: Step | null): Frame {
    const snap = this.#sim.snapshot();
    const why: Record<string, string | null> = {};
    for (const t of this.threadNames) why[t] = this.#sim.whyNot(t);
    return { step, threads: snap.threads, objects: snap.objects, runnable: this.#sim.runnable(), why, outcome: this.#sim.outcome };
  }
}
