/**
 * The reader-as-scheduler widget, mounted on an `<interleave-widget>` whose static form the site
 * rendered at build time (see src/components/CaseWidget.astro). It loads the case's code, then
 * shows one column per thread, every object's state, the history (as a list and as swimlanes), who
 * waits for whom, the search and the ladder of challenges, and keeps the URL hash as a permalink to
 * what the reader sees.
 */
import type { Loop, Step } from '@interleave/engine';
import type { WidgetCase } from './case-shape.ts';
import { loadCase } from './case-loaders.ts';
import { checkLink, formatHash, parseHash } from './permalink.ts';
import { Cancelled, startSearch, warm, type SearchHandle } from './search-client.ts';
import { SEARCH_BOUNDS, type SearchResult } from './search-protocol.ts';
import { Session, type Params } from './session.ts';
import { Announcer } from './view/announce.ts';
import { AutorunView } from './view/autorun.ts';
import type { Rung } from './ladder-shape.ts';
import { LadderView } from './view/challenge.ts';
import { ControlsView } from './view/controls.ts';
import { FocusView } from './view/focus.ts';
import { h, opText, plural } from './view/dom.ts';
import { HistoryView } from './view/history.ts';
import { ObjectsView } from './view/objects.ts';
import { SearchView } from './view/search.ts';
import { noteText, StatusView } from './view/status.ts';
import { SwimlaneView } from './view/swimlane.ts';
import { ThreadsView } from './view/threads.ts';
import { WaitForView } from './view/waitfor.ts';

const STEP_DELAY_MS = 650;

interface PendingSearch {
  cancelled: boolean;
  handle: SearchHandle | null;
  /** What to say when it ends cancelled. */
  reason: string;
}

export interface WidgetApi {
  /** Applies a permalink hash (or shows why it cannot), as the widget the hash is for. */
  applyHash(hash: string): void;
}

/** Build-time data of the static form: `data-*` attributes written by CaseWidget.astro. */
function readConfig(host: HTMLElement): { caseId: string; variant: string; params: Params; ladder: Rung[] } {
  const d = host.dataset;
  const params = JSON.parse(d.params ?? '{}') as Params;
  const ladder = JSON.parse(d.ladder ?? '[]') as Rung[];
  return { caseId: d.case ?? '', variant: d.variant ?? '', params, ladder };
}

export async function mount(host: HTMLElement): Promise<WidgetApi> {
  const config = readConfig(host);
  const c = await loadCase(config.caseId);
  return new Widget(host, c, config.variant || c.variants[0]!.id, config.params, config.ladder);
}

class Widget implements WidgetApi {
  readonly #host: HTMLElement;
  readonly #c: WidgetCase;
  #session: Session;
  readonly #controls: ControlsView;
  readonly #status = new StatusView();
  readonly #threads: ThreadsView;
  readonly #objects = new ObjectsView();
  readonly #focus = new FocusView();
  readonly #autorun: AutorunView;
  readonly #history: HistoryView;
  readonly #search: SearchView;
  readonly #swimlane: SwimlaneView;
  readonly #waits = new WaitForView();
  readonly #challenge: LadderView | null;
  readonly #announcer = new Announcer();
  readonly #notice: HTMLElement;
  readonly #permalink: HTMLAnchorElement;
  #pending: PendingSearch | null = null;
  #replayTimer = 0;
  /** The last search's starvation lasso (its steps, prefix then one turn of the loop), to tag in the history while the run follows it. */
  #lasso: { names: string[]; loop: Loop; config: string } | null = null;
  /** Whether the last change came from the reader's own steps (for the challenge). */
  #byHand = true;

