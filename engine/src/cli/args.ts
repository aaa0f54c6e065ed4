import type { ExploreOptions } from '../core/explorer.ts';
import type { ParamValues } from '../cases/params.ts';

export type Command =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'explore'; caseId: string; params: ParamValues; json: boolean; lockdep: boolean; options: ExploreOptions }
  | { name: 'replay'; caseId: string; schedule: string; params: ParamValues; json: boolean };

export const USAGE = `usage:
  interleave list [--json]
  interleave explore <case> [--variant <v>] [--param <name>=<value>]... [--json] [--lockdep]
                     [--max-executions <n>] [--max-steps <n>] [--time-budget <ms>] [--preemption-bound <n>]
  interleave replay <case> <schedule> [--variant <v>] [--param <name>=<value>]... [--json]

exit status: 0 ok, 1 a failing verdict (deadlock, violation, leak), 2 bad usage, 3 incomplete (a bound ran out first)`;

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {}

const NUMERIC: Record<string, keyof ExploreOptions> = {
  '--max-executions': 'maxExecutions',
  '--max-steps': 'maxSteps',
  '--time-budget': 'timeBudgetMs',
  '--preemption-bound': 'preemptionBound',
};

export function parseArgs(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  const positional: string[] = [];
  const params: ParamValues = {};
  const options: Record<string, number> = {};
  let json = false;
  let lockdep = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--json') json = true;
    else if (arg === '--lockdep') lockdep = true;
    else if (arg === '--variant') params.variant = value();
    else if (arg === '--param') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0) throw new UsageError(`--param expects <name>=<value>, got '${v}'`);
      params[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (arg in NUMERIC) {
      const v = value();
      const n = Number(v);
      if (v.trim() === '' || Number.isNaN(n)) throw new UsageError(`${arg} expects a number, got '${v}'`);
      options[NUMERIC[arg]!] = n;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else positional.push(arg);
  }
  const expect = (n: number, what: string) => {
    if (positional.length < n) throw new UsageError(`${name} needs ${what}`);
    if (positional.length > n) throw new UsageError(`unexpected argument '${positional[n]}'`);
  };
  switch (name) {
    case 'list':
      expect(0, '');
      return { name, json };
    case 'explore':
      expect(1, 'a case id');
      return { name, caseId: positional[0]!, params, json, lockdep, options };
    case 'replay':
      expect(2, 'a case id and a schedule');
      return { name, caseId: positional[0]!, schedule: positional[1]!, params, json };
    default:
      throw new UsageError(`unknown command '${name}' (commands: list, explore, replay)`);
  }
}
