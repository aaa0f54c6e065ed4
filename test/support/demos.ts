/**
 * Every scenario the site's demos define (src/demos), by name: the scenarios the primers run at
 * build time. The tests explore them again and compare with what the pages say.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScenario, type Scenario } from '@interleave/engine';
import { getCase, paramGrid } from '@interleave/engine/cases';
import { ROOT } from './dist.ts';

export async function demoScenarios(): Promise<Map<string, Scenario>> {
  const dir = join(ROOT, 'src', 'demos');
  const found = new Map<string, Scenario>();
  const add = (x: unknown) => {
    if (isScenario(x)) {
      if (found.has(x.name) && found.get(x.name) !== x) throw new Error(`two demo scenarios are named '${x.name}'`);
      found.set(x.name, x);
    }
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      add(value);
      if (value && typeof value === 'object' && !isScenario(value)) Object.values(value).forEach(add);
    }
  }
  return found;
}

/**
 * The scenario of case `caseId` named `name`, built with some variant and parameters (a case page's
 * runs build them on the fly, e.g. `vfio-pci buggy (script 5a)`): every combination is tried until
 * one has that name. Undefined if none does.
 */
export function caseScenario(caseId: string, name: string): Scenario | undefined {
  const c = getCase(caseId);
  for (const params of paramGrid(c)) {
    try {
      const s = c.build(params);
      if (s.name === name) return s;
    } catch {
      // a combination the case refuses (cxl: fewer pages than VMAs)
    }
  }
  return undefined;
}
