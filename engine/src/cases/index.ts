import { cxl } from './cxl/index.ts';
import { hmm } from './hmm/index.ts';
import { userfaultfd } from './userfaultfd/index.ts';
import { vfioPci } from './vfio-pci/index.ts';
import type { Case, CaseId } from './types.ts';

/**
 * The five cases of the site, by id. Each seed document in shared/seeds becomes one scenario here,
 * buggy and fixed, built on the engine's models.
 */
export const cases: Readonly<Partial<Record<CaseId, Case>>> = Object.freeze({ cxl, hmm, userfaultfd, 'vfio-pci': vfioPci });

export const caseIds: readonly CaseId[] = ['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci'];

/** The case with this id, or a clear Error naming the known ones. */
export function getCase(id: string): Case {
  const c = (cases as Record<string, Case | undefined>)[id];
  if (!c) throw new Error(`unknown case '${id}' (cases: ${Object.keys(cases).join(', ') || 'none yet'})`);
  return c;
}

export { resolveParams, type ParamValues } from './params.ts';
export type { Case, CaseId, CaseParam, CaseVariant, Upstream } from './types.ts';
