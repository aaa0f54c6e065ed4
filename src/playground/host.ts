/**
 * The page's side of the sandbox: one `<iframe sandbox="allow-scripts">` (opaque origin, its own
 * CSP without connections, see public/playground/sandbox.html) whose worker runs the reader's code.
 * Requests go in one at a time; every reply is checked for its shape before the page uses it, since
 * the reader's code can post anything.
 */
import type { Envelope, Reply, Request } from './protocol.ts';

export interface Host {
  /** Sends a request; `onProgress` sees a search's progress. Resolves with the final reply. */
  send(req: Request, onProgress?: (executions: number, ms: number) => void): Promise<Reply>;
  /** Ends the request in flight (and the worker); its promise resolves with a 'stopped' reply. */
  cancel(): void;
}

const REPLIES = new Set(['view', 'progress', 'explored', 'fault', 'stopped']);

function isEnvelope(x: unknown): x is Envelope<Reply> {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Partial<Envelope<{ type?: unknown }>>;
  return typeof m.id === 'number' && typeof m.body === 'object' && m.body !== null && typeof m.body.type === 'string' && (REPLIES.has(m.body.type) || m.body.type === 'ready');
}

export function createHost(container: HTMLElement, sandboxUrl: string, runnerUrl: string): Host {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.title = 'Sandbox that runs your scenario (nothing to see)';
  frame.hidden = true;
  frame.src = sandboxUrl;
  let ready: () => void = () => {};
  const isReady = new Promise<void>((ok) => (ready = ok));
  let next = 1;
  let inFlight: { id: number; done: (r: Reply) => void; progress?: (executions: number, ms: number) => void } | null = null;
  const post = (id: number, body: unknown) => frame.contentWindow?.postMessage({ id, body }, '*');

  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow || e.origin !== 'null' || !isEnvelope(e.data)) return;
    const { id, body } = e.data as Envelope<Reply | { type: 'ready' }>;
    if (body.type === 'ready') {
      post(0, { type: 'runner', url: runnerUrl });
      ready();
      return;
    }
    if (!inFlight || id !== inFlight.id) return;
    if (body.type === 'progress') {
      inFlight.progress?.(Number(body.executions) || 0, Number(body.ms) || 0);
      return;
    }
    const f = inFlight;
    inFlight = null;
    f.done(body);
  });
  container.append(frame);

  return {
    async send(req, onProgress) {
      await isReady;
      if (inFlight) throw new Error('the sandbox is busy');
      const id = next++;
      return new Promise<Reply>((done) => {
        inFlight = { id, done, ...(onProgress ? { progress: onProgress } : {}) };
        post(id, req);
      });
    },
    cancel() {
      if (inFlight) post(inFlight.id, { type: 'cancel' });
    },
  };
}
