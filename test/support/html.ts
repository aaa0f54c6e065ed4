/** Parsed pages of dist/, cached: the tests read each page once. */
import { parse, type HTMLElement } from 'node-html-parser';
import { readPage } from './dist.ts';

const cache = new Map<string, HTMLElement>();

export function page(path: string): HTMLElement {
  let root = cache.get(path);
  if (!root) {
    // Parse inside <pre> too (node-html-parser keeps <pre> as raw text unless told otherwise).
    root = parse(readPage(path), { comment: false, blockTextElements: { script: true, noscript: true, style: true } });
    cache.set(path, root);
  }
  return root;
}

/** Text content with runs of white space collapsed, as a reader sees it. */
export function text(el: HTMLElement | null | undefined): string {
  return (el?.text ?? '').replace(/\s+/g, ' ').trim();
}
