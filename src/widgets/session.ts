/**
 * What the reader is doing with one case: the variant and parameters chosen, the steps taken, and
 * which point of that history is shown (the cursor). Stepping from an earlier point follows the
 * history when it picks the same thread, and starts a new branch otherwise; undo takes the last
 * shown step back; a new variant or policy keeps the steps that still fit.
 */
import { decodeSchedule, encodeSchedule, type Scenario, type Step } from '@interleave/engine';
import type { WidgetCase } from './case-shape.ts';
import { Run, type Frame, type Misfit } from './run.ts';

export type Params = Record<string, string | number>;

/** The most steps one "run" takes (a thread that spins forever stops here). */
export const RUN_LIMIT = 500;

export interface Reconfigured {
  kept: number;
  total: number;
  misfit: Misfit | null;
}

export class Session {
  readonly c: WidgetCase;
  variant: string;
  params: Params;
  run: Run;
  cursor = 0;

  constructor(c: WidgetCase, variant: string, params: Params) {
    this.c = c;
    this.variant = variant;
    this.params = { ...params };
    this.run = new Run(this.#build());
  }

  get scenario(): Scenario {
    return this.run.scenario;
  }

  get frame(): Frame {
    return this.run.frames[this.cursor]!;
  }

  /** The steps of the whole history (past the cursor too). */
  get length(): number {
    return this.run.choices.length;
  }

  /** Why `thread` cannot take a step at the point shown, or null when it can. */
  whyNot(thread: string): string | null {
    if (!this.scenario.threads.includes(thread)) return `${thread} is not a thread of this variant`;
    return this.frame.why[thread] ?? null;
  }

  step(thread: string): Step {
    const why = this.whyNot(thread);
    if (why !== null) throw new Error(`cannot step ${thread}: ${why}`);
    if (this.cursor < this.length) {
      if (this.run.choices[this.cursor] === thread) {
        this.cursor++;
        return this.frame.step!;
      }
      this.#truncate(this.cursor);
    }
    this.run.step(thread);
    this.cursor = this.length;
    return this.frame.step!;
  }

  /** Steps `thread` until it blocks, finishes, ends the execution or cannot go on (at most `max` steps). */
  runThread(thread: string, max = RUN_LIMIT): Step[] {
    const steps: Step[] = [];
    while (steps.length < max && this.frame.outcome === null && this.whyNot(thread) === null) {
      const s = this.step(thread);
      steps.push(s);
      if (s.blocked) break;
    }
    return steps;
  }

  /** Runs to the end: at each step the first thread of `order` that can run takes it (at most `max` steps). */
  runToEnd(order: readonly string[], max = RUN_LIMIT): Step[] {
    const steps: Step[] = [];
    while (steps.length < max && this.frame.outcome === null) {
      const t = order.find((x) => this.whyNot(x) === null);
      if (t === undefined) break;
      steps.push(this.step(t));
    }
    return steps;
  }

  /** Takes back the last step shown (and forgets the steps after it). */
  undo(): boolean {
    if (this.cursor === 0) return false;
    this.#truncate(this.cursor - 1);
    return true;
  }

  reset(): void {
    this.run = new Run(this.scenario);
    this.cursor = 0;
  }

  seek(index: number): void {
    this.cursor = Math.max(0, Math.min(this.length, Math.trunc(index)));
  }

  /** Moves to another variant or parameters, keeping the steps up to the cursor that still fit. */
  configure(variant: string, params: Params): Reconfigured {
    const choices = this.run.choices.slice(0, this.cursor);
    this.variant = variant;
    this.params = { ...params };
    const { run, misfit } = Run.replay(this.#build(), choices);
    this.run = run;
    this.cursor = run.choices.length;
    return { kept: run.choices.length, total: choices.length, misfit };
  }

  /** The schedule token of the steps up to the cursor. */
  schedule(): string {
    const names = this.scenario.threads;
    return encodeSchedule(this.run.choices.slice(0, this.cursor).map((t) => names.indexOf(t)));
  }

  /** Thread names of a schedule token for this scenario; a token that does not decode is an Error. */
  decode(token: string): string[] {
    const names = this.scenario.threads;
    return decodeSchedule(token, names.length).map((i) => names[i]!);
  }

  /** Replaces the history with these steps, all of which must fit; returns the misfit otherwise (and changes nothing). */
  load(choices: readonly string[]): Misfit | null {
    const { run, misfit } = Run.replay(this.scenario, choices);
    if (misfit) return misfit;
    this.run = run;
    this.cursor = run.choices.length;
    return null;
  }

  #truncate(n: number): void {
    const prefix = this.run.choices.slice(0, n);
    this.run = Run.replay(this.scenario, prefix).run;
    this.cursor = n;
  }

  #build(): Scenario {
    return this.c.build({ ...this.params, variant: this.variant });
  }
}
