/** An SVG tree (src/lib/svg-tree.ts) as DOM: attributes set one by one, texts as text nodes. */
import type { SvgNode } from '../../lib/svg-tree.ts';

const NS = 'http://www.w3.org/2000/svg';

export function svgDom(n: SvgNode): SVGElement {
  const e = document.createElementNS(NS, n.tag);
  for (const [k, v] of Object.entries(n.attrs ?? {})) if (v !== undefined) e.setAttribute(k, String(v));
  if (n.text !== undefined) e.append(document.createTextNode(n.text));
  for (const c of n.children ?? []) if (c) e.append(svgDom(c));
  return e;
}
