/**
 * The challenge of a buggy variant: "make it deadlock" (or leak, or break a rule) by choosing the
 * steps by hand. A hint first, then the answer, which can be played.
 */
import { h, plural } from './dom.ts';

export interface Challenge {
  variant: string;
  verdict: string;
  /** The shortest failing schedule at the page's parameters, thread names in order. */
  answer: string[];
  hint: string;
}

export interface ChallengeActions {
  play(): void;
}

const GOAL: Record<string, string> = { deadlock: 'make it deadlock', leak: 'make it leak', violation: 'make it break a rule' };

export class ChallengeView {
  readonly element: HTMLElement;
  private readonly success: HTMLElement;
  private readonly challenge: Challenge;

  constructor(challenge: Challenge, variantLabel: string, actions: ChallengeActions) {
    this.challenge = challenge;
    const goal = GOAL[challenge.verdict] ?? 'make it fail';
    const hintButton = h('button', { class: 'iw-button', text: 'Show a hint', attrs: { type: 'button', 'aria-expanded': 'false' } });
    const answerButton = h('button', { class: 'iw-button', text: 'Show the answer', attrs: { type: 'button', 'aria-expanded': 'false' } });
    const hint = h('p', { class: 'iw-challenge-hint', text: `Hint: ${challenge.hint}` });
    const play = h('button', { class: 'iw-button', text: 'Play the answer', attrs: { type: 'button' } });
    play.addEventListener('click', () => actions.play());
    const answer = h(
      'div',
      { class: 'iw-challenge-answer' },
      h('p', {}, `The shortest way takes ${plural(challenge.answer.length, 'step')}: `, h('strong', { text: challenge.answer.join(', ') }), '.'),
      play,
    );
    hint.hidden = true;
    answer.hidden = true;
    answerButton.hidden = true;
    hintButton.addEventListener('click', () => {
      hint.hidden = false;
      hintButton.setAttribute('aria-expanded', 'true');
      answerButton.hidden = false;
      hint.focus();
    });
    answerButton.addEventListener('click', () => {
      answer.hidden = false;
      answerButton.setAttribute('aria-expanded', 'true');
    });
    hint.tabIndex = -1;
    this.success = h('p', { class: 'iw-challenge-success', attrs: { role: 'status' } });
    this.success.hidden = true;
    this.element = h(
      'section',
      { class: 'iw-challenge', attrs: { 'aria-label': 'Challenge' } },
      h('p', {}, h('strong', { text: `Challenge: ${goal}.` }), ` In the ${variantLabel} variant, be the scheduler: pick the order of the steps so that the execution ends in ${challenge.verdict}.`),
      h('div', { class: 'iw-buttons' }, hintButton, answerButton),
      hint,
      answer,
      this.success,
    );
  }

  /** Called after each step taken by hand: says so when the reader has met the challenge. */
  check(variant: string, verdict: string | undefined, steps: number, byHand: boolean): boolean {
    const met = byHand && variant === this.challenge.variant && verdict === this.challenge.verdict;
    // Shown while the state shown is the one the reader reached by hand; gone on undo, reset or a switch.
    this.success.hidden = !met;
    if (met) {
      const shortest = this.challenge.answer.length;
      this.success.textContent = `You did it: ${verdict} after ${plural(steps, 'step')}${steps === shortest ? ', the shortest way there.' : `; the shortest way takes ${shortest}.`}`;
    }
    return met;
  }
}
