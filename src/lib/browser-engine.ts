/**
 * The browser's copy of the engine: what the case widgets use of it, no more (a Vite plugin for the
 * client environment; the playground's runner, a worker bundle, keeps the whole engine).
 *
 * - The cases' listings come without their text. A page with a case's widget holds every listing
 *   the widget can show, rendered by Shiki at build time (`<template data-listing="<key>">`,
 *   src/components/CaseWidget.astro), and the widget takes a column's lines from there
 *   (src/widgets/view/code.ts); the scenarios need only each label's line and the functions'
 *   ranges. So each case's listing module (engine/dist/cases/<id>/listing.js, which exports
 *   listings and lists of function names) is replaced by its values, computed here in Node: each
 *   listing as its key and the skeleton of its text that gives the same labels and functions.
 * - A case (the `Case` literal of engine/dist/cases/<id>/index.js) comes without what only its page
 *   shows: `upstream` (the citation), `subsystem` and `summary`, which
 *   the widget's `WidgetCase` leaves out; and its scenarios without their `description` (the widget
 *   shows the variant's).
 * - Lockdep watches nothing: the widgets show no lockdep report, so `explore`, `replay` and
 *   `simulate` get a `Lockdep` whose report is empty.
 * - The liveness search (engine/dist/core/liveness/search.js, with the state graph and the cycles
 *   it needs) is a chunk of its own, which a page fetches only when its widget searches a scenario
 *   with a thread that runs forever (the rwsem primer's readers taking turns): the widget's chunk
 *   holds a stand-in whose `loadLiveness` loads it (src/widgets/search-worker.ts). About 1.4 KB
 *   gzipped that the case pages do not fetch.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { normalizePath, parseAst, type Plugin } from 'vite';
import { listing, type Listing } from '@interleave/engine';
import { listingKey } from '../widgets/listing-key.ts';

const LISTING_MODULE = /[\\/]engine[\\/]dist[\\/]cases[\\/][\w-]+[\\/]listing\.js$/;
const CASE_MODULE = /[\\/]engine[\\/]dist[\\/]cases[\\/][\w-]+[\\/]index\.js$/;
const CASE_OWN = /[\\/]engine[\\/]dist[\\/]cases[\\/][\w-]+[\\/].*\.js$/;
const LOCKDEP_MODULE = /[\\/]engine[\\/]dist[\\/]checks[\\/]lockdep\.js$/;
const NO_LOCKDEP = 'export class Lockdep { report() { return { classes: [], edges: [], warnings: [] }; } }';
/** The liveness search's module; with a query, the module itself, which its stand-in loads as a chunk. */
const LIVENESS_MODULE = normalizePath(fileURLToPath(new URL('../../engine/dist/core/liveness/search.js', import.meta.url)));
/** The liveness search's stand-in: `loadLiveness` loads the chunk, and `exploreLiveness` runs the search it holds. */
const livenessStandIn = [
  'let search = null;',
  `export const loadLiveness = async () => { search ??= (await import(${JSON.stringify(`${LIVENESS_MODULE}?chunk`)})).exploreLiveness; };`,
  "export function exploreLiveness(...args) { if (search === null) throw new Error('the liveness search is not loaded (loadLiveness)'); return search(...args); }",
].join('\n');
/** What the page shows of a case and the widget does not use. */
const PAGE_ONLY = new Set(['upstream', 'subsystem', 'summary']);

const isListing = (v: unknown): v is Listing => typeof v === 'object' && v !== null && typeof (v as Listing).text === 'string' && (v as Listing).labels instanceof Map;

/**
 * What the engine's `listing()` needs to find `l`'s labels and functions again: each function's
 * first line as `void name(`, each line that closes one as `}`, each labelled line's marker; nothing
 * else (and a first newline, which `listing()` drops).
 */
