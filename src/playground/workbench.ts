/**
 * The playground's workbench: the case widget's own views (src/widgets/view/*: threads with their
 * code and call stacks, tabs at narrow widths, the objects that decide it and every other object,
 * the swimlane history, the live wait-for graph, the history list, "Find a failure"), fed with the
 * plain data the sandbox's worker sends (protocol.ts `View`, its shape checked by shape.ts) instead
 * of a Session in the page. The page moves through the history by itself (every state is here);
 * every other action goes to the worker, and the workbench is drawn again from its reply.
 */
import type { Listing, Verdict } from '@interleave/engine';
import type { Frame } from '../widgets/run.ts';
import { AutorunView } from '../widgets/view/autorun.ts';
import { h } from '../widgets/view/dom.ts';
import { FocusView } from '../widgets/view/focus.ts';
import { HistoryView } from '../widgets/view/history.ts';
import { ObjectsView } from '../widgets/view/objects.ts';
import { SearchView } from '../widgets/view/search.ts';
import { StatusView } from '../widgets/view/status.ts';
import { SwimlaneView } from '../widgets/view/swimlane.ts';
import { ThreadsView } from '../widgets/view/threads.ts';
import { verdictBadge } from '../widgets/view/verdict.ts';
import { WaitForView } from '../widgets/view/waitfor.ts';
import { listingTemplate } from './listing.ts';
import type { ExploreResult, View } from './protocol.ts';

export interface WorkbenchActions {
  step(thread: string): void;
  run(thread: string): void;
  runToEnd(order: string[]): void;
  undo(): void;
  reset(): void;
  /** The step shown changed (the page shows it at once; the worker is told with the next action). */
  seeked(): void;
  find(): void;
  cancel(): void;
}

/** The pace of a replay, as in the case widget. */
const STEP_DELAY_MS = 650;

/** The reader's code as the threads' listing: each thread's column shows its body. */
function listingOf(v: View, code: string): Listing {
  return { text: code, labels: new Map(), functions: v.bodies };
}

export class Workbench {
  readonly element: HTMLElement;
  readonly search: SearchView;
  private readonly title = h('h3', { class: 'pg-title' });
  private readonly status = new StatusView();
  private readonly threads: ThreadsView;
  private readonly autorun: AutorunView;
  private readonly focus = new FocusView();
  private readonly objects = new ObjectsView();
  private readonly objectsPanel = h('section', { class: 'iw-objects-panel', attrs: { 'aria-label': 'The objects' } }, h('p', { class: 'iw-panel-title', text: 'The objects, by kind' }), this.objects.element);
  private readonly swimlane: SwimlaneView;
  private readonly waits = new WaitForView();
  private readonly history: HistoryView;
  private readonly schedule = h('code', { class: 'pg-schedule' });
  /** The highlighted listing of the code shown, where the thread columns take their lines from. */
  private readonly listing = h('div', { attrs: { hidden: '' } });
  private view: View | null = null;
  /** What the columns were made for: the code, and the scenario's threads and bodies in it. */
  private built = '';
  private replayTimer = 0;
  cursor = 0;

  constructor(actions: WorkbenchActions) {
    const seek = (i: number) => {
      this.stopReplay();
      this.seek(i);
      actions.seeked();
    };
    this.threads = new ThreadsView(this.listing, { step: (t) => actions.step(t), run: (t) => actions.run(t) });
    this.autorun = new AutorunView((order) => actions.runToEnd(order));
    this.history = new HistoryView({ undo: () => actions.undo(), reset: () => actions.reset(), seek });
    this.swimlane = new SwimlaneView({ seek });
    this.search = new SearchView({ find: () => actions.find(), cancel: () => actions.cancel() });
    this.element = h(
      'div',
      { class: 'iw iw-live pg-workbench' },
      this.title,
      this.status.element,
      h('div', { class: 'iw-bench' }, this.autorun.element, this.focus.element, this.threads.element),
      this.objectsPanel,
      h('div', { class: 'iw-pictures' }, this.swimlane.element, this.waits.element),
      this.history.element,
      this.search.element,
      h('p', { class: 'iw-keys' }, 'Keys, outside the editor: ', h('kbd', { text: '1' }), '–', h('kbd', { text: '9' }), ' step that thread, ', h('kbd', { text: 'U' }), ' undo. The steps shown, as a schedule: ', this.schedule),
      this.listing,
    );
  }