  constructor(host: HTMLElement, c: WidgetCase, variant: string, params: Params, ladder: Rung[]) {
    this.#host = host;
    this.#c = c;
    this.#session = new Session(c, variant, params);
    this.#controls = new ControlsView(c, (v, p) => this.#configure(v, p));
    this.#threads = new ThreadsView(host, { step: (t) => this.#step(t), run: (t) => this.#runThread(t) });
    this.#autorun = new AutorunView((order) => this.#runToEnd(order));
    this.#history = new HistoryView({ undo: () => this.#undo(), reset: () => this.#reset(), seek: (i) => this.#seek(i) });
    this.#search = new SearchView({ find: () => void this.#find(), cancel: () => this.#cancelSearch() });
    this.#swimlane = new SwimlaneView({ seek: (i) => this.#seek(i) });
    this.#challenge = ladder.length ? new LadderView(c.id, ladder, (id) => this.#label(id), { switchTo: (r) => this.#switchTo(r), play: (r) => this.#playAnswer(r), find: () => void this.#find() }) : null;
    this.#notice = h('div', { class: 'iw-notice', attrs: { role: 'alert' } });
    this.#notice.hidden = true;
    this.#permalink = h('a', { class: 'iw-permalink', text: 'Link to this state' });
    const live = h(
      'div',
      { class: 'iw-live' },
      this.#notice,
      this.#controls.element,
      this.#challenge?.element,
      h('div', { class: 'iw-runbar' }, this.#status.element, this.#autorun.element),
      h('div', { class: 'iw-bench' }, this.#focus.element, this.#threads.element),
      h('section', { class: 'iw-objects-panel', attrs: { 'aria-label': 'Every other object' } }, h('p', { class: 'iw-panel-title', text: 'Every other object, by kind' }), this.#objects.element),
      h('div', { class: 'iw-pictures' }, h('div', { class: 'iw-lanes-column' }, this.#swimlane.element, this.#history.element), this.#waits.element),
      this.#search.element,
      h('p', { class: 'iw-keys' }, 'Keys, with the focus in the simulator: ', h('kbd', { text: '1' }), '–', h('kbd', { text: '9' }), ' step that thread, ', h('kbd', { text: 'U' }), ' undo. ', this.#permalink),
      this.#announcer.element,
    );
    host.addEventListener('keydown', (e) => this.#key(e));
    const staticForm = host.querySelector<HTMLElement>('.iw-static');
    if (staticForm) staticForm.hidden = true;
    host.append(live);
    host.dataset.state = 'live';
    this.#rebuild();
    // The search's worker loads the case while the reader reads, so "Find a failure" starts at once.
    const later = window.requestIdleCallback ?? ((f: () => void) => window.setTimeout(f, 200));
    later(() => void warm(c.id).catch(() => undefined));
  }

  // ---- actions -------------------------------------------------------------------------------

  #step(thread: string): void {
    this.#stopReplay();
    if (this.#cannotStep(thread)) return;
    const s = this.#session.step(thread);
    this.#byHand = true;
    this.#render();
    this.#announceStep(s);
    this.#savePermalink();
  }

  /** Says why `thread` cannot take a step, if it cannot. */
  #cannotStep(thread: string): boolean {
    const why = this.#session.whyNot(thread);
    if (why !== null) this.#announcer.say(`${thread} cannot take a step: ${why}.`);
    return why !== null;
  }

  /** Steps one thread until it blocks, finishes or cannot go on. */
  #runThread(thread: string): void {
    this.#stopReplay();
    if (this.#cannotStep(thread)) return;
    const steps = this.#session.runThread(thread);
    this.#byHand = true;
    this.#render();
    const last = steps.at(-1)!;
    const why = this.#session.whyNot(thread);
    let end = '';
    if (last.blocked) end = ` and blocks in ${opText(last)}${last.note ? `: ${noteText(last.note)}` : ''}`;
    else if (this.#session.frame.threads.find((x) => x.name === thread)?.status === 'done') end = ' and finishes';
    else if (why !== null && !this.#session.frame.outcome) end = `, then cannot go on: ${why}`;
    this.#announcer.say(`${thread} takes ${plural(steps.length, 'step')} (to step ${this.#session.cursor})${end}.${this.#endSentence()}`);
    this.#savePermalink();
  }

  /** Runs the execution to its end, the first thread of `order` that can run taking each step. */
  #runToEnd(order: string[]): void {
    this.#stopReplay();
    if (this.#session.frame.outcome) {
      this.#announcer.say(`Nothing to run: the execution has ended.${this.#endSentence()}`);
      return;
    }
    const steps = this.#session.runToEnd(order);
    this.#byHand = true;
    this.#render();
    const more = this.#session.frame.outcome ? '' : ` It stopped after ${plural(steps.length, 'step')}; press again to go on.`;
    this.#announcer.say(`Ran ${plural(steps.length, 'step')} in the order ${order.join(', ')}, to step ${this.#session.cursor}.${this.#endSentence()}${more}`);
    this.#savePermalink();
  }

  #undo(): void {
    this.#stopReplay();
    if (!this.#session.undo()) {
      this.#announcer.say('Nothing to undo: no step is shown.');
      return;
    }
    this.#render();
    this.#announcer.say(this.#session.cursor === 0 ? 'Undone: back at the start.' : `Undone: back after step ${this.#session.cursor}.`);
    this.#savePermalink();
  }

  #reset(): void {
    this.#stopReplay();
    if (this.#session.length === 0) {
      this.#announcer.say('Nothing to reset: no step has been taken.');
      return;
    }
    this.#session.reset();
    this.#render();
    this.#announcer.say('Reset: back at the start, with no step taken.');
    this.#savePermalink();
  }

  #seek(index: number): void {
    this.#stopReplay();
    this.#session.seek(index);
    this.#render();
    const s = this.#session.frame.step;
    this.#announcer.say(s ? `Showing step ${this.#session.cursor} of ${this.#session.length}: ${s.thread} ${opText(s)}.${this.#endSentence()}` : `Showing the start, before step 1.`);
    this.#savePermalink();
  }

  /** A variant's label, as the variant switch shows it. */
  #label(variant: string): string {
    return this.#c.variants.find((v) => v.id === variant)?.label ?? variant;
  }

  #configure(variant: string, params: Params): void {
    this.#stopReplay();
    this.#cancelSearch('Search cancelled: the variant or a parameter changed.');
    const r = this.#session.configure(variant, params);
    this.#rebuild();
    let text = `Now ${this.#label(variant)}${Object.keys(params).length ? ` with ${Object.entries(params).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}.`;
    if (r.total > 0) text += ` Kept ${r.kept} of ${plural(r.total, 'step')}.`;
    if (r.misfit) text += ` Step ${r.misfit.index + 1} (${r.misfit.thread}) no longer fits: ${r.misfit.reason}.`;
    this.#announcer.say(text + this.#endSentence());
    this.#hideNotice();
    this.#savePermalink();
  }

  async #find(): Promise<void> {
    if (this.#pending) return;
    this.#stopReplay();
    this.#search.running();
    const variant = this.#session.variant;
    const params = { ...this.#session.params };
    const job: PendingSearch = { cancelled: false, handle: null, reason: 'Search cancelled.' };
    this.#pending = job;
    this.#announcer.say('Searching every order of the steps…');
    const progress = (executions: number, ms: number) => {
      this.#search.update(executions, ms, Math.max(executions / SEARCH_BOUNDS.maxExecutions, ms / SEARCH_BOUNDS.timeBudgetMs));
    };
    let result: SearchResult;
    try {
      job.handle = await startSearch({ caseId: this.#c.id, params: { ...params, variant }, ...SEARCH_BOUNDS }, progress);
      if (job.cancelled) job.handle.cancel();
      result = await job.handle.result;
    } catch (e) {
      this.#pending = null;
      const cancelled = e instanceof Cancelled;
      this.#search.finished(cancelled ? job.reason : `The search failed: ${e instanceof Error ? e.message : String(e)}`);
      if (cancelled) this.#announcer.say(job.reason);
      return;
    }
    this.#pending = null;
    this.#showResult(result, variant);
    this.#challenge?.searched(variant, params, result.verdict, result.complete);
  }

  #showResult(r: SearchResult, variant: string): void {
    const label = this.#label(variant);
    const took = `${plural(r.stats.executions, 'execution')} in ${(r.stats.ms / 1000).toFixed(2)} s`;
    if (r.schedule !== undefined) {
      // A starvation's lasso, prefix(loop), is replayed as the prefix and the loop once.
      const names = this.#session.decode(r.schedule.replace(/[()]/g, ''));
      this.#lasso = r.loop ? { names, loop: r.loop, config: JSON.stringify([variant, this.#session.params]) } : null;
      const what = r.loop
        ? `A lasso of ${plural(names.length, 'step')}: first ${names.slice(0, r.loop.start).join(', ') || 'nothing'}, then the loop ${names.slice(r.loop.start).join(', ')} (steps ${r.loop.start + 1}–${r.loop.start + r.loop.length}), which comes back to where it began and repeats forever while ${r.loop.thread} waits.`
        : `The shortest takes ${plural(names.length, 'step')}: ${names.join(', ')}.`;
      this.#search.finished(h('p', { attrs: { 'data-verdict': r.verdict } }, h('strong', { text: `Found a ${r.verdict}` }), ` (${took}). ${what}`));
      this.#announcer.say(`Found a ${r.verdict}. Replaying its ${plural(names.length, 'step')}${r.loop ? ': the prefix, then one turn of the loop' : ''}.`);
      this.#replay(names, () => {
        const loop = r.loop;
        this.#search.note(loop ? `Replayed the prefix and one turn of the loop (marked in the history): ${loop.thread} still waits, and the loop can go round again.` : `Replayed: the execution ends in ${this.#session.frame.outcome?.verdict ?? 'no verdict'}.`);
      });
      return;
    }
    const bounds = `each execution cut at ${plural(r.options.maxSteps, 'step')}, the search at ${plural(r.options.maxExecutions, 'execution')} or ${(r.options.timeBudgetMs / 1000).toFixed(0)} s`;
    const text = r.complete
      ? `No failure in the ${label} variant: ${took} cover every interleaving, up to reordering of independent steps (bounds: ${bounds}; none was reached).`
      : `No failure found in the ${label} variant, but the search is incomplete: ${took}; ${r.incomplete?.message ?? 'a bound was reached'} (bounds: ${bounds}).`;
    this.#search.finished(h('p', { attrs: { 'data-verdict': r.verdict } }, h('strong', { text: r.complete ? 'No failure. ' : 'Incomplete. ' }), text));
    this.#announcer.say(text);
  }

