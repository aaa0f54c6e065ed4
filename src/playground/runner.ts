/**
 * The worker inside the sandbox frame: it holds the reader's scenario and answers the page's
 * requests (load, step, run, run to the end, undo, reset, replay, explore) with the view to show:
 * every state of the execution stepped so far, as plain data the page's workbench draws. It is
 * built as one classic script (Vite's `?worker&url`), which the sandbox starts from a blob.
 */
import { encodeSchedule, explore } from '@interleave/engine';
import { Session } from '../widgets/session.ts';
import { evaluate, placeOf, describe } from './evaluate.ts';
import { api, bodyTexts, takeThrow, tracked } from './instrument.ts';
import { threadBodies } from './bodies.ts';
import { scenarioCase } from './scenario-case.ts';
import type { Envelope, ExploreResult, Reply, Request, ScenarioFault, View } from './protocol.ts';

let session: Session | null = null;
let exports: string[] = [];
let source = '';

const post = (id: number, body: Reply) => (self as unknown as Worker).postMessage(JSON.parse(JSON.stringify({ id, body })) as Envelope<Reply>);

function view(s: Session): View {
  const names = s.scenario.threads;
  const tids = s.run.choices.map((t) => names.indexOf(t));
  const fault = takeThrow();
  return {
    exports,
    exportName: s.variant,
    title: s.scenario.name,
    threads: [...names],
    focus: [...s.scenario.focus],
    bodies: threadBodies(source, names, bodyTexts()),
    frames: s.run.frames,
    schedules: s.run.frames.map((_, i) => encodeSchedule(tids.slice(0, i))),
    cursor: s.cursor,
    ...(fault ? { fault } : {}),
  };
}

function fault(e: unknown): ScenarioFault {
  return { line: placeOf(e)?.line ?? 0, message: describe(e) };
}

function handle(id: number, req: Request): void {
  if (req.type === 'load') {
    const r = evaluate(req.code, api);
    if (!r.ok) return post(id, { type: 'fault', fault: r.fault });
    exports = [...r.scenarios.keys()];
    source = req.code;
    const name = req.exportName && r.scenarios.has(req.exportName) ? req.exportName : exports.includes('default') ? 'default' : exports[0]!;
    session = tracked(() => new Session(scenarioCase(r.scenarios), name, {}));
    return post(id, { type: 'view', view: view(session) });
  }
  const s = session;
  if (!s) return post(id, { type: 'fault', fault: { line: 0, message: 'no scenario is loaded' } });
  if (req.type === 'explore') {
    const started = Date.now();
    post(id, { type: 'progress', executions: 0, ms: 0 });
    const r = explore(s.scenario, { maxExecutions: req.maxExecutions, timeBudgetMs: req.timeBudgetMs, onProgress: (st) => post(id, { type: 'progress', executions: st.executions, ms: st.ms }) });
    const result: ExploreResult = {
      verdict: r.verdict,
      message: r.message,
      complete: r.complete,
      executions: r.stats.executions,
      ms: Date.now() - started,
      lockdep: r.lockdep.warnings.map((w) => ({ title: w.title, text: w.text })),
      ...(r.counterexample ? { schedule: r.counterexample.schedule, steps: r.counterexample.steps.length } : {}),
      ...(r.incomplete ? { incomplete: r.incomplete.message } : {}),
    };
    if (r.counterexample) {
      // The shortest failure, replayed by hand, so the workbench shows it step by step.
      const misfit = tracked(() => s.load(s.decode(r.counterexample!.schedule)));
      if (misfit) result.message += ` (its replay stopped at step ${misfit.index + 1}: ${misfit.reason})`;
    }
    return post(id, { type: 'explored', result, view: view(s) });
  }
  tracked(() => {
    if ('at' in req) s.seek(req.at);
    if (req.type === 'step') s.step(req.thread);
    else if (req.type === 'run') s.runThread(req.thread);
    else if (req.type === 'runToEnd') s.runToEnd(req.order);
    else if (req.type === 'undo') s.undo();
    else if (req.type === 'reset') s.reset();
    else if (req.type === 'replay') {
      const misfit = s.load(s.decode(req.schedule));
      if (misfit) throw new Error(`the link's schedule does not fit this code: step ${misfit.index + 1} (${misfit.thread}): ${misfit.reason}`);
    }
  });
  post(id, { type: 'view', view: view(s) });
}

self.addEventListener('message', (e: MessageEvent<Envelope<Request>>) => {
  const { id, body } = e.data;
  try {
    handle(id, body);
  } catch (err) {
    post(id, { type: 'fault', fault: fault(err) });
  }
});
