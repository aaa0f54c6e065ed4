/**
 * The cases a widget can show, at build time: the engine's five (as they land in its registry) and
 * the site's own mini-cases. The browser finds the same cases through src/widgets/case-loaders.ts;
 * a test checks that the two agree.
 */
import { cases } from '@interleave/engine/cases';
import type { WidgetCase } from '../widgets/case-shape.ts';
import { recursiveReadCase } from '../demos/recursive-read-case.ts';

/** The site's own cases, by id. */
export const siteCases: Readonly<Record<string, WidgetCase>> = Object.freeze({ [recursiveReadCase.id]: recursiveReadCase });

/** The case with this id, or a clear Error naming the ones there are. */
export function getWidgetCase(id: string): WidgetCase {
  const c = siteCases[id] ?? (cases as Record<string, WidgetCase | undefined>)[id];
  if (!c) throw new Error(`CaseWidget: no case '${id}' (cases: ${[...Object.keys(siteCases), ...Object.keys(cases)].join(', ')})`);
  return c;
}
