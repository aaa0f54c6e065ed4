import { threadBetweenSteps } from './thread.ts';
import type { World } from './world.ts';

/**
 * How a step touches an object. Two steps of different threads are dependent when they touch the
 * same object and their modes conflict: a read conflicts with writes and adds; an add (a commuting
 * update such as `atomic_inc`) conflicts with reads and writes but not with other adds.
 */
export const READ = 1;
export const WRITE = 2;
export const ADD = 3;
export type Mode = typeof READ | typeof WRITE | typeof ADD;

/** An access packs an object id and a mode into one number: `id * 4 + mode`. */
export type Access = number;

export function access(obj: KObject, mode: Mode): Access {
  return obj.id * 4 + mode;
}

export function accessObject(a: Access): number {
  return a >> 2;
}

export function accessMode(a: Access): Mode {
  return (a & 3) as Mode;
}

/** Per mode, the modes it conflicts with, as bits (`1 << mode`). */
export const CONFLICTING: readonly number[] = [0, (1 << WRITE) | (1 << ADD), (1 << READ) | (1 << WRITE) | (1 << ADD), (1 << READ) | (1 << WRITE)];

export function modesConflict(a: Mode, b: Mode): boolean {
  return ((CONFLICTING[a]! >> b) & 1) === 1;
}

/** Whether two footprints touch one object in conflicting modes. */
export function footprintsConflict(a: readonly Access[], b: readonly Access[]): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x >> 2 === y >> 2 && modesConflict((x & 3) as Mode, (y & 3) as Mode)) return true;
    }
  }
  return false;
}

/** Collects the objects a side-effect-free evaluation reads (a `wait_event` condition). */
let readTracker: Access[] | null = null;

export function trackReads<T>(fn: () => T): { value: T; reads: Access[] } {
  const outer = readTracker;
  const reads: Access[] = [];
  readTracker = reads;
  try {
    return { value: fn(), reads };
  } finally {
    readTracker = outer;
  }
}

/** Where and by whom an object was freed, so a later use can name the step that freed it. */
export interface Freed {
  step: number;
  thread: string;
}

/** The JSON-able state of one object, for snapshots, timelines and the widgets. */
export interface ObjectState {
  name: string;
  kind: string;
  /** One line a reader can take in at a glance, e.g. "read-held by T1; queue: T2 (write)". */
  summary: string;
  [field: string]: unknown;
}

/**
 * Anything threads share: locks, counters, mm structs, devices. Every object has a unique name in its
 * world and an id that steps use in their footprints.
 */
export abstract class KObject {
  abstract readonly kind: string;
  readonly id: number;
  readonly world: World;
  readonly name: string;
  freed: Freed | null = null;
  /** An object that only gives part of another its own footprint (a page's entries): not in snapshots. */
  readonly internal: boolean = false;
  /**
   * Whether every change to what `snapshot` shows is made by a step whose footprint names this
   * object: true of the synchronization primitives, whose footprints the dependency relation rests
   * on; not of an mm, whose snapshot shows its counters. The state cache then writes the object
   * down again only after such a step (core/fingerprint.ts); otherwise at every state.
   */
  readonly stateInFootprint: boolean = false;
  /**
   * The objects whose state, beyond their name, this object's snapshot shows (an mm shows its
   * counts). The state cache writes an object that is not a primitive down again when one of its
   * own fields changed (core/field-trace.ts) or one of these did.
   */
  statesShown(): readonly KObject[] {
    return [];
  }
  /** The footprints of steps that touch this object alone, by mode, and functions returning them (made on first use). */
  private alone: { fp: readonly Access[]; fn: () => readonly Access[] }[] | null = null;

  constructor(world: World, name: string) {
    this.world = world;
    this.name = name;
    this.id = world.register(this);
  }

  /**
   * The footprint of a step that touches this object alone, in `mode`, and a function that returns it
   * (for `Action.footprint`): made once per object and mode and shared, so a step allocates none.
   */
  only(mode: Mode): { fp: readonly Access[]; fn: () => readonly Access[] } {
    const alone = (this.alone ??= []);
    let a = alone[mode];
    if (a === undefined) {
      const fp = [this.id * 4 + mode];
      alone[mode] = a = { fp, fn: () => fp };
    }
    return a;
  }

  /**
   * Call in every getter that exposes shared state. It records the read when a `wait_event`
   * condition is evaluated for its footprint, and refuses a read from a thread's own code between
   * steps, which the explorer could not see (read it in a step instead, e.g. `atomic_read`).
   */
  protected observe(): void {
    if (readTracker) {
      readTracker.push(this.id * 4 + READ);
      return;
    }
    const t = threadBetweenSteps();
    if (t) {
      throw new Error(`${t.name} read ${this.name} in its own code, between steps: read shared state in a step (e.g. yield* atomic_read), or the explorer cannot see the access`);
    }
  }

  /** The state a reader sees: holders, queues, counts. */
  abstract snapshot(): ObjectState;
}