  /** Stops a search; it ends (and says `reason`) as soon as its worker is gone. */
  #cancelSearch(reason = 'Search cancelled.'): void {
    const job = this.#pending;
    if (!job || job.cancelled) return;
    job.cancelled = true;
    job.reason = reason;
    job.handle?.cancel();
  }

  /** A challenge's variant and parameters, from the start. */
  #switchTo(r: Rung): void {
    this.#configure(r.variant, r.params);
    if (this.#session.length > 0) this.#reset();
  }

  #playAnswer(ch: Rung): void {
    this.#cancelSearch('Search cancelled.');
    if (this.#session.variant !== ch.variant || JSON.stringify(this.#session.params) !== JSON.stringify(ch.params)) {
      this.#session.configure(ch.variant, ch.params);
      this.#rebuild();
    }
    this.#announcer.say(`Playing the answer: ${ch.answer.join(', ')}.`);
    this.#replay(ch.answer, () => undefined);
  }

  /** Plays steps from the start, one every STEP_DELAY_MS (all at once when the reader prefers less motion). */
  #replay(names: string[], done: () => void): void {
    this.#stopReplay();
    this.#session.reset();
    this.#byHand = false;
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (reduced) {
      const misfit = this.#session.load(names);
      this.#render();
      this.#announcer.say(misfit ? `The replay stopped at step ${misfit.index + 1}: ${misfit.reason}.` : `Replayed ${plural(names.length, 'step')}.${this.#endSentence()}`);
      this.#savePermalink();
      done();
      return;
    }
    this.#render();
    this.#host.dataset.replaying = 'true';
    let i = 0;
    const tick = () => {
      if (i >= names.length) {
        this.#stopReplay();
        done();
        return;
      }
      const name = names[i++]!;
      if (this.#session.whyNot(name) !== null) {
        this.#stopReplay();
        this.#announcer.say(`The replay stopped at step ${i}: ${this.#session.whyNot(name)}.`);
        return;
      }
      const s = this.#session.step(name);
      this.#byHand = false;
      this.#render();
      this.#announceStep(s);
      this.#savePermalink();
      this.#replayTimer = window.setTimeout(tick, STEP_DELAY_MS);
    };
    this.#replayTimer = window.setTimeout(tick, STEP_DELAY_MS / 2);
  }

  #stopReplay(): void {
    if (this.#replayTimer) window.clearTimeout(this.#replayTimer);
    this.#replayTimer = 0;
    delete this.#host.dataset.replaying;
  }

  #key(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    const target = e.target as HTMLElement;
    // Keys that type or choose something keep their meaning; on a button, a radio or the slider, digits are ours.
    if (target.closest('input:not([type="radio"], [type="checkbox"], [type="range"]), select, textarea, [contenteditable="true"]')) return;
    if (/^[1-9]$/.test(e.key)) {
      const thread = this.#session.scenario.threads[Number(e.key) - 1];
      if (!thread) return;
      e.preventDefault();
      this.#threads.show(thread);
      this.#step(thread);
    } else if (e.key === 'u' || e.key === 'U') {
      e.preventDefault();
      this.#undo();
    }
  }

  // ---- permalinks ----------------------------------------------------------------------------

  applyHash(hash: string): void {
    const parsed = parseHash(hash);
    if (parsed === null) return;
    if (!parsed.ok) return this.#refuse(parsed.reason);
    if (parsed.link.caseId !== this.#c.id) return this.#refuse('it is for a case that is not on this page');
    const checked = checkLink(parsed.link, this.#c);
    if (!checked.ok) return this.#refuse(checked.reason);
    let next: Session;
    try {
      next = new Session(this.#c, checked.variant, checked.params);
    } catch {
      return this.#refuse('its settings do not make a scenario');
    }
    let names: string[];
    try {
      names = next.decode(checked.steps);
    } catch {
      return this.#refuse('its steps name a thread this variant does not have');
    }
    const misfit = next.load(names);
    if (misfit) return this.#refuse(`its step ${misfit.index + 1} picks ${misfit.thread}, which cannot run then`);
    this.#stopReplay();
    this.#cancelSearch('Search cancelled.');
    this.#session = next;
    this.#byHand = false;
    this.#hideNotice();
    this.#rebuild();
    this.#announcer.say(`Opened a link: ${this.#session.variant}, after ${plural(this.#session.cursor, 'step')}.${this.#endSentence()}`);
  }

  /** Shows why a permalink was ignored. The reason is our own text; nothing of the hash is shown. */
  #refuse(reason: string): void {
    this.#showNotice(`The link to a simulator state in this page's address was not applied: ${reason}. The simulator starts from the beginning instead.`);
  }

  #hideNotice(): void {
    this.#notice.hidden = true;
  }

  #showNotice(text: string): void {
    this.#notice.replaceChildren(h('p', { text }));
    const close = h('button', { class: 'iw-button', text: 'Dismiss', attrs: { type: 'button' } });
    close.addEventListener('click', () => {
      this.#notice.hidden = true;
      this.#threads.button(this.#session.scenario.threads[0]!)?.focus();
    });
    this.#notice.append(close);
    this.#notice.hidden = false;
  }

  #savePermalink(): void {
    const hash = this.#hash();
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }

  #hash(): string {
    return formatHash(this.#c.id, this.#session.variant, this.#session.params, this.#session.schedule());
  }

  // ---- rendering -----------------------------------------------------------------------------

  /** After the scenario changed: new thread columns, then everything else. */
  #rebuild(): void {
    const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('.iw-step')?.dataset.thread;
    this.#controls.update(this.#session.variant, this.#session.params);
    this.#threads.build(this.#session.scenario, this.#session.run.frames[0]!);
    this.#autorun.build(this.#session.scenario.threads);
    this.#render();
    if (focused) this.#threads.button(focused)?.focus();
  }

  #render(): void {
    const s = this.#session;
    const frame = s.frame;
    this.#status.update(frame, s.cursor);
    this.#threads.update(frame, frame.outcome !== null);
    const focus = s.scenario.focus;
    this.#focus.update(focus, s.run.frames.slice(0, s.cursor + 1));
    this.#objects.update(frame.objects, s.cursor > 0 ? s.run.frames[s.cursor - 1]!.objects : null, new Set(focus));
    const lasso = this.#lasso;
    const onLasso = lasso !== null && lasso.config === JSON.stringify([s.variant, s.params]) && lasso.names.every((n, i) => s.run.choices[i] === n);
    this.#history.update(s.run.frames.map((f) => f.step), s.cursor, onLasso ? lasso.loop : null);
    this.#permalink.href = this.#hash();
    this.#host.dataset.verdict = frame.outcome?.verdict ?? 'running';
    this.#host.dataset.schedule = s.schedule();
    this.#host.dataset.variant = s.variant;
    this.#swimlane.update(s.run.frames.map((f) => f.step), s.run.frames, s.cursor);
    this.#waits.update(frame, frame.outcome);
    this.#challenge?.update({ variant: s.variant, params: s.params, verdict: frame.outcome?.verdict, choices: s.run.choices.slice(0, s.cursor), byHand: this.#byHand && s.cursor === s.length });
    requestAnimationFrame(() => this.#threads.reveal());
  }

  #announceStep(s: Step): void {
    const blocked = s.blocked ? ' and blocks' : '';
    this.#announcer.say(`Step ${this.#session.cursor}: ${s.thread} ${opText(s)}${blocked}${s.note ? `: ${noteText(s.note)}` : ''}.${this.#endSentence()}`);
  }

  #endSentence(): string {
    const o = this.#session.frame.outcome;
    return o ? ` ${o.message}` : '';
  }
}
