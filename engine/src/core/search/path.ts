import type { StepRecord } from '../execution.ts';
import { ADD, READ, WRITE, modesConflict, type Access, type Mode } from '../object.ts';
import type { Event } from './wakeup-tree.ts';

/**
 * The dependency relation on the current execution: each step with its vector clock (Mattern,
 * "Virtual time and global states of distributed systems", 1989), so "happens before" is one
 * comparison. Two steps of different threads are dependent when their footprints touch one object
 * in conflicting modes (see object.ts), or when one woke the thread that took the other.
 */
export class Path {
  readonly steps: StepRecord[] = [];
  readonly clocks: Int32Array[] = [];
  /** Each step's id: which step of its thread it is, the same in every execution that takes it. */
  readonly ids: number[] = [];
  readonly #lastStepOf: Int32Array;
  /** Steps each thread has taken on the path. */
  readonly #stepsOf: Int32Array;
  /**
   * Access (object id * 4 + mode) → for each thread, its latest step on the path that touched the
   * object in that mode (-1: none). An earlier step of the same thread happens before it, so only
   * the latest can race: a step looks at one entry per thread, whatever the length of the path.
   */
  readonly #latest = new Map<number, Int32Array>();
  /** What `push` overwrote in `latest`, as (access, thread, old value), so `truncate` restores it. */
  readonly #undo: number[] = [];
  /** Where each step's entries in `undo` start. */
  readonly #undoFrom: number[] = [];

  readonly threadCount: number;

  constructor(threadCount: number) {
    this.threadCount = threadCount;
    this.#lastStepOf = new Int32Array(threadCount).fill(-1);
    this.#stepsOf = new Int32Array(threadCount);
  }

  /** The position of `tid`'s latest step on the path, or -1. */
  lastOf(tid: number): number {
    return this.#lastStepOf[tid]!;
  }

  /** The id of the next step `tid` would take. */
  nextId(tid: number): number {
    return this.#stepsOf[tid]! * this.threadCount + tid;
  }

  /** Step `i` for the wakeup trees; `stops` if it ended the execution. */
  event(i: number, stops = false): Event {
    const s = this.steps[i]!;
    return { tid: s.tid, id: this.ids[i]!, wakeOf: s.wakeOf < 0 ? -1 : this.ids[s.wakeOf]!, footprint: s.footprint, stops };
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
    const prev = this.#lastStepOf[t]!;
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
      const writes = this.#latest.get(obj + WRITE);
      let lastWrite = -1;
      if (writes) for (let u = 0; u < this.threadCount; u++) lastWrite = Math.max(lastWrite, writes[u]!);
      // Reads and adds since the last write that conflict with this mode, then the last write.
      for (const other of [READ, ADD] as const) {
        if (!modesConflict(mode, other)) continue;
        const steps = this.#latest.get(obj + other);
        if (!steps) continue;
        for (let u = 0; u < this.threadCount; u++) if (steps[u]! > lastWrite) this.#depend(steps[u]!, clock, direct);
      }
      if (lastWrite >= 0) this.#depend(lastWrite, clock, direct);
    }
    clock[t] = (prev >= 0 ? this.clocks[prev]![t]! : 0) + 1;
    return { clock, direct };
  }

  /** Orders a step of the path before the clock being built, unless it already is. */
  #depend(step: number, clock: Int32Array, direct: number[]): void {
    if (this.before(step, clock)) return;
    join(clock, this.clocks[step]!);
    direct.push(step);
  }

  /** Appends a step with its clock; returns the earlier steps it directly depends on. */
  push(rec: StepRecord): { clock: Int32Array; direct: number[] } {
    const i = this.steps.length;
    const deps = this.dependencies(rec.tid, rec.wakeOf, rec.footprint);
    this.#undoFrom.push(this.#undo.length);
    for (const a of rec.footprint) {
      let steps = this.#latest.get(a);
      if (!steps) this.#latest.set(a, (steps = new Int32Array(this.threadCount).fill(-1)));
      this.#undo.push(a, rec.tid, steps[rec.tid]!);
      steps[rec.tid] = i;
    }
    this.steps.push(rec);
    this.clocks.push(deps.clock);
    this.ids.push(this.nextId(rec.tid));
    this.#stepsOf[rec.tid] = this.#stepsOf[rec.tid]! + 1;
    this.#lastStepOf[rec.tid] = i;
    return deps;
  }

  truncate(length: number): void {
    if (length >= this.steps.length) return;
    const from = this.#undoFrom[length]!;
    for (let k = this.#undo.length - 3; k >= from; k -= 3) this.#latest.get(this.#undo[k]!)![this.#undo[k + 1]!] = this.#undo[k + 2]!;
    this.#undo.length = from;
    this.#undoFrom.length = length;
    this.steps.length = length;
    this.clocks.length = length;
    this.ids.length = length;
    this.#lastStepOf.fill(-1);
    this.#stepsOf.fill(0);
    for (let i = 0; i < length; i++) {
      this.#lastStepOf[this.steps[i]!.tid] = i;
      this.#stepsOf[this.steps[i]!.tid] = this.#stepsOf[this.steps[i]!.tid]! + 1;
    }
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
