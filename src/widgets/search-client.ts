/**
 * Starts a search in a module Web Worker and reports its progress; `cancel` ends the worker at
 * once (the explorer is synchronous inside it, so ending the worker is the only way to stop it).
 */
import type { SearchMessage, SearchRequest, SearchResult } from './search-protocol.ts';

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
  const { workerUrl } = await import('./search-worker.ts');
  const worker = new Worker(workerUrl, { type: 'module', name: `search ${req.caseId}` });
  let ok: (r: SearchResult) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const result = new Promise<SearchResult>((a, b) => {
    ok = a;
    fail = b;
  });
  let done = false;
  /** True the first time only: the worker ends, and the promise settles once. */
  const finish = () => {
    if (done) return false;
    done = true;
    worker.terminate();
    return true;
  };
  worker.addEventListener('message', (e: MessageEvent<SearchMessage>) => {
    const m = e.data;
    if (done) return;
    if (m.type === 'progress') onProgress(m.executions, m.ms);
    else if (m.type === 'done') {
      if (finish()) ok(m.result);
    } else if (finish()) fail(new Error(m.message));
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    if (finish()) fail(new Error(e.message || 'the search worker failed to start'));
  });
  worker.postMessage(req);
  return {
    result,
    cancel: () => {
      if (finish()) fail(new Cancelled());
    },
  };
}
