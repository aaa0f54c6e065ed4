/**
 * Where the widget finds each case's code: one dynamic import per case, so a page downloads only
 * the case it shows. The five engine cases come from the package's per-case entry points
 * (`@interleave/engine/internal/cases/<id>`); the site's own mini-cases from src/demos. A computed specifier
 * (`import(\`@interleave/engine/internal/cases/${id}\`)`) cannot be bundled, hence the explicit map.
 */
import { isWidgetCase, type WidgetCase } from './case-shape.ts';

type Loader = () => Promise<Record<string, unknown>>;

const loaders: Readonly<Record<string, Loader>> = Object.freeze({
  'recursive-read': () => import('../demos/recursive-read-case.ts'),
  cxl: () => import('@interleave/engine/internal/cases/cxl'),
  hmm: () => import('@interleave/engine/internal/cases/hmm'),
  userfaultfd: () => import('@interleave/engine/internal/cases/userfaultfd'),
  'intel-svm': () => import('@interleave/engine/internal/cases/intel-svm'),
  'vfio-pci': () => import('@interleave/engine/internal/cases/vfio-pci'),
});

/** Every case id the widget can load. */
export const loadableCaseIds: readonly string[] = Object.keys(loaders);

export function isLoadable(id: string): boolean {
  return Object.hasOwn(loaders, id);
}

/** Loads a case's module and returns the case it exports (the export whose `id` is `id`). */
export async function loadCase(id: string): Promise<WidgetCase> {
  if (!isLoadable(id)) throw new Error(`no case '${id}' (cases: ${loadableCaseIds.join(', ')})`);
  const mod = await loaders[id]!();
  const found = Object.values(mod).find((v): v is WidgetCase => isWidgetCase(v) && v.id === id);
  if (!found) throw new Error(`the module of case '${id}' exports no case with that id`);
  return found;
}
