/**
 * A case's ladder of challenges, computed with the engine at build time (nothing typed per case):
 * (1) make the buggy code fail; (2) make it fail in as few steps as the engine's shortest failure
 * (the par); (3) on the fixed code, try to break it, then let the explorer show that no order can;
 * (4) for each part of the fix (the case's `fixParts`), switch to the fix without it and find the
 * failure it lets back in. A rung whose answer would be "any order" is not offered as a puzzle: when
 * the engine finds that every order fails, the first rung says so and why that is the lesson, and a
 * par every failure meets anyway is left out.
 */
import type { Report, Scenario, Verdict } from '@interleave/engine';
import { exploreOnce } from './run.ts';
import type { WidgetCase } from '../widgets/case-shape.ts';
import type { Rung } from '../widgets/ladder-shape.ts';
import { list, plural } from './format.ts';

export type Params = Record<string, string | number>;

/** A variant explored, with what the explorer saw of every order: how many distinct orders, and how many of them end well. */
interface Explored {
  report: Report;
  executions: number;
  ok: number;
}

function exploreAll(s: Scenario): Explored {
  // Every distinct order to its end: the state cache would stop some at states seen before.
  const report = exploreOnce(s, { stateCache: false });
  const executions = report.stats.executions - report.stats.redundant;
  return { report, executions, ok: executions - report.stats.failing };
}

const failed = (v: Verdict) => v !== 'ok' && v !== 'incomplete';
const answerOf = (r: Report) => r.counterexample?.steps.map((s) => s.thread) ?? [];
const endOf = (r: Report) => r.message.replace(/^[A-Za-z]+: /, '');
const threadsOf = (answer: string[]) => [...new Set(answer)];

/** The ladder of `c` at `params` (the widget's, every parameter resolved); `hint` is the page's own words for the first rung. */
export function ladderOf(c: WidgetCase, params: Params, hint?: string): Rung[] {
  const rungs: Rung[] = [];
  const buggy = c.variants.find((v) => failed(v.expected));
  const fixed = c.variants.find((v) => v.id === 'fixed') ?? c.variants.find((v) => v.expected === 'ok');
  const label = (id: string) => c.variants.find((v) => v.id === id)?.label ?? id;
  if (buggy) {
    const s = c.build({ ...params, variant: buggy.id });
    const x = exploreAll(s);
    const r = x.report;
    if (failed(r.verdict)) {
      const answer = answerOf(r);
      const all = s.threads.length;
      const everyFails = r.complete && x.ok === 0;
      rungs.push({
        id: 'fail',
        variant: buggy.id,
        params,
        verdict: r.verdict,
        goal: everyFails
          ? `Make the ${label(buggy.id)} code fail. Here every order does: the explorer ran all ${plural(x.executions, 'distinct order')} of its ${all} threads and each ends in a ${r.verdict}. That is the lesson: this is not a race that an unlucky schedule loses, the code fails whatever the scheduler does. Step to the end in any order and see why.`
          : `Make the ${label(buggy.id)} code fail: pick the order of the steps so that the execution ends in a ${r.verdict}. ${plural(x.ok, 'order')} of the ${x.executions} the explorer tells apart ${x.ok === 1 ? 'ends' : 'end'} well.`,
        nudge: hint ?? `It can be done in ${plural(answer.length, 'step')}. Aim for this end: ${endOf(r)}`,
        answer,
      });
      // When every order fails, the longest execution is the longest failure: a par every order meets is no puzzle.
      if (!(everyFails && r.stats.longest === answer.length)) {
        const who = threadsOf(answer);
        rungs.push({
          id: 'par',
          variant: buggy.id,
          params,
          verdict: r.verdict,
          par: answer.length,
          goal: `Make it fail in ${plural(answer.length, 'step')}, as few as the explorer's shortest failure (the longest execution the explorer ran takes ${r.stats.longest}).`,
          nudge: `Only the steps that lead to the failure count: the shortest one steps ${list(who)}${who.length < all ? `, and leaves ${plural(all - who.length, 'thread')} alone` : ''}.`,
          answer,
        });
      }
    }
  }
  if (fixed && buggy) {
    const x = exploreAll(c.build({ ...params, variant: fixed.id }));
    if (x.report.verdict === 'ok' && x.report.complete) {
      rungs.push({
        id: 'hold',
        variant: fixed.id,
        params,
        verdict: 'ok',
        goal: `Try to break the ${label(fixed.id)} code: step it to its end in the order that failed before, or any other. Then press “Find a failure” to let the explorer try every order.`,
        nudge: `The fix changes what each thread does, not when it runs: step the threads in the order of the ${label(buggy.id)} code's shortest failure and watch where it no longer blocks.`,
        answer: [],
        executions: x.executions,
      });
    }
  }
  for (const part of c.fixParts ?? []) {
    const p = { ...params, ...part.params };
    const x = exploreAll(c.build({ ...p, variant: part.variant }));
    const r = x.report;
    if (!failed(r.verdict)) continue;
    const answer = answerOf(r);
    const set = Object.entries(part.params ?? {}).map(([k, v]) => `${k} ${v}`);
    rungs.push({
      id: `part-${part.id}`,
      variant: part.variant,
      params: p,
      verdict: r.verdict,
      goal: `Switch off one part of the fix: ${part.label}. In the ${label(part.variant)} variant${set.length ? ` (with ${set.join(', ')})` : ''}, find the failure it lets back in.`,
      nudge: `${x.ok === 0 && r.complete ? 'Every order fails here. ' : ''}It can be done in ${plural(answer.length, 'step')}. Aim for this end: ${endOf(r)}`,
      answer,
    });
  }
  return rungs;
}
