/**
 * A drawing as a small tree of SVG elements, framework-free: the build serialises it to markup
 * (`svgMarkup`, every text and attribute escaped) and the widget turns the same tree into DOM
 * (src/widgets/view/svg.ts), so a figure has one renderer for the page and the widget.
 */
type Child = SvgNode | null | false | undefined;

export interface SvgNode {
  tag: string;
  attrs?: Record<string, string | number | undefined>;
  /** Text content (escaped when serialised; a text node in the DOM). */
  text?: string;
  children?: Child[];
}

export const el = (tag: string, attrs: SvgNode['attrs'] = {}, ...children: Child[]): SvgNode => ({ tag, attrs, children });

export const text = (tag: string, attrs: SvgNode['attrs'], content: string, ...children: Child[]): SvgNode => ({ tag, attrs, text: content, children });

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The tree as SVG markup. */
export function svgMarkup(n: SvgNode): string {
  const attrs = Object.entries(n.attrs ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');
  const inner = (n.text !== undefined ? escape(n.text) : '') + (n.children ?? []).map((c) => (c ? svgMarkup(c) : '')).join('');
  return `<${n.tag}${attrs}>${inner}</${n.tag}>`;
}
