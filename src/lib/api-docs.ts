/**
 * The engine's own declarations, read at build time from its published type declarations
 * (dist/*.d.ts, next to the package's entry points): for an exported name, its declaration as a
 * reader would write against it, and the doc comment above it. The API reference shows these for
 * the models, so their signatures and descriptions are always the engine's current ones. A name the
 * engine does not export is an error, which fails the build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export interface ApiEntry {
  name: string;
  kind: 'function' | 'const' | 'class' | 'interface' | 'type';
  /** The declaration, without `export declare`, private members or member bodies. */
  declaration: string;
  /** The doc comment's text (paragraphs separated by blank lines), or ''. */
  doc: string;
  /** The declaration file it came from, relative to the package's dist/. */
  module: string;
}

const resolveFrom = createRequire(join(process.cwd(), 'package.json'));

function distDir(entry: string): string {
  return dirname(resolveFrom.resolve(entry));
}

/** name → declaration file, from an entry point's `export { ... } from './x.ts'` lines. */
function reexports(indexDts: string): Map<string, string> {
  const dir = dirname(indexDts);
  const text = readFileSync(indexDts, 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/g)) {
    const file = resolve(dir, m[2]!.replace(/\.(ts|js)$/, '.d.ts'));
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) out.set(name, file);
    }
  }
  for (const m of text.matchAll(/export\s+declare\s+(?:function|const|class|abstract\s+class)\s+([A-Za-z_$][\w$]*)/g)) out.set(m[1]!, indexDts);
  return out;
}

function docText(comment: string): string {
  return comment
    .replace(/^\/\*\*\s?/, '')
    .replace(/\s*\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/**
 * Where the declaration at `start` ends: a class or interface at its closing brace (tsc puts it
 * alone at the start of a line), anything else at the first `;` outside brackets, comments and
 * strings.
 */
function blockEnd(text: string, start: number): number {
  const head = text.slice(start, start + 80).replace(/^export\s+(declare\s+)?(abstract\s+)?/, '');
  if (/^(class|interface)\b/.test(head)) {
    const close = text.indexOf('\n}', start);
    return close < 0 ? text.length : close + 2;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) + 1;
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if ('{([<'.includes(c)) depth++;
    else if ('})]'.includes(c) || (c === '>' && text[i - 1] !== '=')) depth--;
    else if (c === ';' && depth === 0) return i + 1;
    if (i < 0) return text.length;
  }
  return text.length;
}

function clean(decl: string): string {
  const lines = decl.replace(/^export\s+(declare\s+)?/, '').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Drop private and protected members, with the doc comment just above them.
    if (/^\s+(private|protected)\b/.test(line)) {
      while (out.length && /^\s+(\/\*\*|\*)/.test(out[out.length - 1]!)) out.pop();
      continue;
    }
    out.push(line.replace(/^ {4}/, '  '));
  }
  return out.join('\n');
}

const cache = new Map<string, string>();
const read = (file: string) => {
  let t = cache.get(file);
  if (t === undefined) cache.set(file, (t = readFileSync(file, 'utf8')));
  return t;
};

function find(name: string, file: string, root: string): ApiEntry {
  const text = read(file);
  const re = new RegExp(`(?:^|\\n)(export\\s+(?:declare\\s+)?(?:abstract\\s+)?(function|const|class|interface|type)\\s+${name.replace(/\$/g, '\\$')}\\b)`, 'g');
  const hits = [...text.matchAll(re)];
  if (hits.length === 0) throw new Error(`api docs: '${name}' is not declared in ${file}`);
  const first = hits[0]!;
  const at = first.index! + (first[0].startsWith('\n') ? 1 : 0);
  // Overloads: every declaration of the name, in order.
  const declaration = hits
    .map((h) => {
      const s = h.index! + (h[0].startsWith('\n') ? 1 : 0);
      return clean(text.slice(s, blockEnd(text, s)));
    })
    .join('\n');
  // The doc comment right above the first declaration; for a run of undocumented constants, the
  // comment above the run.
  let doc = '';
  let cursor = at;
  for (;;) {
    const before = text.slice(0, cursor).replace(/\s+$/, '');
    if (before.endsWith('*/')) {
      const open = before.lastIndexOf('/**');
      if (open >= 0) doc = docText(before.slice(open));
      break;
    }
    const prev = before.lastIndexOf('\n');
    const line = before.slice(prev + 1);
    if (!/^export\s+declare\s+const\s+/.test(line)) break;
    cursor = prev + 1;
  }
  const kind = first[2] as ApiEntry['kind'];
  return { name, kind, declaration, doc, module: file.slice(root.length + 1) };
}

/** The entries for `names`, exported from `entry` ('@interleave/engine' or '@interleave/engine/cases'). */
export function apiEntries(names: readonly string[], entry = '@interleave/engine'): ApiEntry[] {
  const dir = distDir(entry);
  const index = join(dir, 'index.d.ts');
  const map = reexports(index);
  const root = distDir('@interleave/engine');
  return names.map((name) => {
    const file = map.get(name);
    if (!file) throw new Error(`api docs: ${entry} does not export '${name}'`);
    return find(name, file, root);
  });
}
