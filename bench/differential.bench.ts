/**
 * The differential test at scale: the reduced explorer against brute force on thousands of random
 * programs, without a step bound and with one, on a tenth as many programs with more threads, and
 * on a fifth as many with steps of the threads' own (see engine/test/support/differential.ts for
 * what must agree). Run with `npm run bench:differential`; it prints the counts README quotes and
 * exits with status 1 if any program disagrees.
 */
import { compareOnProgram, compareOnScenario, compareRarestEnd, stepBoundFor, type Comparison } from '../engine/test/support/differential.ts';
import { lastzeroScenario } from '../engine/test/support/lastzero.ts';
import { compareMutexModels, type MutexComparison } from '../engine/test/support/mutex-order.ts';
import { OWN, WIDE, programScenario, randomProgram } from '../engine/test/support/programs.ts';

const PROGRAMS = Number(process.env.PROGRAMS ?? 5_000);
const MUTEX_PROGRAMS = Number(process.env.MUTEX_PROGRAMS ?? 1_000);

/** Programs of more threads (support/programs.ts, WIDE), a tenth as many. */
const WIDE_PROGRAMS = Math.round(PROGRAMS / 10);

/** Programs with steps of the threads' own (support/programs.ts, OWN), a fifth as many. */
const OWN_PROGRAMS = Math.round(PROGRAMS / 5);

/** Each kind of program: how many, and their size. */
const KINDS = { plain: { programs: PROGRAMS, size: undefined }, wide: { programs: WIDE_PROGRAMS, size: WIDE }, own: { programs: OWN_PROGRAMS, size: OWN } };

function run(label: string, maxStepsOf: (seed: number) => number | undefined, bruteLimit: number, kind: keyof typeof KINDS = 'plain'): { line: string; bad: Comparison[] } {
  const start = performance.now();
  const { programs, size } = KINDS[kind];
  let compared = 0;
  let dpor = 0;
  let brute = 0;
  let revisits = 0;
  let choiceRevisits = 0;
  const bad: Comparison[] = [];
  const problems = new Map<string, number>();
  for (let seed = 1; seed <= programs; seed++) {
    const c = compareOnProgram(seed, maxStepsOf(seed), bruteLimit, size);
    if (!c) continue;
    compared++;
    dpor += c.dpor;
    brute += c.brute;
    revisits += c.revisits;
    choiceRevisits += c.choiceRevisits;
    if (c.problems.length > 0) bad.push(c);
    for (const p of c.problems) problems.set(p, (problems.get(p) ?? 0) + 1);
  }
  const count = (p: string) => problems.get(p) ?? 0;
  const s = Math.round((performance.now() - start) / 1000);
  const line = `| ${label} | ${programs} | ${compared} | ${count('verdict') + count('states') + count('traces') + count('complete')} | ${count('replay')} | ${count('longer')} | ${cacheColumns(count)} | ${revisits} / ${choiceRevisits} | ${['', 'cache-', 'choices-'].reduce((n, l) => n + count(`${l}shorter`) + count(`${l}switches`) + count(`${l}executions`), 0)} | ${dpor} / ${brute} | ${s} s |`;
  return { line, bad };
}

/** The state cache's searches (every state, and states with a choice) against brute force: disagreements, replay failures, longer counterexamples. */
function cacheColumns(count: (p: string) => number): string {
  const both = (p: string) => count(`cache-${p}`) + count(`choices-${p}`);
  return `${both('verdict') + both('complete')} | ${both('replay')} | ${both('longer')}`;
}

/**
 * lastzero(2..4) with assertions (support/lastzero.ts), without a step bound and under every bound
 * up to its longest execution: the wakeup trees' weak initials, which a bound or a violation can
 * cut short.
 */
function lastzeroRuns(): { line: string; bad: Comparison[] } {
  const start = performance.now();
  const all: Comparison[] = [];
  for (const n of [2, 3, 4]) {
    for (let not = -1; not <= n; not++) {
      for (const writerNot of [-1, 0, 1]) {
        for (const maxSteps of [undefined, ...Array.from({ length: 3 * n + 1 }, (_, i) => i + 2)]) {
          const c = compareOnScenario(lastzeroScenario(n, not, writerNot), n, maxSteps, 5_000);
          if (c) all.push(c);
        }
      }
    }
  }
  const bad = all.filter((c) => c.problems.length > 0);
  const count = (p: string) => bad.filter((c) => c.problems.includes(p)).length;
  const s = Math.round((performance.now() - start) / 1000);
  const dpor = all.reduce((n, c) => n + c.dpor, 0);
  const brute = all.reduce((n, c) => n + c.brute, 0);
  const revisits = all.reduce((n, c) => n + c.revisits, 0);
  const choiceRevisits = all.reduce((n, c) => n + c.choiceRevisits, 0);
  return { line: `| ${all.length} | ${count('verdict') + count('states') + count('traces') + count('complete')} | ${count('replay')} | ${count('longer')} | ${cacheColumns(count)} | ${revisits} / ${choiceRevisits} | ${dpor} / ${brute} | ${s} s |`, bad };
}

