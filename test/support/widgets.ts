/**
 * Which widgets there are: the cases the widget can show at build time (the engine registry's, and
 * the site's own), and the pages of dist/ that carry a widget, with the case each one shows.
 */
import { cases } from '@interleave/engine/cases';
import { siteCases } from '../../src/lib/widget-cases.ts';
import { pagePaths } from './dist.ts';
import { page } from './html.ts';

/** The engine's cases (those in its registry today) and the site's mini-cases. */
export function widgetCaseIds(): string[] {
  return [...Object.keys(siteCases), ...Object.keys(cases)];
}

/** The engine cases in the registry today. */
export function registeredCaseIds(): string[] {
  return Object.keys(cases);
}

export interface WidgetPage {
  path: string;
  caseId: string;
}

/** Every widget on a built page, in page order. */
export function widgetPages(): WidgetPage[] {
  return pagePaths().flatMap((path) => page(path).querySelectorAll('interleave-widget').map((w) => ({ path, caseId: w.getAttribute('data-case')! })));
}
