/**
 * A thread's code: the functions of the listing its column shows (`ThreadState.code`), made of the
 * `span.line`s Shiki rendered at build time (kept in `<template data-listing="<key>">` inside the
 * widget; an engine case's listing reaches the browser without its text, src/lib/browser-engine.ts).
 * A listing with no build-time rendering is shown as plain text lines instead.
 */
import type { Listing } from '@interleave/engine';
import { keyOf } from '../listing-key.ts';
import { h } from './dom.ts';

export interface ThreadCode {
  /** The `pre` to put in the column. */
  element: HTMLElement;
  /** The line elements, by listing line. */
  lines: Map<number, HTMLElement>;
  /** The listing function each shown line belongs to. */
  functionOf(line: number): string | undefined;
}

/** The lines to show for these function names: each function, with the comment just above it. */
export function linesFor(text: readonly string[], listing: Pick<Listing, 'functions'>, code: readonly string[] | undefined): number[] {
  const all = text.map((_, i) => i + 1);
  const fns = (code ?? []).map((name) => listing.functions.find((f) => f.name === name)).filter((f) => f !== undefined);
  if (fns.length === 0) return all;
  const shown = new Set<number>();
  for (const f of fns) {
    let start = f.start;
    while (start > 1 && /^\s*(\/\*|\*|\/\/)/.test(text[start - 2]!)) start--;
    for (let n = start; n <= f.end; n++) shown.add(n);
  }
  return [...shown].sort((a, b) => a - b);
}

function templateLines(root: ParentNode, key: string): { pre: HTMLElement; code: HTMLElement; lines: Map<number, HTMLElement> } | null {
  const tpl = [...root.querySelectorAll<HTMLTemplateElement>('template[data-listing]')].find((t) => t.dataset.listing === key);
  const pre = tpl?.content.querySelector<HTMLElement>('pre');
  const code = pre?.querySelector<HTMLElement>('code');
  if (!pre || !code) return null;
  const lines = new Map<number, HTMLElement>();
  for (const el of code.querySelectorAll<HTMLElement>('span.line')) lines.set(Number(el.dataset.line), el);
  return { pre, code, lines };
}

export function threadCode(root: ParentNode, listing: Listing, code: readonly string[] | undefined, label: string): ThreadCode {
  const built = templateLines(root, keyOf(listing));
  const text = built ? Array.from({ length: built.lines.size }, (_, i) => built.lines.get(i + 1)?.textContent ?? '') : listing.text.split('\n');
  const shown = linesFor(text, listing, code);
  const pre = built ? (built.pre.cloneNode(false) as HTMLElement) : h('pre', { class: 'astro-code listing-code iw-plain' });
  const codeEl = built ? (built.code.cloneNode(false) as HTMLElement) : h('code');
  pre.classList.add('iw-code');
  pre.setAttribute('tabindex', '0');
  pre.setAttribute('aria-label', label);
  const lines = new Map<number, HTMLElement>();
  // Lines are blocks here (they wrap in a narrow column), so no newline text goes between them.
  let previous = 0;
  for (const n of shown) {
    if (previous !== 0 && n !== previous + 1) codeEl.append(h('span', { class: 'line iw-gap', text: '⋮', attrs: { 'aria-hidden': 'true' } }));
    const source = built?.lines.get(n);
    const line = source ? (source.cloneNode(true) as HTMLElement) : h('span', { class: 'line', text: text[n - 1] ?? '', attrs: { 'data-line': String(n) } });
    line.removeAttribute('id');
    lines.set(n, line);
    codeEl.append(line);
    previous = n;
  }
  pre.append(codeEl);
  const functionOf = (line: number) => listing.functions.find((f) => f.start <= line && line <= f.end)?.name;
  return { element: pre, lines, functionOf };
}
