/**
 * What a widget's static form needs, computed at build time: the case's parameters resolved, every
 * listing the widget may show (so Shiki renders each once, here, and none of Shiki reaches the
 * browser), the shown variant explored, and the challenge of the first failing variant with its
 * answer. Verdicts a case declares are checked against the engine: a case whose expected verdict no
 * longer holds fails the build instead of sending the reader on an impossible challenge.
 */
import type { Listing, Report, Trace, Verdict } from '@interleave/engine';
import { resolveParams } from '@interleave/engine/cases';
import type { WidgetCase } from '../widgets/case-shape.ts';
import { listingKey } from '../widgets/listing-key.ts';
import { counterexampleTrace, exploreOnce } from './run.ts';
import { plural } from './format.ts';
import { ladderOf } from './ladder.ts';
import type { Rung } from '../widgets/ladder-shape.ts';

export type Params = Record<string, string | number>;

export interface WidgetChallenge {
  variant: string;
  verdict: Verdict;
  /** Thread names of the shortest failure, in order. */
  answer: string[];
  hint: string;
}

export interface WidgetModel {
  c: WidgetCase;
  variant: string;
  /** Every parameter of the case, defaults filled in (the variant not included). */
  params: Params;
  listings: { key: string; listing: Listing }[];
  report: Report;
  /** The shortest failure of the shown variant, replayed, or null when it has none. */
  trace: Trace | null;
  challenge: WidgetChallenge | null;
  /** The ladder of challenges (src/lib/ladder.ts). */
  ladder: Rung[];
}

/** At most this many scenarios are built to collect the listings of a case's named-value parameters. */
const MAX_COMBINATIONS = 64;

function combinations(c: WidgetCase, params: Params): Params[] {
  let out: Params[] = [{ ...params }];
  for (const p of c.params) {
    if (!p.values) continue;
    const next = out.flatMap((base) => p.values!.map((v) => ({ ...base, [p.name]: v })));
    if (next.length > MAX_COMBINATIONS) break;
    out = next;
  }
  return out;
}

/** Every distinct listing the case's scenarios carry, for each variant and named parameter value. */
export function widgetListings(c: WidgetCase, params: Params): { key: string; listing: Listing }[] {
  const found = new Map<string, Listing>();
  const add = (l: Listing | undefined) => {
    if (l) found.set(listingKey(l.text), l);
  };
  for (const v of c.variants) {
    add(c.listings[v.id]);
    for (const p of combinations(c, params)) add(c.build({ ...p, variant: v.id }).listing);
  }
  return [...found].map(([key, listing]) => ({ key, listing }));
}

function isDefault(c: WidgetCase, params: Params): boolean {
  return c.params.every((p) => params[p.name] === p.default);
}

function hintOf(trace: Trace): string {
  const end = trace.message.replace(/^[A-Za-z]+: /, '');
  return `It can be done in ${plural(trace.steps.length, 'step')}. Aim for this end: ${end}`;
}

export function widgetModel(c: WidgetCase, given: { variant?: string; params?: Params; hint?: string }): WidgetModel {
  const resolved = resolveParams(c as never, { ...given.params, ...(given.variant ? { variant: given.variant } : {}) });
  const { variant, ...params } = resolved;
  const scenario = c.build({ ...params, variant });
  const report = exploreOnce(scenario);
  const expectedHere = (v: string) => c.variants.find((x) => x.id === v)!.expected;
  if (isDefault(c, params) && report.verdict !== expectedHere(variant)) {
    throw new Error(`CaseWidget '${c.id}': variant '${variant}' is expected to end in ${expectedHere(variant)}, but the engine says ${report.verdict} (${report.message})`);
  }
  const failing = c.variants.find((v) => v.expected !== 'ok' && v.expected !== 'incomplete');
  let challenge: WidgetChallenge | null = null;
  if (failing) {
    const s = failing.id === variant ? scenario : c.build({ ...params, variant: failing.id });
    const r = failing.id === variant ? report : exploreOnce(s);
    const t = counterexampleTrace(s, r);
    if (isDefault(c, params) && r.verdict !== failing.expected) {
      throw new Error(`CaseWidget '${c.id}': the challenge expects '${failing.id}' to end in ${failing.expected}, but the engine says ${r.verdict} (${r.message})`);
    }
    if (t) challenge = { variant: failing.id, verdict: r.verdict, answer: t.steps.map((st) => st.thread), hint: given.hint ?? hintOf(t) };
  }
  return { c, variant, params, listings: widgetListings(c, params), report, trace: counterexampleTrace(scenario, report), challenge, ladder: ladderOf(c, params, given.hint) };
}
