/**
 * What the pages say, read as a reader reads them: no words from how the site was made, and no step
 * number typed into prose (numbers come from the engine, through src/lib/steps.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, type HTMLElement, type Node } from 'node-html-parser';
import { explore } from '@interleave/engine';
import { cases } from '@interleave/engine/cases';
import { pagePaths, readPage, requireDist } from './support/dist.ts';
import { sources } from './support/content.ts';

beforeAll(requireDist);

/** Words that speak of how the site was made, which a reader cannot weigh as a source. */
const INTERNAL = [/\bseeds?\b/i, /\bresearch/i, /\brecalled\b/i, /\bfrom memory\b/i, /\bengine[’']s author\b/i];

/** The text a reader sees or hears: the body without scripts and styles, plus labels and alt texts. */
export function readerText(html: string): string {
  const root = parse(html, { comment: false, blockTextElements: { script: false, style: false, noscript: true, pre: true } });
  for (const el of root.querySelectorAll('script, style')) el.remove();
  const body = root.querySelector('body') ?? root;
  const labels = body.querySelectorAll('[aria-label], [alt], [title]').map((el) => [el.getAttribute('aria-label'), el.getAttribute('alt'), el.getAttribute('title')].filter(Boolean).join(' '));
  return `${root.querySelector('title')?.text ?? ''} ${body.text} ${labels.join(' ')}`.replace(/\s+/g, ' ');
}

export function internalWords(text: string): string[] {
  const found: string[] = [];
  for (const re of INTERNAL) {
    const g = new RegExp(re.source, 'gi');
    for (const m of text.matchAll(g)) found.push(text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40));
  }
  return found;
}

/** MDX prose: the file without frontmatter, import/export blocks, code fences, inline code and `{...}` expressions. */
export function prose(mdx: string): string {
  return mdx
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/^(?:import|export) [\s\S]*?(?=\n\n|\n(?=[#<A-Za-z>-]))/gm, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\{[^{}]*\}/g, '{}')
    .replace(/\{[^{}]*\}/g, '{}');
}

/** "step 12", "steps 3–5", "steps 3 to 5": a step number typed into the text. */
export const LITERAL_STEP = /\bsteps? \d+(?:\s*(?:[–-]|to|and)\s*\d+)?\b/gi;

describe('reader-visible text', () => {
  it('finds the words it looks for (the check can fail)', () => {
    expect(internalWords(readerText('<html><body><p>The seed document, as far as the research found, from memory.</p></body></html>'))).toHaveLength(3);
    expect(internalWords(readerText('<html><body><img alt="recalled, not checked"></body></html>'))).toHaveLength(1);
    expect(internalWords(readerText('<html><body><p>The commit message says so.</p><script>const seed = 1</script></body></html>'))).toEqual([]);
  });

  it.each(pagePaths().filter((p) => !p.startsWith('/pagefind')))('%s says nothing of how the site was made', (path) => {
    expect(internalWords(readerText(readPage(path)))).toEqual([]);
  });
});

/**
 * Text a reader sees with every disclosure closed: no scripts or styles, a closed <details> only by
 * its summary. A sequence figure is left out: it labels each step it draws with the step's own note,
 * and a violation's sentence is that note.
 */
export function unfoldedText(html: string): string {
  const root = parse(html, { comment: false, blockTextElements: { script: true, style: true, noscript: true, pre: true } });
  const walk = (n: Node): string => {
    if (n.nodeType === 3) return n.text;
    const el = n as HTMLElement;
    const tag = el.rawTagName?.toLowerCase();
    if (tag === 'script' || tag === 'style' || tag === 'template' || (tag === 'figure' && el.classList.contains('seq'))) return ' ';
    if (tag === 'details' && !el.hasAttribute('open')) return ` ${walk(el.querySelector('summary') ?? parse(''))} `;
    return el.childNodes.map((c) => ` ${walk(c)} `).join('');
  };
  return walk(root.querySelector('main') ?? root).replace(/\s+/g, ' ');
}

/** Each engine sentence the page shows (or that states a case variant's verdict) said more than once with disclosures closed. */
export function repeatedSentences(html: string, known: string[] = []): string[] {
  const said = parse(html).querySelectorAll('[data-engine-sentence]').map((el) => el.text.replace(/\s+/g, ' ').trim());
  const text = unfoldedText(html);
  return [...new Set([...said, ...known])].filter((s) => s !== '' && text.split(s).length > 2);
}

describe('verdict sentences', () => {
  const sentence = 'Deadlock: T1 and T2 can never run again; T1 waits in down_read.';
  it('finds a sentence said twice outside closed disclosures (the check can fail)', () => {
    const twice = `<main><p><span data-engine-sentence>${sentence}</span></p><table><tr><td>${sentence}</td></tr></table></main>`;
    expect(repeatedSentences(twice)).toEqual([sentence]);
    expect(repeatedSentences(`<main><p>${sentence}</p><p>${sentence}</p></main>`, [sentence])).toEqual([sentence]);
    const folded = `<main><p><span data-engine-sentence>${sentence}</span></p><details><summary>More</summary><p>${sentence}</p></details></main>`;
    expect(repeatedSentences(folded)).toEqual([]);
    expect(repeatedSentences(folded.replace('<details>', '<details open>'))).toEqual([sentence]);
  });

  const variantSentences = Object.values(cases).flatMap((c) => (c ? c.variants.map((v) => explore(c.build({ variant: v.id })).message) : []));
  it.each(pagePaths().filter((p) => p.startsWith('/cases/') || p.startsWith('/primers/')))('%s states each engine sentence once', (path) => {
    const html = readPage(path);
    expect(parse(html).querySelectorAll('[data-engine-sentence]').length, `${path} shows no engine sentence`).toBeGreaterThan(path === '/primers/' || path === '/cases/' ? -1 : 0);
    expect(repeatedSentences(html, variantSentences)).toEqual([]);
  });

  it.each(pagePaths().filter((p) => p.startsWith('/cases/') || p.startsWith('/primers/')))('%s links each later place back to the sentence above it', (path) => {
    const root = parse(readPage(path));
    const places = root.querySelectorAll('[data-engine-sentence], [data-engine-sentence-ref]');
    const folded = (el: HTMLElement) => el.closest('details:not([open])') !== null;
    for (const [i, ref] of places.entries()) {
      if (!ref.hasAttribute('data-engine-sentence-ref')) continue;
      const target = places.findIndex((el) => el.id === ref.getAttribute('href')!.slice(1));
      expect(target, `${path}: ${ref.getAttribute('href')} is not an engine sentence before its link`).toBeGreaterThanOrEqual(0);
      expect(target).toBeLessThan(i);
      if (!folded(ref)) expect(folded(places[target]!), `${path}: ${ref.getAttribute('href')} is in a closed disclosure`).toBe(false);
    }
  });
});

describe('case and primer prose', () => {
  it('finds a literal step number (the check can fail)', () => {
    expect(prose('At step 12 P exits; steps 3–5 bind.').match(LITERAL_STEP)).toEqual(['step 12', 'steps 3–5']);
    expect(prose('At step {D.put} P exits; see `step 3` in code.').match(LITERAL_STEP)).toBeNull();
  });

  const pages = sources().filter((s) => s.path.startsWith('/cases/') || s.path.startsWith('/primers/'));
  it.each(pages.map((s) => [s.path, s] as const))('%s types no step number into its prose', (_path, s) => {
    expect(prose(s.text).match(LITERAL_STEP) ?? []).toEqual([]);
  });
});
