/**
 * `scenario(name, build)`, whose `build(k)` gets a `Kernel` with every model, and the rest of what a
 * scenario is (core-scenario.ts). The engine's own modules import from core-scenario.ts, so that a
 * bundle of a case that uses only the core objects does not carry the other models.
 */
import type { Listing } from './core/listing.ts';
import { defineScenario, type Scenario, type ScenarioOptions } from './core-scenario.ts';
import { Kernel } from './kernel.ts';

export { coreScenario, defineScenario, isScenario, type Scenario, type ScenarioOptions } from './core-scenario.ts';

/**
 * Defines a scenario. `build` runs once here, so a scenario with no threads, two things of one name
 * or a thread body that is not a generator function fails where it is defined, with a clear Error.
 */
export function scenario(name: string, build: (k: Kernel) => void, options: ScenarioOptions = {}): Scenario {
  return defineScenario((l: Listing | undefined) => new Kernel(l), name, build, options);
}
