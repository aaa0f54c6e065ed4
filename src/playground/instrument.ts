/**
 * The engine as the reader's code sees it in the sandbox's worker, with two additions that tell the
 * workbench where in the reader's code each thread is: every kernel operation (a generator function
 * of the engine) records the line it was called from, as the listing line of its step, the way the
 * case models use `at`; and an exception thrown by a thread body is remembered with its line.
 * Both read the call stack, so they are on only while stepping, never during a search. Each thread
 * body's text is kept too, to find its lines in the reader's code.
 */
import * as engine from '@interleave/engine';
import { at, World, Violation, type ThreadBody } from '@interleave/engine';
import { placeOf, describe } from './evaluate.ts';
import type { ScenarioFault } from './protocol.ts';

let tracking = false;
let lastThrow: ScenarioFault | null = null;
/** Each thread's body as written (its source text), recorded while tracked. */
const bodies = new Map<string, string>();

/** Lines are recorded while `fn` runs (stepping by hand), not otherwise (a search). */
export function tracked<T>(fn: () => T): T {
  tracking = true;
  try {
    return fn();
  } finally {
    tracking = false;
  }
}

/** The source text of each thread's body of the scenario built last while tracked (by thread name). */
export function bodyTexts(): ReadonlyMap<string, string> {
  return bodies;
}

/** The last exception a thread body threw while tracked, with its line; cleared by reading it. */
export function takeThrow(): ScenarioFault | null {
  const t = lastThrow;
  lastThrow = null;
  return t;
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as Function;

const isGenerator = (x: unknown): x is Generator => typeof x === 'object' && x !== null && typeof (x as Generator).next === 'function' && typeof (x as Generator)[Symbol.iterator] === 'function';

/** An operation (a function that returns a generator to `yield*`) that records the caller's line. */
function wrap(name: string, op: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const g = op.apply(this, args);
    if (!tracking || !isGenerator(g)) return g;
    const line = placeOf(new Error())?.line;
    return line === undefined ? g : at(line, g as engine.Op<unknown>);
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped;
}

/** The engine's exports, with each operation wrapped (classes, constants and `at` as they are). */
export const api: Record<string, unknown> = Object.fromEntries(
  Object.entries(engine).map(([name, value]) => [name, typeof value === 'function' && /^[a-z_]/.test(name) && name !== 'at' ? wrap(name, value as never) : value]),
);

// World.thread is where k.thread and process.thread end: wrap each body so an exception keeps its line.
const thread = World.prototype.thread;
World.prototype.thread = function (this: World, name: string, body: ThreadBody, options?: never) {
  if (!(body instanceof GeneratorFunction)) return thread.call(this, name, body, options); // the engine says why
  if (tracking) bodies.set(name, Function.prototype.toString.call(body));
  const guarded: ThreadBody = function* () {
    try {
      return yield* body();
    } catch (e) {
      if (tracking && !(e instanceof Violation)) {
        const place = placeOf(e);
        if (place) lastThrow = { ...place, message: `${name} threw ${describe(e)}` };
      }
      throw e;
    }
  } as ThreadBody;
  return thread.call(this, name, guarded, options);
} as typeof thread;
