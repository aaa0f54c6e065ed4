import { cxl } from './cxl/index.ts';
import { hmm } from './hmm/index.ts';
import { intelSvm } from './intel-svm/index.ts';
import { userfaultfd } from './userfaultfd/index.ts';
import { vfioPci } from './vfio-pci/index.ts';
import { resolveParams } from './params.ts';
import type { Case, CaseId } from './types.ts';
import type { Scenario } from '../scenario.ts';

/**
 * The five cases of the site, by id. Each seed document in shared/seeds becomes one scenario here,
 * buggy and fixed, built on the engine's models.
 */
export const cases: Readonly<Record<CaseId, Case>> = Object.freeze({
  cxl: shared(cxl),
  hmm: shared(hmm),
  userfaultfd: shared(userfaultfd),
  'intel-svm': shared(intelSvm),
  'vfio-pci': shared(vfioPci),
});

/**
 * The case with `build` returning one scenario per set of parameters: scenarios are immutable, so
 * everything that shows the same variant (a page's cards, its header, its timeline) can share one
 * exploration of it.
 */
function shared(c: Case): Case {
  const built = new Map<string, Scenario>();
  const build = (params: Record<string, string | number> = {}): Scenario => {
    const key = JSON.stringify(Object.entries(resolveParams(c, params)).sort());
    let s = built.get(key);
    if (!s) built.set(key, (s = c.build(params)));
    return s;
  };
  return Object.freeze({ ...c, build });
}

export const caseIds: readonly CaseId[] = ['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci'];

/** The case with this id, or a clear Error naming the known ones. */
export function getCase(id: string): Case {
  const c = (cases as Record<string, Case | undefined>)[id];
  if (!c) throw new Error(`unknown case '${id}' (cases: ${Object.keys(cases).join(', ') || 'none yet'})`);
  return c;
}

export { paramGrid, resolveParams, type ParamValues } from './params.ts';
export type { Case, CaseId, CaseParam, CaseVariant, FixPart, Upstream } from './types.ts';
