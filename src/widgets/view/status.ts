/**
 * The line above the threads: the step just shown and what it did, then the verdict and the
 * engine's sentence once the execution has ended.
 */
import type { Frame } from '../run.ts';
import { fill, h, opText } from './dom.ts';
import { verdictBadge } from './verdict.ts';

/** The engine notes a blocking step as "waits: <why>"; the BLOCKS tag already says it waits. */
export function noteText(note: string): string {
  return note.replace(/^waits: /, '');
}

export class StatusView {
  readonly element = h('div', { class: 'iw-status' });

  update(frame: Frame, cursor: number): void {
    const s = frame.step;
    const what = s
      ? h('p', { class: 'iw-last' }, h('strong', { text: `Step ${cursor}: ${s.thread} ` }), h('code', { text: opText(s) }), s.blocked ? h('span', { class: 'iw-tag is-bad', text: 'blocks' }) : null, s.note ? ` ${noteText(s.note)}.` : '')
      : h('p', { class: 'iw-last', text: `No step taken yet. Can run: ${frame.runnable.join(', ') || 'nobody'}. Press a thread's Step button, or its number key.` });
    const end = frame.outcome ? h('p', { class: 'iw-outcome', attrs: { 'data-verdict': frame.outcome.verdict } }, verdictBadge(frame.outcome.verdict), ' ', frame.outcome.message) : null;
    fill(this.element, what, end);
  }
}
