import type { Listing } from '../core/listing.ts';
import type { Loop, Step } from '../core/simulation.ts';
import type { Report } from '../explore.ts';
import type { Case } from '../cases/types.ts';
import { withFlags } from './args.ts';
import type { Target } from './target.ts';

/** Where a step stands in the listing: `function:line`, or nothing. */
function where(step: Step, listing: Listing | undefined): string {
  if (step.line === undefined) return '';
  const fn = listing?.functions.find((f) => f.start <= step.line! && step.line! <= f.end);
  return fn ? `${fn.name}:${step.line}` : `line ${step.line}`;
}

/** One line a step, in columns: number, thread, operation, object, what happened, where; a lasso's loop is marked. */
export function timeline(steps: readonly Step[], listing?: Listing, loop?: Loop): string[] {
  const rows = steps.map((s) => [`${s.index + 1}.`, s.thread, s.op, s.target ?? '', s.violation ? `${s.note ? `${s.note}; ` : ''}VIOLATION: ${s.violation}` : (s.note ?? ''), where(s, listing)]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => {
    const cols = r.slice(0, 4).map((x, c) => (c === 0 ? x.padStart(widths[c]!) : x.padEnd(widths[c]!)));
    const tail = r[5] ? `  [${r[5]}]` : '';
    return `  ${cols.join('  ')}  ${r[4]}${tail}`.trimEnd();
  });
  if (!loop) return lines;
  const end = loop.start + loop.length;
  return [
    ...lines.slice(0, loop.start),
    `  loop (repeats forever; ${loop.thread} waits throughout):`,
    ...lines.slice(loop.start, end).map((l) => `  |${l}`),
    `  back to the state before step ${loop.start + 1}`,
  ];
}

export function formatReport(target: Target, r: Report, lockdep: boolean): string {
  const out = [`${target.title}: ${r.verdict}`, withFlags(r.message)];
  if (r.counterexample) {
    out.push('', ...timeline(r.counterexample.steps, target.listing, r.counterexample.loop), '');
    out.push(`schedule: ${r.counterexample.schedule}  (${target.replayCommand(r.counterexample.schedule)})`);
  }
  const s = r.stats;
  const coverage = r.complete ? 'every interleaving covered' : `incomplete: ${withFlags(r.incomplete!.message)}`;
  const states = s.states === undefined || s.revisits !== undefined ? '' : `${s.states} states, `;
  const revisits = s.revisits ? `, ${s.revisits} of them stopped at a state explored before (${s.states} remembered)` : '';
  out.push(`explored ${states}${s.executions} executions (${s.steps} steps)${revisits} in ${s.ms} ms; ${coverage}`);
  const warnings = r.lockdep.warnings;
  if (warnings.length === 0) out.push('lockdep: no warnings');
  else if (!lockdep) out.push(...warnings.map((w) => `lockdep: ${w.title} (${w.classes.join(' -> ')}); --lockdep prints the report`));
  else for (const w of warnings) out.push('', w.text);
  return out.join('\n');
}

export function formatList(cases: readonly Case[]): string {
  return cases
    .map((c) => {
      const variants = c.variants.map((v) => `    --variant ${v.id.padEnd(12)} ${v.expected.padEnd(10)} ${v.description}`);
      const params = c.params.map((p) => `    --param ${`${p.name}=${p.default}`.padEnd(14)} ${p.description}${p.values ? ` (${p.values.join(', ')})` : p.min !== undefined ? ` (${p.min}–${p.max})` : ''}`);
      return [`${c.id}  ${c.subsystem}: ${c.summary}`, ...variants, ...params].join('\n');
    })
    .join('\n\n');
}
