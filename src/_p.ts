import { cxlRuns } from './demos/cxl.ts';
import { exploreOnce, counterexampleTrace } from './lib/run.ts';
const r = exploreOnce(cxlRuns.buggy); const t = counterexampleTrace(cxlRuns.buggy, r)!;
console.log(JSON.stringify(t.steps, null, 0));
console.log(JSON.stringify(t.states[4], null, 0).slice(0, 3000));
console.log(Object.keys(t), t.outcome, t.message);
