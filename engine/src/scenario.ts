import type { Instantiable } from './core/execution.ts';
import { listing as parseListing, type Listing } from './core/listing.ts';
import { MAX_THREADS } from './core/schedule.ts';
import { Kernel } from './kernel.ts';

export interface ScenarioOptions {
  /** The listing whose lines steps carry: C text with `//@label` markers, or a parsed listing. */
  listing?: string | Listing;
  description?: string;
}

/** A replayable program: `build(k)` makes a fresh world for every execution. */
export interface Scenario extends Instantiable {
  readonly name: string;
  readonly build: (k: Kernel) => void;
  readonly listing: Listing | undefined;
  readonly description: string | undefined;
  /** Thread names, in creation order (schedule letters follow this order). */
  readonly threads: readonly string[];
  instantiate(): Kernel;
}

/**
 * Defines a scenario. `build` runs once here, so a scenario with no threads, two things of one name
 * or a thread body that is not a generator function fails where it is defined, with a clear Error.
 */
export function scenario(name: string, build: (k: Kernel) => void, options: ScenarioOptions = {}): Scenario {
  if (typeof name !== 'string' || name.trim() === '') throw new Error('scenario: the first argument must be a non-empty name');
  if (typeof build !== 'function') throw new Error(`scenario '${name}': the second argument must be a function build(k)`);
  const l = typeof options.listing === 'string' ? parseListing(options.listing) : options.listing;
  const instantiate = (): Kernel => {
    const k = new Kernel(l);
    build(k);
    k.seal();
    return k;
  };
  let threads: string[];
  try {
    threads = instantiate().threads.map((t) => t.name);
  } catch (e) {
    throw new Error(`scenario '${name}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (threads.length > MAX_THREADS) throw new Error(`scenario '${name}': ${threads.length} threads; at most ${MAX_THREADS} are supported`);
  return Object.freeze({ name, build, listing: l, description: options.description, threads, instantiate });
}

export function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && typeof (x as Scenario).instantiate === 'function' && Array.isArray((x as Scenario).threads);
}
