/**
 * Starts a search in a module Web Worker and reports its progress; `cancel` ends the worker at
 * once (the explorer is synchronous inside it, so ending the worker is the only way to stop it).
 * A worker started ahead (`warm`, once the widget is idle) has the case loaded when the reader asks,
 * and a worker whose search ended is kept for the next one.
 */
import type { SearchMessage, SearchRequest, SearchResult, WarmRequest } from './search-protocol.ts';
import { workerUrl } from './search-worker.ts';

/** Idle workers, by case id: warmed up, or done with a search of that case. */
const idle = new Map<string, Worker>();
/** Cases with a search running (no worker is warmed for them meanwhile: the running one is kept). */
const busy = new Set<string>();

function newWorker(caseId: string): Worker {
  return new Worker(workerUrl, { type: 'module', name: `search ${caseId}` });
}

/** Starts a worker for `caseId` and has it load the case, unless one is idle already. */
export async function warm(caseId: string): Promise<void> {
  if (idle.has(caseId) || busy.has(caseId)) return;
  const w = newWorker(caseId);
  idle.set(caseId, w);
  w.postMessage({ warm: caseId } satisfies WarmRequest);
}

export interface SearchHandle {
  result: Promise<SearchResult>;
  cancel(): void;
}

export class Cancelled extends Error {
  constructor() {
    super('the search was cancelled');
  }
}

export async function startSearch(req: SearchRequest, onProgress: (executions: number, ms: number) => void): Promise<SearchHandle> {
  busy.add(req.caseId);
  const worker = idle.get(req.caseId) ?? newWorker(req.caseId);
  idle.delete(req.caseId);
  let ok: (r: SearchResult) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const result = new Promise<SearchResult>((a, b) => {
    ok = a;
    fail = b;
  });
  let done = false;
  /** True the first time only: the promise settles once; the worker is kept for the next search (`keep`) or ends. */
  const finish = (keep = false) => {
    if (done) return false;
    done = true;
    busy.delete(req.caseId);
    worker.removeEventListener('message', onMessage);
    worker.removeEventListener('error', onError);
    if (keep && !idle.has(req.caseId)) idle.set(req.caseId, worker);
    else worker.terminate();
    return true;
  };
  const onMessage = (e: MessageEvent<SearchMessage>) => {
    const m = e.data;
    if (done) return;
    if (m.type === 'progress') onProgress(m.executions, m.ms);
    else if (m.type === 'done') {
      if (finish(true)) ok(m.result);
    } else if (finish()) fail(new Error(m.message));
  };
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    if (finish()) fail(new Error(e.message || 'the search worker failed to start'));
  };
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', onError);
  worker.postMessage(req);
  return {
    result,
    cancel: () => {
      if (finish()) fail(new Cancelled());
    },
  };
}
