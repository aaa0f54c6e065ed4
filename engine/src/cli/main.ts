import type { Case } from '../cases/types.ts';
import { validateOptions } from '../core/explorer.ts';
import { explore, replay } from '../explore.ts';
import { isFile, parseArgs, USAGE, UsageError, withFlags } from './args.ts';
import { formatList, formatReport, timeline } from './format.ts';
import { progressLine, PROGRESS_AFTER_MS } from './progress.ts';
import { caseTarget, fileTarget, type Cases, type Target } from './target.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Draws (or, with null, clears) a progress line in place; given only when stderr is a terminal. */
  progress?(line: string | null): void;
}

/** Where targets come from: the built-in cases (loaded when needed) and the user's files. */
export interface Sources {
  cases(): Cases | Promise<Cases>;
  /** Loads a module; its failure is reported in one line (see `loadError`). */
  module(path: string): Promise<Readonly<Record<string, unknown>>>;
  /**
   * The engine a user's file imports (the package's entry), when it is another copy than this one:
   * its scenarios must run on their own copy's explorer. This one by default.
   */
  engine?(): Promise<Engine>;
}

interface Engine {
  explore: typeof explore;
  replay: typeof replay;
}

const EXIT = { ok: 0, deadlock: 1, violation: 1, leak: 1, starvation: 1, incomplete: 3 } as const;

/** Runs the command line on `argv` (without `node` and the script) and returns the exit status. */
export async function main(argv: readonly string[], sources: Sources, io: Io): Promise<number> {
  try {
    if (argv.length === 0) {
      io.err(USAGE);
      return 2;
    }
    const cmd = parseArgs(argv);
    if (cmd.name === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (cmd.name === 'list') {
      const all = Object.values(await sources.cases()).filter((c): c is Case => c !== undefined);
      io.out(cmd.json ? JSON.stringify(all.map(({ build: _, listings: __, ...rest }) => rest), null, 2) : formatList(all));
      return 0;
    }
    let target: Target;
    let engine: Engine = { explore, replay };
    if (isFile(cmd.target)) {
      if (sources.engine) engine = await sources.engine();
      let exports: Readonly<Record<string, unknown>>;
      try {
        exports = await sources.module(cmd.target);
      } catch (e) {
        throw new UsageError(loadError(cmd.target, e));
      }
      target = fileTarget(cmd.target, exports, cmd.exportName, cmd.params);
    } else {
      if (cmd.exportName !== undefined) throw new UsageError(`--export picks a scenario of a file; '${cmd.target}' is a built-in case`);
      target = caseTarget(await sources.cases(), cmd.target, cmd.params);
    }
    if (cmd.name === 'replay') {
      let trace: ReturnType<Engine['replay']>;
      try {
        trace = engine.replay(target.scenario, cmd.schedule);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      io.out(cmd.json ? JSON.stringify({ ...target.json, ...trace }, null, 2) : [`${target.title}: ${trace.outcome}`, trace.message, '', ...timeline(trace.steps, target.listing, trace.loop)].join('\n'));
      return EXIT[trace.outcome];
    }
    const options = { ...cmd.options };
    const progress = cmd.json ? undefined : io.progress;
    let drawn = false;
    if (progress) {
      const resolved = validateOptions(options);
      Object.assign(options, {
        onProgress: (stats: Parameters<typeof progressLine>[0]) => {
          if (stats.ms < PROGRESS_AFTER_MS) return;
          progress(progressLine(stats, resolved));
          drawn = true;
        },
      });
    }
    let report: ReturnType<Engine['explore']>;
    try {
      report = engine.explore(target.scenario, options);
    } finally {
      if (drawn) progress!(null);
    }
    io.out(cmd.json ? JSON.stringify({ ...target.json, ...report }, null, 2) : formatReport(target, report, cmd.lockdep));
    return EXIT[report.verdict];
  } catch (e) {
    // Bad usage, bad options, and mistakes in the scenario (ScenarioError, by name: the user's file may hold another copy of the engine).
    if (!(e instanceof UsageError) && !(e instanceof Error && (e.message.startsWith('explore:') || e.name === 'ScenarioError'))) throw e;
    io.err(`interleave: ${withFlags(e.message)}`);
    return 2;
  }
}

/** One line for a module that could not be loaded: missing, not loadable by this Node, or throwing. */
export function loadError(path: string, e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  const missing = code === 'ERR_MODULE_NOT_FOUND' ? /Cannot find module '([^']+)'/.exec(String((e as Error).message))?.[1] : undefined;
  if (missing?.endsWith(path.replace(/^\.\//, ''))) return `cannot load ${path}: no such file`;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') return `cannot load ${path}: this Node cannot run TypeScript files (use Node 22.18 or later, or a .js/.mjs file)`;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return `${path} threw while loading: ${text.split('\n')[0]}`;
}
