/**
 * The ladder of challenges (computed at build time, src/lib/ladder.ts): make it fail, make it fail
 * in par, try to break the fix and let the explorer show that no order can, and find the failure
 * each part of the fix keeps out. Three hints per rung: a nudge, the next step (worked out from the
 * reader's own steps against the engine's shortest failure), and the answer, which can be played.
 * Progress is kept in localStorage, when the browser allows it.
 */
import type { Rung } from '../ladder-shape.ts';
import { h, plural } from './dom.ts';

export interface LadderState {
  variant: string;
  params: Record<string, string | number>;
  /** The verdict of the state shown (undefined while running). */
  verdict: string | undefined;
  /** The threads of the steps up to the one shown. */
  choices: readonly string[];
  /** Whether the state shown is the end of the reader's own steps (not a replay, nor an earlier point). */
  byHand: boolean;
}

export interface LadderActions {
  /** Switches to the rung's variant and parameters. */
  switchTo(r: Rung): void;
  play(r: Rung): void;
  find(): void;
}

const failed = (v: string | undefined) => v !== undefined && v !== 'ok' && v !== 'incomplete' && v !== 'running';
const sameParams = (a: Record<string, unknown>, b: Record<string, unknown>) => [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => String(a[k]) === String(b[k]));

function titleOf(r: Rung): string {
  if (r.id === 'fail') return 'Make it fail';
  if (r.id === 'par') return `Fail in ${r.par}`;
  if (r.id === 'hold') return 'Break the fix';
  return `Without ${r.id.replace(/^part-/, '')}`;
}

/** Progress, by rung id; nothing is kept (and nothing thrown) where storage is unavailable. */
class Progress {
  readonly #key: string;
  readonly done: Set<string>;

