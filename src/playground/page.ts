/**
 * The playground page's script: the editor, the templates, the permalink, and the workbench, with
 * the reader's code sent to the sandbox (host.ts) and never run here.
 */
import runnerUrl from './runner.ts?worker&url';
import { createEditor } from './editor.ts';
import { createHost } from './host.ts';
import { decodeLink, encodeLink, isPlayLink } from './permalink.ts';
import { SEARCH_BOUNDS, type Reply, type Request, type ScenarioFault, type View } from './protocol.ts';
import { isResult, isView } from './shape.ts';
import { resultParts, Workbench } from './workbench.ts';
import { opText } from '../widgets/view/dom.ts';

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
  const bench = $('#pg-view');

  let view: View | null = null;
  /** The code the sandbox ran last (null when nothing runs), and the code of the view shown. */
  let loadedCode: string | null = null;
  let shownCode = '';
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
  const wb = new Workbench({
    step: (thread) => void act({ type: 'step', thread, at: wb.cursor }),
    run: (thread) => void act({ type: 'run', thread, at: wb.cursor }),
    runToEnd: (order) => void act({ type: 'runToEnd', order, at: wb.cursor }),
    undo: () => void act({ type: 'undo', at: wb.cursor }),
    reset: () => void act({ type: 'reset' }),
    seeked: () => {
      markThreads();
      const s = wb.frame?.step;
      say(s ? `Showing step ${wb.cursor} of ${wb.length}: ${s.thread} ${opText(s)}.${endSentence()}` : 'Showing the start, before step 1.');
    },
    find: () => void run(),
    cancel: () => host.cancel(),
  });

  const endSentence = () => {
    const o = wb.frame?.outcome;
    return o ? ` ${o.verdict}: ${o.message}` : '';
  };

  /** The lines of the reader's code where the threads are, in the state shown, marked in the editor. */
  const markThreads = () => {
    const byLine = new Map<number, { names: string[]; blocked: boolean }>();
    for (const t of wb.frame?.threads ?? []) {
      if (!t.line || t.status === 'done') continue;
      const e = byLine.get(t.line) ?? { names: [], blocked: false };
      e.names.push(t.name);
      e.blocked ||= t.status === 'waiting';
      byLine.set(t.line, e);
    }
    editor.markThreads([...byLine].map(([line, e]) => ({ line, label: e.names.join(', '), blocked: e.blocked })));
  };

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
    wb.show(v, shownCode);
    if (!bench.contains(wb.element)) bench.replaceChildren(wb.element);
    markThreads();
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
      if ((reply.type === 'view' || reply.type === 'explored') && !isView(reply.view)) throw new Error('not a view');
      if (reply.type === 'view') show(reply.view);
      else if (reply.type === 'explored') {
        if (!isResult(reply.result)) throw new Error('not a result');
        show(reply.view);
        wb.search.finished(...resultParts(reply.result));
      }
    } catch {
      // Only the reader's code can send a reply of the wrong shape: say so, and keep the page.
      say('The sandbox answered with something this page cannot show.', 'error');
      return null;
    }
    return reply;
  };

  const act = async (req: Request) => {
    wb.stopReplay();
    if (busy) return;
    if (root.dataset.stale || loadedCode === null) {
      say(loadedCode === null ? 'Nothing is running: press Explore to run the code again.' : 'The code has changed since it ran: press Explore to run it again.');
      return;
    }
    setBusy(true);
    try {
      const r = await send(req);
      if (r) say(wb.frame?.outcome ? `${wb.frame.outcome.verdict}: ${wb.frame.outcome.message}` : `Step ${wb.cursor} of ${wb.length}.`);
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (busy) return;
    performance.mark('pg-explore-click');
    setBusy(true, true);
    editor.showFault(null);
    try {
      const code = editor.code;
      shownCode = code;
      say('Loading the scenario in the sandbox…');
      const loaded = await send({ type: 'load', code, ...(exportSelect.value ? { exportName: exportSelect.value } : {}) });
      if (!loaded) return;
      loadedCode = code;
      say('Exploring…');
      wb.search.running();
      const started = performance.now();
      let first = true;
      const r = await send({ type: 'explore', ...SEARCH_BOUNDS }, (n, ms) => {
        // The search has begun in the sandbox's worker (measured by bench/playground.ts).
        if (first) performance.mark('pg-explore-started');
        first = false;
        say(`Exploring… ${n.toLocaleString('en')} executions, ${Math.round(performance.now() - started)} ms`);
        wb.search.update(n, ms, Math.max(n / SEARCH_BOUNDS.maxExecutions, ms / SEARCH_BOUNDS.timeBudgetMs));
      });
      if (!r || r.type !== 'explored') {
        if (wb.search.busy) wb.search.finished(status.textContent ?? '');
        return;
      }
      if (!r.view.fault) say(`${r.result.verdict}: ${r.result.executions.toLocaleString('en')} execution${r.result.executions === 1 ? '' : 's'} explored${r.result.schedule ? `; the shortest failure (${r.result.steps} steps) is shown, step by step` : ''}.`);
      if (r.result.schedule && pendingSteps === undefined) wb.replay(markThreads);
      if (pendingSteps !== undefined) {
        const steps = pendingSteps;
        pendingSteps = undefined;
        const replayed = await send({ type: 'replay', schedule: steps });
        if (replayed) say(`Explored (${r.result.verdict}); the link's ${wb.length} steps are shown.`);
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
    wb.clear();
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
    const hash = await encodeLink({ code: editor.code, ...(view?.exportName && view.exportName !== 'default' ? { exportName: view.exportName } : {}), ...(wb.scheduleShown && !root.dataset.stale ? { steps: wb.scheduleShown } : {}) });
    history.replaceState(null, '', hash);
    link.value = location.href;
    link.closest('p')!.hidden = false;
    link.select();
    say('The link below holds the code and the steps shown; copy it.');
  });
  document.addEventListener('keydown', (e) => {
    if (!view || e.altKey || e.ctrlKey || e.metaKey || (e.target as HTMLElement).closest('.cm-editor, input, select, textarea')) return;
    if (e.key === 'u' || e.key === 'U') {
      e.preventDefault();
      void act({ type: 'undo', at: wb.cursor });
      return;
    }
    const thread = /^[1-9]$/.test(e.key) ? wb.threadNames[Number(e.key) - 1] : undefined;
    if (thread && !wb.frame?.why[thread]) {
      e.preventDefault();
      wb.showThread(thread);
      void act({ type: 'step', thread, at: wb.cursor });
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
