/**
 * The reader's module, made into the body of a function: `import … from '@interleave/engine'`
 * becomes a destructuring of the engine's names, and `export` records the scenario in `__exports`.
 * Every line stays on its line, so a line in an error is a line in the editor. Nothing is
 * evaluated here; a module that imports anything else is refused with the line of the import.
 */
import type { ScenarioFault } from './protocol.ts';

export const ENGINE = '@interleave/engine';

export type Compiled = { ok: true; body: string } | { ok: false; fault: ScenarioFault };

const IMPORT = /^([ \t]*)import\s+(type\s+)?([\s\S]*?)\s*from\s*(['"])([^'"\n]*)\4[ \t]*;?/gm;
const BARE_IMPORT = /^[ \t]*import\s*(['"])[^'"\n]*\1/m;

/** Line (1-based) of character `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `{ a, b as c, type D }` → `{ a, b: c }`. */
function bindings(clause: string): string {
  const c = clause.trim();
  const star = /^\*\s*as\s+([A-Za-z_$][\w$]*)$/.exec(c);
  if (star) return star[1]!;
  const named = /^\{([\s\S]*)\}$/.exec(c);
  if (!named) throw new Error(`import ${c} from '${ENGINE}': write the names in braces, as in import { scenario } from '${ENGINE}'`);
  const parts = named[1]!
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith('type '))
    .map((p) => {
      const m = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(p);
      if (!m) throw new Error(`import: '${p}' is not a name`);
      return m[2] ? `${m[1]}: ${m[2]}` : m[1]!;
    });
  return `{ ${parts.join(', ')} }`;
}

/** The same number of line breaks as `text`, so what follows stays on its line. */
const breaks = (text: string) => '\n'.repeat(lineAt(text, text.length) - 1);

export function compile(source: string): Compiled {
  const bare = BARE_IMPORT.exec(source);
  if (bare) return { ok: false, fault: { line: lineAt(source, bare.index), message: `only names of ${ENGINE} can be imported here` } };
  let fault: ScenarioFault | null = null;
  let body = source.replace(IMPORT, (all: string, indent: string, type: string | undefined, clause: string, _q: string, from: string, offset: number) => {
    if (fault) return all;
    if (from !== ENGINE) {
      fault = { line: lineAt(source, offset), message: `only ${ENGINE} can be imported in the playground, not '${from}'` };
      return all;
    }
    if (type) return breaks(all);
    try {
      return `${indent}const ${bindings(clause)} = __engine;${breaks(all)}`;
    } catch (e) {
      fault = { line: lineAt(source, offset), message: (e as Error).message };
      return all;
    }
  });
  if (fault) return { ok: false, fault };
  const hoisted: string[] = [];
  body = body
    .replace(/^([ \t]*)export\s+default\s+/gm, '$1__exports.default = ')
    .replace(/^([ \t]*)export\s+(const|let|var)\s+([A-Za-z_$][\w$]*)\s*=/gm, '$1$2 $3 = __exports.$3 =')
    .replace(/^([ \t]*)export\s+(function\*?|class)\s+([A-Za-z_$][\w$]*)/gm, (_a, indent: string, kw: string, name: string) => {
      hoisted.push(name);
      return `${indent}${kw} ${name}`;
    })
    .replace(/^([ \t]*)export\s*\{([^}]*)\}\s*;?/gm, (_a, indent: string, names: string) => `${indent}Object.assign(__exports, { ${names.replace(/([\w$]+)\s+as\s+([\w$]+)/g, '$2: $1')} });`);
  const exportLine = /^[ \t]*export\b/m.exec(body);
  if (exportLine) return { ok: false, fault: { line: lineAt(body, exportLine.index), message: 'this form of export is not supported: write export const name = scenario(…) or export default scenario(…)' } };
  if (hoisted.length) body += `\n;${hoisted.map((n) => `__exports.${n} = ${n};`).join(' ')}`;
  return { ok: true, body };
}
