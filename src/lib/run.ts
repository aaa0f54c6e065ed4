/**
 * The engine, run at build time. Each scenario is explored once per build (pages and components
 * that show the same scenario share the report), and a page can state what it expects, so prose
 * that a model change has made wrong fails the build instead of going out stale.
 */
import { explore, replay, type ExploreOptions, type Report, type Scenario, type Trace, type Verdict } from '@interleave/engine';
import type { LockdepReport } from '@interleave/engine';

const reports = new WeakMap<Scenario, Map<string, Report>>();

/** Explores `s` once per build for each set of plain options (`{ liveness: true }`); options with callbacks explore afresh. */
export function exploreOnce(s: Scenario, options?: ExploreOptions): Report {
  if (options && Object.values(options).some((v) => typeof v === 'function')) return explore(s, options);
  const key = JSON.stringify(options ?? {});
  let byOptions = reports.get(s);
  if (!byOptions) reports.set(s, (byOptions = new Map()));
  let r = byOptions.get(key);
  if (!r) {
    r = explore(s, options);
    byOptions.set(key, r);
  }
  return r;
}

/** Fails the build when the engine's verdict is not the one the page's text relies on. */
export function checkExpected(where: string, report: Report, expected: Verdict | undefined): void {
  if (expected === undefined || report.verdict === expected) return;
  throw new Error(
    `${where}: the page says '${report.scenario}' ends in ${expected}, but the engine now says ${report.verdict} (${report.message}). ` +
      'Update the text around it.',
  );
}

/** The trace of a report's shortest failure, replayed (with every state), or null when it has none. */
export function counterexampleTrace(s: Scenario, report: Report): (Trace & { lockdep: LockdepReport }) | null {
  return report.counterexample ? replay(s, report.counterexample.schedule) : null;
}