export function skeleton(l: Listing): string {
  const label = new Map([...l.labels].map(([name, line]) => [line, name]));
  const starts = new Map(l.functions.map((f) => [f.start, f.name]));
  const ends = new Set(l.functions.map((f) => f.end));
  const lines = l.text.split('\n').map((_, i) => {
    const n = i + 1;
    const code = starts.has(n) ? `void ${starts.get(n)}(` : ends.has(n) ? '}' : '';
    return label.has(n) ? `${code}//@${label.get(n)}` : code;
  });
  const out = `\n${lines.join('\n')}`;
  const again = listing(out);
  if (JSON.stringify([[...again.labels], again.functions]) !== JSON.stringify([[...l.labels], l.functions])) throw new Error(`the skeleton of a listing does not give back its labels and functions`);
  return out;
}

/** `v` as JavaScript source: a listing through `bundled`, or plain data. */
function source(v: unknown, where: string): string {
  if (isListing(v)) return `bundled(${JSON.stringify(listingKey(v.text))}, ${JSON.stringify(skeleton(v))})`;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return JSON.stringify(v);
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    const fields = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${source(x, `${where}.${k}`)}`);
    return Object.isFrozen(v) ? `Object.freeze({ ${fields.join(', ')} })` : `{ ${fields.join(', ')} }`;
  }
  throw new Error(`${where}: a case's listing module exports listings, records of them and lists of names only`);
}

/** The listing module at `path`, its listings without their text. */
export async function withoutText(path: string): Promise<string> {
  const exports: Record<string, unknown> = await import(pathToFileURL(path).href);
  const file = path.split(/[\\/]engine[\\/]/).pop();
  const lines = Object.entries(exports).map(([name, v]) => `export const ${name} = ${source(v, `engine/${file}: ${name}`)};`);
  return [
    "import { listing } from '@interleave/engine';",
    'const bundled = (key, skeleton) => ({ ...listing(skeleton), key });',
    ...lines,
  ].join('\n');
}

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const keyName = (p: Node) => ((p['key'] as Node | undefined)?.['name'] as string | undefined) ?? '';

/**
 * `code` without what only a case's page shows: the page-only properties of its `Case` literal (the
 * object with `variants`, `listings` and `build`), which `isIndex` says it has, and the
 * `description` of each scenario it makes (`coreScenario(name, build, { description, ... })`).
 */
export function withoutPageOnly(code: string, isIndex: boolean): string {
  const cuts: [number, number][] = [];
  /** Each property `drop` names, with the comma after it. */
  const cut = (props: Node[], drop: (name: string) => boolean) => {
    for (const p of props) if (drop(keyName(p))) cuts.push([p.start, p.end + (/^\s*,/.exec(code.slice(p.end))?.[0].length ?? 0)]);
  };
  let found = false;
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (typeof n !== 'object' || n === null) return;
    const node = n as Node;
    if (node.type === 'ObjectExpression') {
      const props = node['properties'] as Node[];
      const names = props.map(keyName);
      if (['variants', 'listings', 'build'].every((k) => names.includes(k))) {
        found = true;
        cut(props, (name) => PAGE_ONLY.has(name));
      }
    }
    const options = node.type === 'CallExpression' && (node['callee'] as Node)['name'] === 'coreScenario' ? (node['arguments'] as Node[])[2] : undefined;
    if (options?.type === 'ObjectExpression') cut(options['properties'] as Node[], (name) => name === 'description');
    for (const v of Object.values(node)) if (typeof v === 'object') visit(v);
  };
  visit(parseAst(code));
  if (isIndex && !found) throw new Error('no Case literal (an object with variants, listings and build) found');
  for (const [from, to] of cuts.sort((a, b) => b[0] - a[0])) code = code.slice(0, from) + code.slice(to);
  return code;
}

export const browserEngine = (): Plugin => ({
  name: 'interleave:browser-engine',
  applyToEnvironment: (env) => env.name === 'client',
  load(id) {
    if (LISTING_MODULE.test(id)) return withoutText(id);
    if (LOCKDEP_MODULE.test(id)) return NO_LOCKDEP;
    if (id === LIVENESS_MODULE) return livenessStandIn;
    return null;
  },
  transform: (code, id) => (CASE_OWN.test(id) ? withoutPageOnly(code, CASE_MODULE.test(id)) : null),
});
