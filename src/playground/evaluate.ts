/**
 * Runs the reader's compiled module and keeps the scenarios it exports. This file runs only in the
 * sandbox's worker (and in Node, in the tests): it evaluates code with `new Function`, which the
 * site's pages never allow. Lines in errors are lines of the reader's code: the function is named
 * `scenario.js` with a sourceURL comment and the lines its header adds are measured, not assumed.
 */
import { isScenario, type Scenario } from '@interleave/engine';
import { compile } from './compile.ts';
import type { Place, ScenarioFault } from './protocol.ts';

export const SOURCE_NAME = 'scenario.js';

type Factory = (engine: Record<string, unknown>, exports: Record<string, unknown>) => void;

function makeFunction(body: string): Factory {
  return new Function('__engine', '__exports', `${body}\n//# sourceURL=${SOURCE_NAME}`) as Factory;
}

/** How many lines `new Function` puts before the body (2 in V8), measured once with a probe. */
const headerLines: number = (() => {
  try {
    makeFunction('throw new Error("probe")')({}, {});
  } catch (e) {
    const m = new RegExp(`${SOURCE_NAME}:(\\d+)`).exec(String((e as Error).stack));
    if (m) return Number(m[1]) - 1;
  }
  return 0;
})();

/**
 * Where in the reader's code an error was thrown: the first frame of scenario.js in its stack, or
 * in its cause's (the engine wraps an error of a scenario's build with the scenario's name).
 */
export function placeOf(error: unknown): Place | null {
  if (!(error instanceof Error)) return null;
  const inner = placeOf(error.cause);
  if (inner) return inner;
  const m = new RegExp(`${SOURCE_NAME}:(\\d+):(\\d+)`).exec(String(error.stack));
  if (!m) return null;
  return { line: Math.max(1, Number(m[1]) - headerLines), column: Number(m[2]) };
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
}

export type Evaluated = { ok: true; scenarios: Map<string, Scenario> } | { ok: false; fault: ScenarioFault };

/** Evaluates `source` with `engine` as the module's '@interleave/engine'. */
export function evaluate(source: string, engine: Record<string, unknown>): Evaluated {
  const compiled = compile(source);
  if (!compiled.ok) return compiled;
  let factory: Factory;
  try {
    factory = makeFunction(compiled.body);
  } catch (e) {
    // V8 gives no line for a syntax error in new Function; the editor's parser finds it (see editor.ts).
    return { ok: false, fault: { line: 0, message: describe(e) } };
  }
  const exports: Record<string, unknown> = {};
  try {
    factory(engine, exports);
  } catch (e) {
    return { ok: false, fault: { line: placeOf(e)?.line ?? 0, message: describe(e) } };
  }
  const scenarios = new Map<string, Scenario>();
  for (const [name, value] of Object.entries(exports)) if (isScenario(value)) scenarios.set(name, value);
  if (scenarios.size === 0) {
    return { ok: false, fault: { line: 0, message: 'the code exports no scenario: write export default scenario(…) or export const name = scenario(…)' } };
  }
  return { ok: true, scenarios };
}
