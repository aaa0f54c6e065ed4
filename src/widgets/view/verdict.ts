/** A verdict badge, as the site's Verdict component draws it: a glyph and the word, never colour alone. */
import type { Verdict } from '@interleave/engine';
import { h } from './dom.ts';

const GLYPH: Record<Verdict, string> = { ok: '✓', deadlock: '⨯', violation: '!', leak: '↻', starvation: '∞', incomplete: '?' };

export function verdictBadge(verdict: Verdict): HTMLElement {
  return h('span', { class: 'iw-verdict', attrs: { 'data-verdict': verdict } }, h('span', { class: 'glyph', text: GLYPH[verdict], attrs: { 'aria-hidden': 'true' } }), verdict);
}
