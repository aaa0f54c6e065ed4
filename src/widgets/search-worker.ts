/**
 * The search, off the page's thread. This module is a part of the widget's chunk (astro.config.mjs):
 * the widget imports it to learn the chunk's URL and starts that as a module Web Worker, so the
 * worker shares the engine and the case chunks the page has already loaded instead of bringing its
 * own copy. In the page it only exports its URL; in a worker it loads a case when asked to warm up,
 * and runs `explore` for each request, posting progress (about every 100 ms) and the report. A
 * scenario with a thread that runs forever is searched with the liveness check too (a starvation is
 * a loop such threads go round; without one there is no loop to find). The browser's copy of the
 * engine holds the liveness search as a chunk of its own, loaded before the first search that needs
 * it (src/lib/browser-engine.ts); in Node it is part of the engine.
 */
import { explore, type Scenario } from '@interleave/engine';
import * as livenessSearch from '../../engine/dist/core/liveness/search.js';
import { loadCase } from './case-loaders.ts';
import type { SearchMessage, SearchRequest, WarmRequest } from './search-protocol.ts';

export const workerUrl: string = import.meta.url;

interface WorkerScope {
  postMessage(message: SearchMessage): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<SearchRequest | WarmRequest>) => void): void;
}

/** Whether a thread of `s` runs its body again each time it returns (`forever`). */
export const hasForever = (s: Scenario): boolean => s.instantiate().threads.some((t) => t.options.forever === true);

async function run(scope: WorkerScope, req: SearchRequest): Promise<void> {
  try {
    const c = await loadCase(req.caseId);
    const s = c.build(req.params);
    const post = (executions: number, ms: number) => scope.postMessage({ type: 'progress', executions, ms });
    post(0, 0);
    const liveness = hasForever(s);
    if (liveness) await (livenessSearch as { loadLiveness?: () => Promise<void> }).loadLiveness?.();
    const r = explore(s, { maxExecutions: req.maxExecutions, timeBudgetMs: req.timeBudgetMs, liveness, onProgress: (st) => post(st.executions, st.ms) });
    scope.postMessage({
      type: 'done',
      result: {
        verdict: r.verdict,
        message: r.message,
        ...(r.counterexample ? { schedule: r.counterexample.schedule, steps: r.counterexample.steps.length } : {}),
        ...(r.counterexample?.loop ? { loop: r.counterexample.loop } : {}),
        complete: r.complete,
        ...(r.incomplete ? { incomplete: r.incomplete } : {}),
        stats: r.stats,
        options: r.options,
      },
    });
  } catch (e) {
    scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

const inWorker = typeof document === 'undefined' && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
if (inWorker) {
  const scope = globalThis as unknown as WorkerScope;
  scope.addEventListener('message', (e) => {
    if ('warm' in e.data) loadCase(e.data.warm).catch(() => undefined); // a search of it will say what failed
    else void run(scope, e.data);
  });
}
