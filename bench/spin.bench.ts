/**
 * The five cases side by side with Spin: for each case and variant, at the default size and at the
 * scaled sizes of issue 11, Spin's whole time to a verdict on the independent Promela model in
 * bench/spin/ (`spin -a`, `gcc`, `./pan`) against the whole time of the `interleave` CLI process
 * (start-up included), each the median of a few runs in a temp dir. Checks that the verdicts agree:
 * an invalid end state is a deadlock, an assertion a violation (or, for `nothing_leaked`, a leak).
 * Run with `npm run bench:spin` (`node bench/spin.bench.ts <case>` for one case; ENGINE_BUDGET_MS and
 * RUNS change the engine's time budget and the number of runs); not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './median.ts';

const RUNS = Number(process.env.RUNS ?? 3);
/** A run longer than this is not repeated: its one time is the row's. */
const REPEAT_UNDER_MS = 10_000;
/** The engine's bounds for every row: far above what any row needs, so a verdict is complete. */
const ENGINE_BUDGET_MS = Number(process.env.ENGINE_BUDGET_MS ?? 600_000);
const ENGINE_BOUNDS = ['--max-executions', '100000000', '--time-budget', String(ENGINE_BUDGET_MS)];
/** pan's search-depth bound: far above the deepest model (about 450 steps). */
const PAN_FLAGS = ['-m1000000'];
const GCC_FLAGS = ['-w', '-O2', '-DSAFETY'];

const root = new URL('..', import.meta.url).pathname;
const models = join(root, 'bench/spin');
const cli = join(root, 'engine/bin/interleave.js');

if (spawnSync('spin', ['-V']).error) {
  console.log('spin is not installed (apt-get install spin): skipping the comparison with Spin.');
  process.exit(0);
}

interface Row {
  case: string;
  variant: 'buggy' | 'fixed';
  /** The engine's parameters, which the model takes as -D macros of the same meaning. */
  params: Record<string, number>;
  scaled: boolean;
}

/** Engine parameter → the model's macro. */
const MACRO: Record<string, string> = {
  pages: 'PAGES', vmas: 'VMAS', ranges: 'RANGES', processes: 'PROCS', requests: 'REQUESTS', devices: 'DEVICES', mappings: 'MAPPINGS', accesses: 'ACCESSES', faults: 'FAULTS',
};

/** The scaled sizes: issue 11's for userfaultfd and intel-svm, and bench/cases.bench.ts's larger size for the others. */
const SCALED: Record<string, Record<string, number>[]> = {
  cxl: [{ pages: 4, vmas: 2 }],
  hmm: [{ ranges: 2 }],
  userfaultfd: [{ pages: 2 }, { pages: 3 }, { pages: 4 }],
  'intel-svm': [{ requests: 2 }, { requests: 3 }, { requests: 4 }, { devices: 2, requests: 1 }, { devices: 2, requests: 2 }],
  'vfio-pci': [{ mappings: 2 }],
};

const rows: Row[] = [];
for (const c of Object.keys(SCALED)) {
  for (const variant of ['buggy', 'fixed'] as const) {
    rows.push({ case: c, variant, params: {}, scaled: false });
    for (const params of SCALED[c]!) rows.push({ case: c, variant, params, scaled: true });
  }
}
const only = process.argv[2];

type Verdict = 'ok' | 'deadlock' | 'violation' | 'leak';

interface SpinResult {
  verdict: Verdict;
  states: number;
  /** Whether pan explored the whole state space (it stops at the first error). */
  complete: boolean;
  ms: number;
}

function run(cmd: string, args: string[], cwd: string): { out: string; status: number | null } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return { out: `${r.stdout}${r.stderr}`, status: r.status };
}

