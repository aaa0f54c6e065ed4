import { resolveParams, type ParamValues } from '../cases/params.ts';
import type { Case } from '../cases/types.ts';
import type { Listing } from '../core/listing.ts';
import { isScenario, type Scenario } from '../scenario.ts';
import { UsageError } from './args.ts';

/** What a command explores or replays: a built-in case's variant, or a scenario from the user's file. */
export interface Target {
  /** The first line of the output, e.g. `cxl (buggy)`. */
  title: string;
  scenario: Scenario;
  listing: Listing | undefined;
  /** The command that replays `schedule`. */
  replayCommand(schedule: string): string;
  /** What `--json` prints before the report. */
  json: Record<string, unknown>;
}

export type Cases = Readonly<Record<string, Case | undefined>>;

export function caseTarget(cases: Cases, id: string, given: ParamValues): Target {
  const c = cases[id];
  const all = Object.values(cases).filter((x): x is Case => x !== undefined);
  if (!c) throw new UsageError(`unknown case '${id}' (cases: ${all.map((x) => x.id).join(', ') || 'none'}; a file needs a path, e.g. ./${id}.ts)`);
  let params: ReturnType<typeof resolveParams>;
  try {
    params = resolveParams(c, given);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const flag = params.variant === c.variants[0]!.id ? '' : ` --variant ${params.variant}`;
  return {
    title: `${c.id} (${params.variant})`,
    scenario: c.build(params),
    listing: c.listings[params.variant],
    replayCommand: (schedule) => `interleave replay ${c.id} ${schedule}${flag}`,
    json: { case: c.id, params },
  };
}

/** The scenario a loaded module exports: the only one, or the one `--export` names. */
export function fileTarget(path: string, exports: Readonly<Record<string, unknown>>, exportName: string | undefined, given: ParamValues): Target {
  if (Object.keys(given).length > 0) throw new UsageError(`--variant and --param choose a built-in case's variant; ${path} is a file (use --export to pick its scenario)`);
  const found = Object.entries(exports).filter(([, v]) => isScenario(v)) as [string, Scenario][];
  if (found.length === 0) throw new UsageError(`${path} exports no scenario (export one made by scenario(name, build), e.g. export const s = scenario(...))`);
  const names = found.map(([n]) => n).join(', ');
  let chosen: [string, Scenario] | undefined;
  if (exportName !== undefined) {
    chosen = found.find(([n]) => n === exportName);
    if (!chosen) throw new UsageError(`${path} has no scenario exported as '${exportName}' (its scenarios: ${names})`);
  } else if (found.length > 1) {
    throw new UsageError(`${path} exports ${found.length} scenarios (${names}): pick one with --export <name>`);
  } else chosen = found[0]!;
  const [name, s] = chosen;
  const flag = exportName === undefined ? '' : ` --export ${name}`;
  return {
    title: `${s.name} (${path}${flag})`,
    scenario: s,
    listing: s.listing,
    replayCommand: (schedule) => `interleave replay ${path} ${schedule}${flag}`,
    json: { file: path, export: name },
  };
}
