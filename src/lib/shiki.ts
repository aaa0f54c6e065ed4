/**
 * One Shiki setup for the whole site: Markdown code fences (astro.config.mjs) and the listing
 * components both use it, so every code block looks the same. Highlighting happens at build time
 * only; no Shiki reaches the browser.
 */
import {
  transformerMetaHighlight,
  transformerNotationDiff,
  transformerNotationHighlight,
} from '@shikijs/transformers';
import { bundledThemes, type ShikiTransformer, type ThemeRegistration } from 'shiki';

/**
 * A bundled theme with some token colours replaced. GitHub's themes put comments (light #6e7781, dark
 * #8b949e) and light mode's purple (#8250df) under WCAG's 4.5:1 on the site's code backgrounds and on
 * the lines the widgets mark; these stay above 5:1 on all of them.
 */
async function recolored(name: 'github-light-default' | 'github-dark-default', replace: Record<string, string>): Promise<ThemeRegistration> {
  let json = JSON.stringify((await bundledThemes[name]()).default);
  for (const [from, to] of Object.entries(replace)) json = json.replace(new RegExp(from, 'gi'), to);
  return { ...(JSON.parse(json) as ThemeRegistration), name: `interleave-${name}` };
}

const light = await recolored('github-light-default', { '#6e7781': '#57606a', '#8250df': '#6639ba' });
const dark = await recolored('github-dark-default', { '#8b949e': '#9ea7b3' });

/**
 * Light and dark themes; the dark colours are CSS variables switched by prefers-color-scheme. GitHub's
 * "default" pair, recoloured as above, keeps every token readable (axe-core checks the pages).
 */
export const themes = { light, dark } as const;

export const fenceTransformers = (): ShikiTransformer[] => [
  transformerNotationDiff(),
  transformerNotationHighlight(),
  transformerMetaHighlight(),
];

export interface ListingLinesOptions {
  /** Prefix for each line's id (`<prefix>-L<n>`), so a timeline can link to a line. */
  idPrefix?: string | undefined;
  /** Lines to mark (1-based). */
  highlight?: ReadonlySet<number>;
  /** Classes to add per line (1-based), e.g. a diff's `diff add`. */
  classes?: ReadonlyMap<number, string>;
  /** Extra attributes per line (1-based), e.g. a diff's `data-mark`. */
  attributes?: ReadonlyMap<number, Record<string, string>>;
  /** The number of the block's first line, when the block is an excerpt of a longer listing (default 1). */
  firstLine?: number;
  /** Lines (numbered as in the whole listing) that get no id: another block on the page holds them. */
  noId?: ReadonlySet<number>;
}

/**
 * Marks up every line of a listing: `data-line` (its number), an optional id, and classes for
 * highlighted lines. Each line stays one `span.line`, which is what the widgets step through.
 */
export const transformerListingLines = (o: ListingLinesOptions = {}): ShikiTransformer => ({
  name: 'interleave:listing-lines',
  pre(node) {
    this.addClassToHast(node, 'listing-code');
  },
  line(node, n) {
    const line = n + (o.firstLine ?? 1) - 1;
    node.properties['data-line'] = line;
    Object.assign(node.properties, o.attributes?.get(line));
    if (o.idPrefix && !o.noId?.has(line)) node.properties['id'] = `${o.idPrefix}-L${line}`;
    if (o.highlight?.has(line)) this.addClassToHast(node, 'highlighted');
    const extra = o.classes?.get(line);
    if (extra) this.addClassToHast(node, extra.split(' '));
  },
});
