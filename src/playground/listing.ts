/**
 * The reader's code as a highlighted listing for the thread columns, in the form the case widget
 * finds its build-time (Shiki) listings in (src/widgets/view/code.ts): a `<template
 * data-listing="<key>">` holding `pre > code > span.line[data-line]`. Here the editor's own parser
 * and its class highlighter colour it (the page's `.tok-*` colours, as in the editor). The code is
 * only ever set as text.
 */
import { javascriptLanguage } from '@codemirror/lang-javascript';
import { classHighlighter, highlightTree } from '@lezer/highlight';
import { listingKey } from '../widgets/listing-key.ts';
import { h } from '../widgets/view/dom.ts';

export function listingTemplate(code: string): HTMLTemplateElement {
  const lines = code.split('\n').map((_, i) => h('span', { class: 'line', attrs: { 'data-line': String(i + 1) } }));
  let pos = 0;
  let line = 0;
  /** Appends the text up to `to`, in `cls` (if any), line by line. */
  const put = (to: number, cls: string) => {
    while (pos < to) {
      const nl = code.indexOf('\n', pos);
      const end = nl >= 0 && nl < to ? nl : to;
      if (end > pos) lines[line]!.append(cls ? h('span', { class: cls, text: code.slice(pos, end) }) : code.slice(pos, end));
      pos = end;
      if (end === nl) {
        line++;
        pos++;
      }
    }
  };
  highlightTree(javascriptLanguage.parser.parse(code), classHighlighter, (from, to, cls) => {
    put(from, '');
    put(to, cls);
  });
  put(code.length, '');
  const template = h('template', { attrs: { 'data-listing': listingKey(code) } });
  template.content.append(h('pre', { class: 'astro-code listing-code pg-listing' }, h('code', {}, ...lines)));
  return template;
}
