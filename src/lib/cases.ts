/**
 * The five cases as the site shows them, read from @interleave/engine/cases at build time: each
 * variant explored once, so the cards, the case pages and the tests agree with the engine of the
 * day. Cases the engine does not have yet are listed as such.
 */
import { caseIds, cases, type Case, type CaseId, type CaseVariant } from '@interleave/engine/cases';
import type { Report } from '@interleave/engine';
import { exploreOnce } from './run.ts';

export interface VariantResult {
  variant: CaseVariant;
  report: Report;
}

export interface CaseSummary {
  id: CaseId;
  case: Case;
  variants: VariantResult[];
}

const memo = new Map<CaseId, CaseSummary>();

export function summarize(c: Case): CaseSummary {
  const hit = memo.get(c.id);
  if (hit) return hit;
  const variants = c.variants.map((variant) => ({ variant, report: exploreOnce(c.build({ variant: variant.id })) }));
  const s = { id: c.id, case: c, variants };
  memo.set(c.id, s);
  return s;
}

/** The cases the engine has, in the site's order. */
export function availableCases(): CaseSummary[] {
  return caseIds.flatMap((id) => {
    const c = cases[id];
    return c ? [summarize(c)] : [];
  });
}

/** Ids of the cases the engine does not have yet. */
export function pendingCaseIds(): CaseId[] {
  return caseIds.filter((id) => !cases[id]);
}

export { caseIds };