  /** A new view from the sandbox, for the code that was loaded. */
  show(v: View, code: string): void {
    this.stopReplay();
    this.view = v;
    this.cursor = v.cursor;
    const key = JSON.stringify([code, v.exportName, v.threads, v.bodies]);
    const fresh = key !== this.built;
    if (fresh) {
      this.built = key;
      this.title.textContent = v.title;
      this.listing.replaceChildren(listingTemplate(code));
      // The first state's threads name their body as the code their column shows.
      const named = new Set(v.bodies.map((b) => b.name));
      const first = v.frames[0]!;
      this.threads.build({ threads: v.threads, listing: listingOf(v, code) }, { ...first, threads: first.threads.map((t) => (named.has(t.name) ? { ...t, code: [t.name] } : t)) });
      this.autorun.build(v.threads);
    }
    this.render();
    // A scenario that names no focus objects: its objects are shown unfolded at first (the reader may fold them).
    if (fresh && v.focus.length === 0) for (const d of this.objects.element.querySelectorAll<HTMLDetailsElement>('details.iw-group')) d.open = true;
  }

  /**
   * Plays the steps shown from the start, one every STEP_DELAY_MS, as the case widget replays the
   * shortest failure (nothing moves when the reader prefers less motion: the end is shown).
   */
  replay(onStep: () => void): void {
    this.stopReplay();
    if (!this.view || this.cursor === 0 || window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
    const end = this.cursor;
    this.element.dataset.replaying = 'true';
    this.seek(0);
    onStep();
    const tick = () => {
      this.seek(this.cursor + 1);
      onStep();
      if (this.cursor < end) this.replayTimer = window.setTimeout(tick, STEP_DELAY_MS);
      else this.stopReplay();
    };
    this.replayTimer = window.setTimeout(tick, STEP_DELAY_MS / 2);
  }

  stopReplay(): void {
    window.clearTimeout(this.replayTimer);
    this.replayTimer = 0;
    delete this.element.dataset.replaying;
  }

  /** Forgets the scenario (a new one is being loaded). */
  clear(): void {
    this.stopReplay();
    this.view = null;
    this.built = '';
    this.search.finished();
  }

  get threadNames(): readonly string[] {
    return this.view?.threads ?? [];
  }

  /** The state shown. */
  get frame(): Frame | null {
    return this.view?.frames[this.cursor] ?? null;
  }

  /** The steps in the history (past the one shown too). */
  get length(): number {
    return (this.view?.frames.length ?? 1) - 1;
  }

  /** The schedule token of the steps up to the one shown. */
  get scheduleShown(): string {
    return this.view?.schedules[this.cursor] ?? '';
  }

  seek(index: number): void {
    if (!this.view) return;
    this.cursor = Math.max(0, Math.min(this.length, Math.trunc(index)));
    this.render();
  }

  /** On a narrow screen, shows this thread's tab. */
  showThread(thread: string): void {
    this.threads.show(thread);
  }

  private render(): void {
    const v = this.view;
    if (!v) return;
    const frames = v.frames;
    const cursor = this.cursor;
    const frame = frames[cursor]!;
    const steps = frames.map((f) => f.step);
    this.status.update(frame, cursor);
    this.threads.update(frame, frame.outcome !== null);
    this.focus.update(v.focus, frames.slice(0, cursor + 1));
    this.objects.update(frame.objects, cursor > 0 ? frames[cursor - 1]!.objects : null, new Set(v.focus));
    this.objectsPanel.hidden = this.objects.element.childElementCount === 0;
    this.history.update(steps, cursor);
    this.swimlane.update(steps, frames, cursor);
    this.waits.update(frame, frame.outcome);
    this.schedule.textContent = this.scheduleShown || '(no step)';
    this.element.dataset.verdict = frame.outcome?.verdict ?? 'running';
    requestAnimationFrame(() => this.threads.reveal());
  }
}

/** The search's outcome: the verdict, what it took, and lockdep's report. */
export function resultParts(r: ExploreResult): HTMLElement[] {
  const parts: HTMLElement[] = [
    h('p', { class: 'pg-verdict', attrs: { 'data-verdict': r.verdict } }, verdictBadge(r.verdict as Verdict), ` ${r.message}`),
    h(
      'p',
      { class: 'pg-stats' },
      `${r.executions.toLocaleString('en')} executions in ${r.ms} ms${r.complete ? ', every interleaving covered' : ''}${r.incomplete ? ` (${r.incomplete})` : ''}.`,
      r.schedule ? ` The shortest failure (${r.steps} steps, schedule ${r.schedule}) is replayed above: step back through it in the swimlane or the history.` : '',
    ),
  ];
  if (r.lockdep.length) {
    parts.push(h('details', { class: 'pg-lockdep' }, h('summary', { text: `Lockdep: ${r.lockdep.map((w) => w.title).join('; ')}` }), ...r.lockdep.map((w) => h('pre', { text: w.text, attrs: { tabindex: '0' } }))));
  }
  return parts;
}
