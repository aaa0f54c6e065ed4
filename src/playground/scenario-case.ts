/**
 * The reader's scenarios in the shape the widget's session takes (`WidgetCase`): one variant per
 * exported scenario, no parameters and no listing (the reader's code is the listing).
 */
import type { Scenario } from '@interleave/engine';
import type { WidgetCase } from '../widgets/case-shape.ts';

export function scenarioCase(scenarios: ReadonlyMap<string, Scenario>): WidgetCase {
  const names = [...scenarios.keys()];
  return {
    id: 'playground',
    title: 'Your scenario',
    variants: names.map((id) => ({ id, label: id, description: scenarios.get(id)!.name, expected: 'ok' as const })),
    params: [],
    listings: {},
    build: (params) => {
      const s = scenarios.get(String(params?.variant ?? names[0]));
      if (!s) throw new Error(`no exported scenario '${String(params?.variant)}' (exports: ${names.join(', ')})`);
      return s;
    },
  };
}
