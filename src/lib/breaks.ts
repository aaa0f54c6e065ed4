/**
 * Line breaks inside identifiers only where a reader expects them: after `_`, `.` or `->`, never in
 * the middle of a name ("hmm_invalidate_range_star|t", "P.mm.mma|p_sem"). `breakPoints` splits a
 * text into pieces to join with <wbr> (a break opportunity that copying leaves out);
 * InlineCode.astro applies it to the inline code of every MDX page.
 */

/** Pieces of `text`, each ending just after a `_`, `.` or `->` (the last piece ends the text). */
export function breakPoints(text: string): string[] {
  return text.split(/(?<=(?:[A-Za-z0-9]_|[A-Za-z0-9)\]]\.|->))(?=[A-Za-z_])/);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `text` as HTML with <wbr> at its break points (for `set:html`). */
export function breakable(text: string): string {
  return breakPoints(text).map(escape).join('<wbr>');
}
