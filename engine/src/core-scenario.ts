import type { Instantiable } from './core/execution.ts';
import { listing as parseListing, type Listing } from './core/listing.ts';
import { MAX_THREADS } from './core/schedule.ts';
import { CoreKernel } from './core-kernel.ts';
import type { Kernel } from './kernel.ts';

export interface ScenarioOptions {
  /** The listing whose lines steps carry: C text with `//@label` markers, or a parsed listing. */
  listing?: string | Listing;
  description?: string;
  /**
   * The objects the scenario's story is about (the locks and counts that decide the outcome), by
   * name, most important first. A viewer shows them first; every name must be an object of the world.
   */
  focus?: readonly string[];
}

/** A replayable program: `build(k)` makes a fresh world for every execution. */
export interface Scenario<K extends CoreKernel = Kernel> extends Instantiable {
  readonly name: string;
  readonly build: (k: K) => void;
  readonly listing: Listing | undefined;
  readonly description: string | undefined;
  /** The objects the story is about (`ScenarioOptions.focus`), most important first; empty when not named. */
  readonly focus: readonly string[];
  /** Thread names, in creation order (schedule letters follow this order). */
  readonly threads: readonly string[];
  instantiate(): CoreKernel;
}

/**
 * A scenario whose build makes only the core objects (`CoreKernel`: locks, counts, mm, processes,
 * files) and any other model through that model's own functions, so that a bundle of it leaves out
 * the models it does not use. The engine's cases are made this way; `scenario` (scenario.ts) gives
 * `build` every model.
 */
export function coreScenario(name: string, build: (k: CoreKernel) => void, options: ScenarioOptions = {}): Scenario<CoreKernel> {
  return defineScenario((l) => new CoreKernel(l), name, build, options);
}

/** Checks and freezes a scenario whose worlds `make` creates (`scenario` in scenario.ts, `coreScenario`). */
export function defineScenario<K extends CoreKernel>(make: (l: Listing | undefined) => K, name: string, build: (k: K) => void, options: ScenarioOptions): Scenario<K> {
  if (typeof name !== 'string' || name.trim() === '') throw new Error('scenario: the first argument must be a non-empty name');
  if (typeof build !== 'function') throw new Error(`scenario '${name}': the second argument must be a function build(k)`);
  const l = typeof options.listing === 'string' ? parseListing(options.listing) : options.listing;
  const instantiate = (): K => {
    const k = make(l);
    build(k);
    k.seal();
    return k;
  };
  let threads: string[];
  let objects: Set<string>;
  try {
    const k = instantiate();
    threads = k.threads.map((t) => t.name);
    objects = new Set(k.objects.filter((o) => !o.internal).map((o) => o.name));
  } catch (e) {
    throw new Error(`scenario '${name}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const focus = Object.freeze([...(options.focus ?? [])]);
  const unknown = focus.filter((f) => !objects.has(f));
  if (unknown.length) throw new Error(`scenario '${name}': focus names no object of the world: ${unknown.map((f) => `'${f}'`).join(', ')}`);
  if (threads.length > MAX_THREADS) throw new Error(`scenario '${name}': ${threads.length} threads; at most ${MAX_THREADS} are supported`);
  return Object.freeze({ name, build, listing: l, description: options.description, focus, threads, instantiate });
}

export function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && typeof (x as Scenario).instantiate === 'function' && Array.isArray((x as Scenario).threads);
}
