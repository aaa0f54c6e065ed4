import type { ExploreOptions } from '../core/explorer.ts';
import type { ParamValues } from '../cases/params.ts';

export type Command =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'explore'; target: string; exportName: string | undefined; params: ParamValues; json: boolean; lockdep: boolean; options: ExploreOptions }
  | { name: 'replay'; target: string; exportName: string | undefined; schedule: string; params: ParamValues; json: boolean };

export const USAGE = `usage:
  interleave list [--json]
  interleave explore <case | file> [--variant <v>] [--param <name>=<value>]... [--export <name>] [--json] [--lockdep] [--liveness]
                     [--max-executions <n>] [--max-steps <n>] [--time-budget <ms>] [--preemption-bound <n>] [--max-states <n>]
                     [--no-state-cache]
  interleave replay <case | file> <schedule> [--variant <v>] [--param <name>=<value>]... [--export <name>] [--json]

<file> is your own module (./my-scenario.ts, .js or .mjs) that exports scenarios; --export picks one.
--liveness also looks for starvation: a thread that waits forever while the others run in a loop;
its schedule is a lasso, the loop in parentheses (a2b(cd)), which replay takes.
--no-state-cache explores without remembering states (every execution runs to its end).
exit status: 0 ok, 1 a failing verdict (deadlock, violation, leak, starvation), 2 bad usage, 3 incomplete (a bound ran out first)`;

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** The command-line flag of each explore option, so messages name what the user can type. */
export const FLAGS: Record<'maxExecutions' | 'maxSteps' | 'timeBudgetMs' | 'preemptionBound' | 'maxStates', string> = {
  maxExecutions: '--max-executions',
  maxSteps: '--max-steps',
  timeBudgetMs: '--time-budget',
  preemptionBound: '--preemption-bound',
  maxStates: '--max-states',
};

const NUMERIC = Object.fromEntries(Object.entries(FLAGS).map(([option, flag]) => [flag, option])) as Record<string, keyof typeof FLAGS>;

/** Rewrites the explore options named in an engine message as the flags that set them. */
export function withFlags(text: string): string {
  return text.replace(/\b(maxExecutions|maxSteps|timeBudgetMs|preemptionBound|maxStates)\b/g, (m) => FLAGS[m as keyof typeof FLAGS]);
}

/** Whether a target names a file (a path or a module extension) rather than a built-in case. */
export function isFile(target: string): boolean {
  return /[/\\]/.test(target) || /\.[cm]?[jt]s$/.test(target);
}

export function parseArgs(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === undefined) throw new UsageError('a command is needed (interleave help prints the usage)');
  const positional: string[] = [];
  const params: ParamValues = {};
  const options: Record<string, number | boolean> = {};
  let json = false;
  let lockdep = false;
  let exportName: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--json') json = true;
    else if (arg === '--lockdep') lockdep = true;
    else if (arg === '--liveness') options.liveness = true;
    else if (arg === '--no-state-cache') options.stateCache = false;
    else if (arg === '--variant') params.variant = value();
    else if (arg === '--export') exportName = value();
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
      expect(1, 'a case id or a file');
      return { name, target: positional[0]!, exportName, params, json, lockdep, options };
    case 'replay':
      expect(2, 'a case id or a file, and a schedule');
      return { name, target: positional[0]!, exportName, schedule: positional[1]!, params, json };
    default:
      throw new UsageError(`unknown command '${name}' (commands: list, explore, replay)`);
  }
}