/** The one-step mutex against the queued one (support/mutex-order.ts). */
function mutexModels(): { line: string; bad: MutexComparison[] } {
  const start = performance.now();
  const all: MutexComparison[] = [];
  for (let seed = 1; seed <= MUTEX_PROGRAMS; seed++) {
    const c = compareMutexModels(seed, 1_000);
    if (c) all.push(c);
  }
  const bad = all.filter((c) => c.problems.length > 0);
  const count = (p: string) => bad.filter((c) => c.problems.includes(p)).length;
  const s = Math.round((performance.now() - start) / 1000);
  return { line: `| ${MUTEX_PROGRAMS} | ${all.length} | ${all.filter((c) => c.contended).length} | ${count('outcomes')} | ${count('longer')} | ${s} s |`, bad };
}

/** Programs of three threads of four instructions, for the state cache's rarest end states (support/differential.ts, compareRarestEnd). */
const ENDS_PROGRAMS = Math.round(PROGRAMS / 5);

function rarestEnds(): { line: string; bad: { seed: number; problem: string | null }[] } {
  const start = performance.now();
  let compared = 0;
  let reexplored = 0;
  const bad: { seed: number; problem: string | null }[] = [];
  for (let seed = 1; seed <= ENDS_PROGRAMS; seed++) {
    const c = compareRarestEnd(programScenario(randomProgram(seed, { threads: [3, 3], instrs: 4 }), `program ${seed}`), seed, 5_000);
    if (!c) continue;
    compared++;
    reexplored += c.reexplored;
    if (c.problem) bad.push(c);
  }
  const count = (p: string) => bad.filter((c) => c.problem === p || c.problem === `choices-${p}`).length;
  const s = Math.round((performance.now() - start) / 1000);
  return { line: `| ${ENDS_PROGRAMS} | ${compared} | ${count('missed')} | ${count('longer')} | ${count('shorter')} | ${reexplored} | ${s} s |`, bad };
}

if (import.meta.main) {
  console.log(`Node ${process.version}\n`);
  console.log('| step bound | programs | compared (brute force finished) | disagreements | replay failures | longer than brute force | state cache: disagreements | state cache: replay failures | state cache: longer | state cache: executions stopped at a known state (every state / states with a choice) | other | executions (DPOR / brute force) | time |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const runs = [
    run('none', () => undefined, 1_000),
    run('maxSteps 2-9', stepBoundFor, 2_000),
    run('none, 3-4 threads', () => undefined, 5_000, 'wide'),
    run('maxSteps 5-12, 3-4 threads', (seed) => stepBoundFor(seed) + 3, 5_000, 'wide'),
    run("none, steps of the threads' own", () => undefined, 2_000, 'own'),
    run("maxSteps 6-13, steps of the threads' own", (seed) => stepBoundFor(seed) + 4, 2_000, 'own'),
  ];
  for (const r of runs) console.log(r.line);
  const mutex = mutexModels();
  console.log('\nA contended mutex_lock as one step against the queued mutex (brute force on both):\n');
  console.log('| programs | compared (a mutex, brute force finished) | with a waiter that slept and took the mutex later | different outcomes | one-step failure longer | time |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(mutex.line);
  const lastzero = lastzeroRuns();
  console.log('\nlastzero(2..4) with assertions, without a step bound and under every bound (wakeup trees):\n');
  console.log('| compared | disagreements | replay failures | longer than brute force | state cache: disagreements | state cache: replay failures | state cache: longer | state cache: executions stopped at a known state (every state / states with a choice) | executions (DPOR / brute force) | time |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(lastzero.line);
  const ends = rarestEnds();
  console.log('\nThe state cache on each program\'s rarest end state, three threads of four instructions (brute force finished, nothing fails):\n');
  console.log('| programs | compared | missed | longer | shorter | states explored again for threads that slept | time |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(ends.line);
  const bad = [...runs.flatMap((r) => r.bad), ...mutex.bad, ...lastzero.bad, ...ends.bad];
  if (bad.length > 0) {
    console.log(`\nDisagreements:\n${bad.slice(0, 20).map((b) => JSON.stringify(b)).join('\n')}`);
    process.exitCode = 1;
  }
}