  constructor(caseId: string) {
    this.#key = `interleave:ladder:${caseId}`;
    let saved: unknown = [];
    try {
      saved = JSON.parse(window.localStorage.getItem(this.#key) ?? '[]');
    } catch {
      saved = [];
    }
    this.done = new Set(Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : []);
  }

  add(id: string): boolean {
    if (this.done.has(id)) return false;
    this.done.add(id);
    try {
      window.localStorage.setItem(this.#key, JSON.stringify([...this.done]));
    } catch {
      // Private mode or storage off: the progress lasts as long as the page.
    }
    return true;
  }
}

export class LadderView {
  readonly element: HTMLElement;
  readonly #rungs: Rung[];
  readonly #label: (variant: string) => string;
  readonly #actions: LadderActions;
  readonly #progress: Progress;
  readonly #count: HTMLElement;
  readonly #list: HTMLOListElement;
  readonly #body: HTMLElement;
  #selected: Rung;
  #state: LadderState | null = null;
  /** On the fixed code: whether the reader stepped it to a good end, and whether the explorer covered every order. */
  #held = { byHand: false, searched: false };
  #nextText: HTMLElement | null = null;
  #success: HTMLElement | null = null;
  #onward: HTMLButtonElement | null = null;

  constructor(caseId: string, rungs: Rung[], label: (variant: string) => string, actions: LadderActions) {
    this.#rungs = rungs;
    this.#label = label;
    this.#actions = actions;
    this.#progress = new Progress(caseId);
    this.#selected = rungs.find((r) => !this.#progress.done.has(r.id)) ?? rungs[0]!;
    this.#count = h('span', { class: 'iw-ladder-count' });
    this.#list = h('ol', { class: 'iw-rungs' });
    this.#body = h('div', { class: 'iw-rung' });
    this.element = h('section', { class: 'iw-challenge', attrs: { 'aria-label': 'Challenges' } }, h('p', { class: 'iw-ladder-head' }, h('strong', { text: 'Challenges' }), ' ', this.#count), this.#list, this.#body);
    this.#renderList();
    this.#renderBody();
  }

  /** After every change of the state shown. */
  update(st: LadderState): void {
    this.#state = st;
    for (const r of this.#rungs) if (this.#meets(r, st)) this.#progress.add(r.id);
    this.#renderList();
    this.#refresh();
  }

  /** After a search ended: on the fixed code, a complete search without a failure is the second half of its rung. */
  searched(variant: string, params: Record<string, string | number>, verdict: string, complete: boolean): void {
    const hold = this.#rungs.find((r) => r.id === 'hold');
    if (!hold || variant !== hold.variant || !sameParams(params, hold.params)) return;
    if (verdict === 'ok' && complete) this.#held.searched = true;
    if (this.#held.byHand && this.#held.searched) this.#progress.add(hold.id);
    this.#renderList();
    this.#refresh();
  }

  #meets(r: Rung, st: LadderState): boolean {
    const here = st.byHand && st.variant === r.variant && sameParams(st.params, r.params);
    if (r.id === 'hold') {
      if (here && st.verdict === 'ok') this.#held.byHand = true;
      return this.#held.byHand && this.#held.searched;
    }
    return here && failed(st.verdict) && (r.par === undefined || st.choices.length <= r.par);
  }

  #renderList(): void {
    // A rung button with the focus keeps it (a digit key pressed there steps a thread, and renders the list again).
    const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>('.iw-rung-button')?.dataset.rung;
    const done = this.#rungs.filter((r) => this.#progress.done.has(r.id)).length;
    this.#count.textContent = `${done} of ${this.#rungs.length} done`;
    this.#list.replaceChildren(
      ...this.#rungs.map((r, i) => {
        const isDone = this.#progress.done.has(r.id);
        const b = h('button', { class: 'iw-rung-button', attrs: { type: 'button', 'data-rung': r.id, 'aria-pressed': String(r === this.#selected) } }, `${i + 1}. ${titleOf(r)}`, isDone ? h('span', { class: 'iw-rung-done', text: ' ✓', attrs: { 'aria-hidden': 'true' } }) : null, isDone ? h('span', { class: 'visually-hidden', text: ' (done)' }) : null);
        b.addEventListener('click', () => this.#select(r));
        return h('li', {}, b);
      }),
    );
    if (focused) this.#list.querySelector<HTMLElement>(`[data-rung="${focused}"]`)?.focus();
  }

  #select(r: Rung): void {
    this.#selected = r;
    this.#renderList();
    this.#renderBody();
    this.#list.querySelector<HTMLElement>(`[data-rung="${r.id}"]`)?.focus();
  }

  /** The first rung after the one selected (then from the top) not yet done. */
  #nextRung(): Rung | undefined {
    const i = this.#rungs.indexOf(this.#selected);
    return [...this.#rungs.slice(i + 1), ...this.#rungs.slice(0, i)].find((r) => !this.#progress.done.has(r.id));
  }

  #renderBody(): void {
    const r = this.#selected;
    const hintButton = h('button', { class: 'iw-button', text: 'Show a hint', attrs: { type: 'button', 'aria-expanded': 'false' } });
    const nextButton = h('button', { class: 'iw-button', text: 'Show the next step', attrs: { type: 'button', 'aria-expanded': 'false' } });
    const answerButton = h('button', { class: 'iw-button', text: 'Show the answer', attrs: { type: 'button', 'aria-expanded': 'false' } });
    const hint = h('p', { class: 'iw-challenge-hint', text: `Hint: ${r.nudge}`, attrs: { tabindex: '-1' } });
    this.#nextText = h('p', { class: 'iw-challenge-next', attrs: { tabindex: '-1' } });
    const answer = h('div', { class: 'iw-challenge-answer', attrs: { tabindex: '-1' } });
    if (r.id === 'hold') {
      const find = h('button', { class: 'iw-button', text: 'Find a failure', attrs: { type: 'button' } });
      find.addEventListener('click', () => this.#actions.find());
      answer.append(h('p', { text: `No order breaks it: when this page was built, the explorer ran ${plural(r.executions ?? 0, 'distinct order')} of the ${this.#label(r.variant)} code, and every one ends well. Let it show you:` }), find);
    } else {
      const play = h('button', { class: 'iw-button', text: 'Play the answer', attrs: { type: 'button' } });
      play.addEventListener('click', () => this.#actions.play(r));
      answer.append(h('p', {}, `The shortest way takes ${plural(r.answer.length, 'step')}: `, h('strong', { text: r.answer.join(', ') }), '.'), play);
    }
    const reveal = (button: HTMLButtonElement, what: HTMLElement, then?: () => void) =>
      button.addEventListener('click', () => {
        what.hidden = false;
        button.setAttribute('aria-expanded', 'true');
        then?.();
        this.#refresh();
        what.focus();
      });
    reveal(hintButton, hint, () => {
      nextButton.hidden = false;
      answerButton.hidden = false;
    });
    reveal(nextButton, this.#nextText);
    reveal(answerButton, answer);
    for (const x of [hint, this.#nextText, answer, nextButton, answerButton]) x.hidden = true;
    const switchButton = h('button', { class: 'iw-button', text: `Switch to ${this.#label(r.variant)}`, attrs: { type: 'button', 'data-switch': '' } });
    switchButton.addEventListener('click', () => this.#actions.switchTo(r));
    this.#success = h('p', { class: 'iw-challenge-success', attrs: { role: 'status' } });
    this.#onward = h('button', { class: 'iw-button', attrs: { type: 'button', 'data-onward': '' } });
    this.#onward.hidden = true;
    this.#onward.addEventListener('click', () => {
      const to = this.#nextRung();
      if (to) this.#select(to);
    });
    this.#body.replaceChildren(h('p', { class: 'iw-rung-goal', text: r.goal }), h('div', { class: 'iw-buttons' }, switchButton, hintButton, nextButton, answerButton), hint, this.#nextText, answer, this.#success, this.#onward);
    this.#refresh();
  }

  /** The texts that follow the state: the switch button, the next step, the success. */
  #refresh(): void {
    const r = this.#selected;
    const st = this.#state;
    const here = !!st && st.variant === r.variant && sameParams(st.params, r.params);
    const sw = this.#body.querySelector<HTMLElement>('[data-switch]');
    if (sw) sw.hidden = here;
    if (this.#nextText) this.#nextText.textContent = `Next step: ${st ? this.#nextStep(r, st, here) : '…'}`;
    if (!this.#success || !st) return;
    const met = r.id === 'hold' ? this.#held.byHand && this.#held.searched && here : this.#meets(r, st);
    this.#success.hidden = !met;
    const onward = met ? this.#nextRung() : undefined;
    if (this.#onward) {
      this.#onward.hidden = !onward;
      this.#onward.textContent = onward ? `Next challenge: ${titleOf(onward)}` : '';
    }
    if (!met) return;
    const n = st.choices.length;
    const shortest = r.answer.length;
    this.#success.textContent =
      r.id === 'hold'
        ? 'You did it: the fix held in your order, and the explorer found no order that breaks it.'
        : `You did it: ${st.verdict} after ${plural(n, 'step')}${n === shortest ? ', the shortest way there.' : `; the shortest way takes ${shortest}.`}`;
  }

  #nextStep(r: Rung, st: LadderState, here: boolean): string {
    if (!here) return `switch to the ${this.#label(r.variant)} variant first (the button above).`;
    if (r.id === 'hold') {
      if (!this.#held.byHand) return 'step any thread that can run, until every thread has finished.';
      return 'press “Find a failure”, below the threads: it tries every order.';
    }
    const a = r.answer;
    const c = st.choices;
    let k = 0;
    while (k < c.length && k < a.length && c[k] === a[k]) k++;
    if (k === c.length) return k < a.length ? `step ${a[k]} (step ${k + 1} of the shortest failure's ${a.length}).` : 'none: you are at the end of the shortest failure.';
    if (k >= a.length) return 'none: the shortest failure ended before your last steps.';
    return `your step ${k + 1} (${c[k]}) leaves the shortest failure, which steps ${a[k]} there: ${k === 0 ? 'reset' : `go back to step ${k}`}, then step ${a[k]}.`;
  }
}
