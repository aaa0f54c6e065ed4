/**
 * The playground page's script: the editor, the templates, the permalink, and the workbench, with
 * the reader's code sent to the sandbox (host.ts) and never run here.
 */
import runnerUrl from './runner.ts?worker&url';
import { createEditor } from './editor.ts';
import { createHost } from './host.ts';
import { decodeLink, encodeLink, isPlayLink } from './permalink.ts';
import { renderResult, renderView } from './view.ts';
import { SEARCH_BOUNDS, type Reply, type Request, type ScenarioFault, type View } from './protocol.ts';

interface PageData {
  templates: { id: string; label: string; code: string }[];
  names: string[];
  sandbox: string;
}

const root = document.querySelector<HTMLElement>('#playground');
if (root) void main(root);

function $<T extends HTMLElement>(sel: string): T {
  const e = document.querySelector<T>(sel);
  if (!e) throw new Error(`playground: no ${sel}`);
  return e;
}

async function main(root: HTMLElement): Promise<void> {
  const data = JSON.parse(root.dataset.config ?? '{}') as PageData;
  const select = $<HTMLSelectElement>('#pg-template');
  const exportSelect = $<HTMLSelectElement>('#pg-export');
  const explore = $<HTMLButtonElement>('#pg-explore');
  const cancel = $<HTMLButtonElement>('#pg-cancel');
  const share = $<HTMLButtonElement>('#pg-share');
  const link = $<HTMLInputElement>('#pg-link');
  const status = $('#pg-status');
  const result = $('#pg-result');
  const bench = $('#pg-view');

  let view: View | null = null;
  let loadedCode: string | null = null;
  let pendingSteps: string | undefined;
  let busy = false;

  const say = (text: string, kind: 'info' | 'error' = 'info') => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  const editor = createEditor($('#pg-editor'), '', data.names, () => {
    editor.showFault(null);
    editor.markThreads([]);
    if (view && loadedCode !== null) root.dataset.stale = 'true';
  });

  const host = createHost(root, data.sandbox, runnerUrl);

  /** While a request is in flight; a search can be cancelled, and the focus moves to Cancel and back. */
  const setBusy = (b: boolean, search = false) => {
    busy = b;
    root.dataset.busy = String(b);
    explore.disabled = b;
    if (search || !b) cancel.hidden = !b;
    if (search && b) cancel.focus();
    if (!b && (document.activeElement === cancel || document.activeElement === document.body)) explore.focus();
  };

  const showFault = (fault: ScenarioFault) => {
    let f = fault;
    if (f.line === 0 && /^SyntaxError/.test(f.message)) {
      const at = editor.syntaxError();
      if (at) f = { ...f, ...at };
    }
    editor.showFault(f);
    say(`Error${f.line ? ` at line ${f.line}` : ''}: ${f.message}`, 'error');
  };

  const show = (v: View) => {
    view = v;
    delete root.dataset.stale;
    exportSelect.replaceChildren(...v.exports.map((n) => new Option(n === 'default' ? 'default export' : n, n, false, n === v.exportName)));
    exportSelect.closest('label')!.hidden = v.exports.length < 2;
    renderView(bench, v, { step: (t) => void act({ type: 'step', thread: t }), seek: (i) => void act({ type: 'seek', index: i }), undo: () => void act({ type: 'undo' }), reset: () => void act({ type: 'reset' }) });
    const byLine = new Map<number, { names: string[]; blocked: boolean }>();
    for (const t of v.frame.threads) {
      if (!t.line || t.status === 'done') continue;
      const e = byLine.get(t.line) ?? { names: [], blocked: false };
      e.names.push(t.name);
      e.blocked ||= t.status === 'waiting';
      byLine.set(t.line, e);
    }
    editor.markThreads([...byLine].map(([line, e]) => ({ line, label: e.names.join(', '), blocked: e.blocked })));
    if (v.fault) showFault(v.fault);
    else editor.showFault(null);
  };

  /** Sends a request; handles the replies every request can get. Returns the reply, or null after a fault. */
  const send = async (req: Request, onProgress?: (n: number, ms: number) => void): Promise<Reply | null> => {
    const reply = await host.send(req, onProgress);
    if (reply.type === 'fault') {
      showFault(reply.fault);
      return null;
    }
    if (reply.type === 'stopped') {
      loadedCode = null;
      say(reply.message, 'error');
      return null;
    }
    try {
      if (reply.type === 'view') show(reply.view);
      else if (reply.type === 'explored') {
        renderResult(result, reply.result);
        show(reply.view);
      }
    } catch {
      // Only the reader's code can send a reply of the wrong shape: say so, and keep the page.
      say('The sandbox answered with something this page cannot show.', 'error');
      return null;
    }
    return reply;
  };

  const act = async (req: Request) => {
    if (busy) return;
    if (root.dataset.stale || loadedCode === null) {
      say(loadedCode === null ? 'Nothing is running: press Explore to run the code again.' : 'The code has changed since it ran: press Explore to run it again.');
      return;
    }
    setBusy(true);
    try {
      const r = await send(req);
      if (r) say(view?.frame.outcome ? `${view.frame.outcome.verdict}: ${view.frame.outcome.message}` : `Step ${view?.cursor ?? 0} of ${view?.history.length ?? 0}.`);
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (busy) return;
    performance.mark('pg-explore-click');
    setBusy(true, true);
    result.replaceChildren();
    editor.showFault(null);
    try {
      const code = editor.code;
      say('Loading the scenario in the sandbox…');
      const loaded = await send({ type: 'load', code, ...(exportSelect.value ? { exportName: exportSelect.value } : {}) });
      if (!loaded) return;
      loadedCode = code;
      say('Exploring…');
      const started = performance.now();
      let first = true;
      const r = await send({ type: 'explore', ...SEARCH_BOUNDS }, (n) => {
        // The search has begun in the sandbox's worker (measured by bench/playground.ts).
        if (first) performance.mark('pg-explore-started');
        first = false;
        say(`Exploring… ${n.toLocaleString('en')} executions, ${Math.round(performance.now() - started)} ms`);
      });
      if (!r || r.type !== 'explored') return;
      if (!r.view.fault) say(`${r.result.verdict}: ${r.result.executions.toLocaleString('en')} execution${r.result.executions === 1 ? '' : 's'} explored${r.result.schedule ? `; the shortest failure (${r.result.steps} steps) is shown, step by step` : ''}.`);
      if (pendingSteps !== undefined) {
        const steps = pendingSteps;
        pendingSteps = undefined;
        const replayed = await send({ type: 'replay', schedule: steps });
        if (replayed) say(`Explored (${r.result.verdict}); the link's ${view?.history.length ?? 0} steps are shown.`);
      }
    } finally {
      setBusy(false);
    }
  };

  const load = (code: string) => {
    editor.code = code;
    view = null;
    loadedCode = null;
    exportSelect.replaceChildren();
    exportSelect.closest('label')!.hidden = true;
    result.replaceChildren();
    bench.replaceChildren();
    editor.showFault(null);
  };

  select.addEventListener('change', () => {
    const t = data.templates.find((x) => x.id === select.value);
    if (!t) return;
    load(t.code);
    pendingSteps = undefined;
    say(`Template “${t.label}” loaded: press Explore.`);
  });
  exportSelect.addEventListener('change', () => void run());
  explore.addEventListener('click', () => void run());
  cancel.addEventListener('click', () => host.cancel());
  share.addEventListener('click', async () => {
    const hash = await encodeLink({ code: editor.code, ...(view?.exportName && view.exportName !== 'default' ? { exportName: view.exportName } : {}), ...(view?.schedule && !root.dataset.stale ? { steps: view.schedule } : {}) });
    history.replaceState(null, '', hash);
    link.value = location.href;
    link.closest('p')!.hidden = false;
    link.select();
    say('The link below holds the code and the steps shown; copy it.');
  });
  document.addEventListener('keydown', (e) => {
    if (!view || e.altKey || e.ctrlKey || e.metaKey || (e.target as HTMLElement).closest('.cm-editor, input, select, textarea')) return;
    const n = Number(e.key);
    const thread = Number.isInteger(n) && n >= 1 ? view.threads[n - 1] : undefined;
    if (thread && !view.frame.why[thread]) {
      e.preventDefault();
      void act({ type: 'step', thread });
    }
  });

  const openHash = async () => {
    if (!isPlayLink(location.hash)) return false;
    const parsed = await decodeLink(location.hash);
    if (!parsed.ok) {
      say(`This link was not opened: ${parsed.reason}.`, 'error');
      return false;
    }
    load(parsed.link.code);
    pendingSteps = parsed.link.steps;
    if (parsed.link.exportName) exportSelect.replaceChildren(new Option(parsed.link.exportName, parsed.link.exportName, true, true));
    select.value = '';
    say('A shared scenario is in the editor. Nothing has run: read it, then press Explore to run it in the sandbox.');
    return true;
  };
  window.addEventListener('hashchange', () => void openHash());
  if (!(await openHash())) {
    const t = data.templates.find((x) => x.id === select.value) ?? data.templates[0]!;
    load(t.code);
    say('Pick a template or write your own scenario, then press Explore.');
  }
  root.dataset.ready = 'true';
}
