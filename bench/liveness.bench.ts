/**
 * The liveness differential at scale: the engine's starvation search against brute force on many
 * random programs, with larger state graphs than the test allows (see engine/test/support/liveness.ts
 * for what must agree). Run with `npm run bench:liveness`; exits with status 1 if any program disagrees.
 */
import { compareLiveness, type LivenessComparison } from '../engine/test/support/liveness.ts';

const PROGRAMS = Number(process.env.PROGRAMS ?? 2_000);
const BRUTE_LIMIT = Number(process.env.BRUTE_LIMIT ?? 1_000);

if (import.meta.main) {
  const start = performance.now();
  const verdicts = new Map<string, number>();
  const bad: LivenessComparison[] = [];
  let compared = 0;
  let engine = 0;
  let brute = 0;
  let same = 0;
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    const c = compareLiveness(seed, BRUTE_LIMIT);
    if (!c) continue;
    compared++;
    verdicts.set(c.verdict, (verdicts.get(c.verdict) ?? 0) + 1);
    if (c.verdict !== 'deadlock' && c.verdict !== 'violation') {
      engine += c.engine;
      brute += c.brute;
      if (c.engine === c.brute) same++;
    }
    if (c.problems.length > 0) bad.push(c);
  }
  console.log(`Node ${process.version}\n`);
  console.log('| programs | compared (brute force within limit) | ok / deadlock / violation / starvation | disagreements | states, no safety failure (engine / brute force; same count) | time |');
  console.log('| ---: | ---: | --- | ---: | --- | ---: |');
  const v = (k: string) => verdicts.get(k) ?? 0;
  console.log(`| ${PROGRAMS} | ${compared} | ${v('ok')} / ${v('deadlock')} / ${v('violation')} / ${v('starvation')} | ${bad.length} | ${engine} / ${brute}; ${same} | ${Math.round((performance.now() - start) / 1000)} s |`);
  for (const b of bad.slice(0, 10)) console.log(`seed ${b.seed}: ${b.problems.join('; ')}`);
  if (bad.length > 0) process.exit(1);
}
