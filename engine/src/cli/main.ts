import { resolveParams } from '../cases/params.ts';
import type { Case } from '../cases/types.ts';
import { explore, replay } from '../explore.ts';
import { parseArgs, USAGE, UsageError } from './args.ts';
import { formatList, formatReport, timeline } from './format.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const EXIT = { ok: 0, deadlock: 1, violation: 1, leak: 1, incomplete: 3 } as const;

/** Runs the command line on `argv` (without `node` and the script) and returns the exit status. */
export function main(argv: readonly string[], cases: Readonly<Record<string, Case | undefined>>, io: Io): number {
  try {
    const cmd = parseArgs(argv);
    if (cmd.name === 'help') {
      io.out(USAGE);
      return 0;
    }
    const all = Object.values(cases).filter((c): c is Case => c !== undefined);
    if (cmd.name === 'list') {
      io.out(cmd.json ? JSON.stringify(all.map(({ build: _, listings: __, ...rest }) => rest), null, 2) : formatList(all));
      return 0;
    }
    const c = cases[cmd.caseId];
    if (!c) throw new UsageError(`unknown case '${cmd.caseId}' (cases: ${all.map((x) => x.id).join(', ') || 'none'})`);
    let params: ReturnType<typeof resolveParams>;
    try {
      params = resolveParams(c, cmd.params);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const s = c.build(params);
    if (cmd.name === 'replay') {
      let trace: ReturnType<typeof replay>;
      try {
        trace = replay(s, cmd.schedule);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      io.out(cmd.json ? JSON.stringify({ case: c.id, params, ...trace }, null, 2) : [`${c.id} (${params.variant}): ${trace.outcome}`, trace.message, '', ...timeline(trace.steps, c.listings[params.variant])].join('\n'));
      return EXIT[trace.outcome];
    }
    const report = explore(s, cmd.options);
    io.out(cmd.json ? JSON.stringify({ case: c.id, params, ...report }, null, 2) : formatReport(c, params.variant, report, cmd.lockdep));
    return EXIT[report.verdict];
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof Error && e.message.startsWith('explore:'))) throw e;
    io.err(`interleave: ${e.message}`);
    return 2;
  }
}
