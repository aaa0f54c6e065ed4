import type { StepRecord } from '../execution.ts';
import { ADD, READ, WRITE, modesConflict, type Access, type Mode } from '../object.ts';

/**
 * The dependency relation on the current execution: each step with its vector clock (Mattern,
 * "Virtual time and global states of distributed systems", 1989), so "happens before" is one
 * comparison. Two steps of different threads are dependent when their footprints touch one object
 * in conflicting modes (see object.ts), or when one woke the thread that took the other.
 */
export class Path {
  readonly steps: StepRecord[] = [];
  readonly clocks: Int32Array[] = [];
  private readonly lastStepOf: Int32Array;
  /** Access (object id * 4 + mode) → the steps that touched the object in that mode, in path order. */
  private readonly history = new Map<number, number[]>();

  readonly threadCount: number;

  constructor(threadCount: number) {
    this.threadCount = threadCount;
    this.lastStepOf = new Int32Array(threadCount).fill(-1);
  }

  get length(): number {
    return this.steps.length;
  }

  tid(i: number): number {
    return this.steps[i]!.tid;
  }

  /** Whether step `a` happens before step `b` (a < b). */
  hb(a: number, b: number): boolean {
    return this.before(a, this.clocks[b]!);
  }

  /** Whether step `a` happens before a step whose clock is `clock`. */
  before(a: number, clock: Int32Array): boolean {
    const ta = this.steps[a]!.tid;
    return clock[ta]! >= this.clocks[a]![ta]!;
  }

  /** The vector clock a step of `t` would have after the path, and the steps it directly depends on. */
  dependencies(t: number, wakeOf: number, footprint: readonly Access[]): { clock: Int32Array; direct: number[] } {
    const clock = new Int32Array(this.threadCount);
    const prev = this.lastStepOf[t]!;
    const direct: number[] = [];
    if (prev >= 0) {
      clock.set(this.clocks[prev]!);
      direct.push(prev);
    }
    if (wakeOf >= 0) {
      join(clock, this.clocks[wakeOf]!);
      direct.push(wakeOf);
    }
    for (const a of footprint) {
      const obj = a & ~3;
      const mode = (a & 3) as Mode;
      const writes = this.history.get(obj + WRITE);
      const lastWrite = writes && writes.length > 0 ? writes[writes.length - 1]! : -1;
      // Reads and adds since the last write that conflict with this mode, then the last write.
      for (const other of [READ, ADD] as const) {
        if (!modesConflict(mode, other)) continue;
        const list = this.history.get(obj + other);
        if (!list) continue;
        for (let k = list.length - 1; k >= 0 && list[k]! > lastWrite; k--) this.depend(list[k]!, clock, direct);
      }
      if (lastWrite >= 0) this.depend(lastWrite, clock, direct);
    }
    clock[t] = (prev >= 0 ? this.clocks[prev]![t]! : 0) + 1;
    return { clock, direct };
  }

  /** Orders a step of the path before the clock being built, unless it already is. */
  private depend(step: number, clock: Int32Array, direct: number[]): void {
    if (this.before(step, clock)) return;
    join(clock, this.clocks[step]!);
    direct.push(step);
  }

  /** Appends a step with its clock; returns the earlier steps it directly depends on. */
  push(rec: StepRecord): { clock: Int32Array; direct: number[] } {
    const i = this.steps.length;
    const deps = this.dependencies(rec.tid, rec.wakeOf, rec.footprint);
    for (const a of rec.footprint) {
      let hist = this.history.get(a);
      if (!hist) this.history.set(a, (hist = []));
      hist.push(i);
    }
    this.steps.push(rec);
    this.clocks.push(deps.clock);
    this.lastStepOf[rec.tid] = i;
    return deps;
  }

  truncate(length: number): void {
    for (let i = this.steps.length - 1; i >= length; i--) {
      const fp = this.steps[i]!.footprint;
      for (let k = fp.length - 1; k >= 0; k--) this.history.get(fp[k]!)!.pop();
    }
    this.steps.length = length;
    this.clocks.length = length;
    this.lastStepOf.fill(-1);
    for (let i = 0; i < length; i++) this.lastStepOf[this.steps[i]!.tid] = i;
  }

  /** The steps up to `step` that happen before it (itself included), in path order. */
  causalPast(step: number): number[] {
    const clock = this.clocks[step]!;
    const out: number[] = [];
    for (let i = 0; i <= step; i++) if (this.before(i, clock)) out.push(i);
    return out;
  }
}

function join(into: Int32Array, from: Int32Array): void {
  for (let k = 0; k < into.length; k++) if (from[k]! > into[k]!) into[k] = from[k]!;
}