function spinOnce(row: Row, dir: string): SpinResult {
  const defines = [...(row.variant === 'buggy' ? ['-DBUGGY'] : []), ...Object.entries(row.params).map(([k, v]) => `-D${MACRO[k]}=${v}`)];
  const t = performance.now();
  const a = run('spin', ['-a', ...defines, `${row.case}.pml`], dir);
  if (a.status !== 0) throw new Error(`spin -a ${row.case}.pml failed:\n${a.out}`);
  const g = run('gcc', [...GCC_FLAGS, '-o', 'pan', 'pan.c'], dir);
  if (g.status !== 0) throw new Error(`gcc failed for ${row.case}.pml:\n${g.out}`);
  const pan = run('./pan', PAN_FLAGS, dir);
  const ms = performance.now() - t;
  const out = pan.out;
  const errors = Number(/errors: (\d+)/.exec(out)?.[1] ?? NaN);
  if (Number.isNaN(errors)) throw new Error(`pan's output for ${row.case} has no error count:\n${out}`);
  let verdict: Verdict = 'ok';
  if (/pan:\d+: invalid end state/.test(out)) verdict = 'deadlock';
  else if (/pan:\d+: assertion violated nothing_leaked/.test(out)) verdict = 'leak';
  else if (/pan:\d+: assertion violated/.test(out)) verdict = 'violation';
  else if (errors > 0) throw new Error(`pan reports an error that is neither an end state nor an assertion:\n${out}`);
  const states = Number(/(\d+) states, stored/.exec(out)?.[1] ?? NaN);
  return { verdict, states, complete: errors === 0 && !/max search depth too small/.test(out), ms };
}

interface EngineResult {
  verdict: Verdict | 'incomplete';
  executions: number;
  ms: number;
}

function engineOnce(row: Row): EngineResult {
  const params = Object.entries(row.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
  const args = [cli, 'explore', row.case, '--variant', row.variant, ...params, ...ENGINE_BOUNDS, '--json'];
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1 && r.status !== 3) throw new Error(`interleave explore ${row.case} failed (${r.status}):\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as { verdict: Verdict; complete: boolean; stats: { executions: number } };
  return { verdict: report.complete || report.verdict !== 'ok' ? report.verdict : 'incomplete', executions: report.stats.executions, ms };
}

/** The median of up to RUNS runs; a run longer than REPEAT_UNDER_MS is not repeated. */
function timed<T extends { ms: number }>(once: () => T): T & { runs: number } {
  const results = [once()];
  while (results.length < RUNS && results[0]!.ms < REPEAT_UNDER_MS) results.push(once());
  const ms = median(results.map((r) => r.ms));
  return { ...results[results.length - 1]!, ms, runs: results.length };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const time = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`);
const size = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(', ') || 'default';

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const started = load();
console.log(`${run('spin', ['-V'], root).out.trim()}; Node ${process.version}; pan ${PAN_FLAGS.join(' ')}, gcc ${GCC_FLAGS.join(' ')}; median of ${RUNS} runs (one run when longer than ${REPEAT_UNDER_MS / 1000} s); engine time budget ${ENGINE_BUDGET_MS / 1000} s; load average at start ${started}\n`);
const lines = [
  '| case | variant | size | Spin: states | Spin: whole time | engine: executions | engine: CLI time | engine / Spin | verdicts | target |',
  '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
];
let disagreements = 0;
for (const row of rows) {
  if (only && row.case !== only) continue;
  const dir = mkdtempSync(join(tmpdir(), `spin-${row.case}-`));
  try {
    for (const f of readdirSync(models)) if (f.endsWith('.pml')) copyFileSync(join(models, f), join(dir, f));
    const s = timed(() => spinOnce(row, dir));
    const e = timed(() => engineOnce(row));
    // An engine run stopped by its time budget has no verdict to compare; the row says so.
    const agree = s.verdict === e.verdict || e.verdict === 'incomplete';
    if (!agree) disagreements++;
    const ratio = e.ms / s.ms;
    const bound = row.scaled ? 1 : 0.1;
    const target = `≤ ${bound}: ${ratio <= bound && e.verdict !== 'incomplete' ? 'met' : 'not met'}`;
    let verdicts = `${e.verdict} (both)`;
    if (e.verdict === 'incomplete') verdicts = `Spin ${s.verdict}; the engine stopped at its time budget`;
    else if (!agree) verdicts = `**DISAGREE**: Spin ${s.verdict}, engine ${e.verdict}`;
    const states = `${fmt(s.states)}${s.complete ? '' : ' (to the first error)'}`;
    const line = `| ${row.case} | ${row.variant} | ${size(row.params)} | ${states} | ${time(s.ms)} | ${fmt(e.executions)} | ${time(e.ms)}${e.runs === 1 ? ' (1 run)' : ''} | ${ratio.toFixed(2)} | ${verdicts} | ${target} |`;
    lines.push(line);
    console.error(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(lines.join('\n'));
console.log(`\nload average at the end ${load()}`);
if (disagreements > 0) {
  console.log(`DISAGREE: ${disagreements} row(s) where Spin's verdict and the engine's differ`);
  process.exit(1);
}
