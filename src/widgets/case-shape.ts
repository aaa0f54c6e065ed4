/**
 * What the widget needs of a case: the engine's `Case` without its citation, and with any id, so the
 * site's own small cases (the primers' mini-cases) run in the same widget as the five real ones.
 */
import type { Case } from '@interleave/engine/cases';

export type WidgetCase = Pick<Case, 'title' | 'variants' | 'params' | 'listings' | 'build' | 'fixParts'> & {
  id: string;
  summary?: string;
};

/** Whether a module export looks like a case (checked before the widget trusts it). */
export function isWidgetCase(x: unknown): x is WidgetCase {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<WidgetCase>;
  return typeof c.id === 'string' && typeof c.build === 'function' && Array.isArray(c.variants) && c.variants.length > 0 && Array.isArray(c.params);
}
