import { explore, type Report, type Scenario } from '../../src/index.ts';

/** Explores `s` with or without the reduction, collecting the verdict and end state of every execution. */
export function terminalStates(s: Scenario, reduction: 'dpor' | 'none', maxExecutions: number): { report: Report; states: Set<string> } {
  const states = new Set<string>();
  const report = explore(s, {
    reduction,
    maxExecutions,
    onExecution: (e) => {
      if (e.verdict !== 'redundant') states.add(`${e.verdict} ${JSON.stringify(e.snapshot())}`);
    },
  });
  return { report, states };
}
