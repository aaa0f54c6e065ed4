/** The MDX sources in content/: which pages they make, and their fenced code blocks. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './dist.ts';

export const CONTENT = join(ROOT, 'content');

export interface Source {
  file: string;
  /** The page the file becomes. */
  path: string;
  text: string;
}

function mdx(dir: string): string[] {
  const full = join(CONTENT, dir);
  return existsSync(full) ? readdirSync(full).filter((f) => f.endsWith('.mdx')).map((f) => join(full, f)) : [];
}

/** Every MDX page: primers and engine docs by file name, cases by their `case:` frontmatter. */
export function sources(): Source[] {
  const out: Source[] = [];
  for (const section of ['primers', 'engine']) {
    for (const file of mdx(section)) {
      out.push({ file, path: `/${section}/${file.split('/').pop()!.replace(/\.mdx$/, '')}/`, text: readFileSync(file, 'utf8') });
    }
  }
  for (const file of mdx('cases')) {
    const text = readFileSync(file, 'utf8');
    const id = /^case:\s*['"]?([\w-]+)['"]?\s*$/m.exec(text)?.[1];
    if (!id) throw new Error(`${file}: no case: in its frontmatter`);
    out.push({ file, path: `/cases/${id}/`, text });
  }
  return out;
}

export interface CodeBlock {
  source: Source;
  /** 1-based index among the page's blocks of this language. */
  index: number;
  lang: string;
  code: string;
  /** Line of the opening fence in the MDX file. */
  line: number;
}

/** Fenced code blocks (``` at the start of a line) of one language. */
export function codeBlocks(source: Source, lang: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = source.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    if (open[1] === lang) blocks.push({ source, index: blocks.length + 1, lang, code: body.join('\n') + '\n', line: start + 1 });
  }
  return blocks;
}
