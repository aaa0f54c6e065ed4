/**
 * The case registry: one scenario per set of parameters, and a name for each that says which
 * variant and parameters ran (pages and tests find a run by its name).
 */
import { describe, expect, it } from 'vitest';
import { simulate, type Scenario } from '../../src/index.ts';

describe('the case registry', () => {
  it('builds one scenario per set of parameters, so one variant is explored once per build', async () => {
    const { cases } = await import('../../src/cases/index.ts');
    const c = cases.cxl!;
    expect(c.build()).toBe(c.build({ variant: 'buggy' }));
    expect(c.build({ pages: '3' })).toBe(c.build({ pages: 3 }));
    expect(c.build({ variant: 'fixed' })).not.toBe(c.build());
  });

  it('names every scenario of a case differently, so a name says which variant and parameters ran', async () => {
    const { cases, paramGrid } = await import('../../src/cases/index.ts');
    for (const c of Object.values(cases)) {
      // An 'auto' parameter resolves to one of the other values, so two combinations may build one
      // scenario: the same name must then mean the same run (the first-runnable-thread execution).
      const byName = new Map<string, string>();
      for (const params of paramGrid(c)) {
        let s: Scenario;
        try {
          s = c.build(params);
        } catch (e) {
          // Some combinations do not make sense (cxl: fewer pages than VMAs): a clear Error that names the case.
          expect(String(e), JSON.stringify(params)).toMatch(new RegExp(`^Error: ${c.id}: `));
          continue;
        }
        const run = firstRunnableExecution(s);
        const seen = byName.get(s.name);
        if (seen === undefined) byName.set(s.name, run);
        else expect(run, `${c.id}: ${s.name}`).toBe(seen);
      }
      expect(byName.size, c.id).toBeGreaterThan(c.variants.length);
    }
  }, 60_000);
});

/** The execution that always steps the first thread that can run: its steps and final state, as text. */
function firstRunnableExecution(s: Scenario): string {
  const sim = simulate(s);
  const steps: string[] = [];
  for (let i = 0; i < 10_000 && !sim.outcome; i++) {
    const tid = sim.threadNames.findIndex((_, t) => sim.whyNot(t) === null);
    if (tid < 0) break;
    sim.step(tid);
    steps.push(String(tid));
  }
  return `${steps.join('')} ${JSON.stringify(sim.snapshot())}`;
}
