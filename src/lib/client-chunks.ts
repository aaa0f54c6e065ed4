/**
 * How the browser build splits the site's scripts (a Vite plugin for the client environment), so a
 * case page loads three files for its widget beside the boot script: the widget's chunk, the views'
 * chunk and its case's.
 *
 * - No preloading of a dynamic import's chunks: the widget's search worker loads the same chunks as
 *   the page, and Vite's preload helper reads `document`, which a worker does not have. (Astro sets
 *   `build.modulePreload` itself, so this is done per environment.)
 * - One chunk for the widget: the widget, its search worker (src/widgets/search-worker.ts, whose URL
 *   is this chunk's) and the engine's core they run (the explorer, the simulation, `coreScenario`
 *   and the kernel objects under it), less what the page's boot script or the playground's page
 *   import too (the views). Left to itself Rolldown puts the engine's core in a chunk of its own,
 *   since the case chunks import it as well; but a case page loads both, and one file gzips smaller.
 *   The modules are followed from these roots by their imports, except through the engine's index
 *   files, which re-export everything.
 * - Each case chunk has its own copy of the engine modules outside the core that it imports (mmap,
 *   the mmu notifiers, the parameters' checks), instead of sharing them with other cases in small
 *   chunks of their own: a page loads one case. A copy is the module under another id
 *   (`?case=<id>`), so it must never be one of the core's, whose objects the widget shares with the
 *   case: the build fails if it is.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

type ChunkingContext = { getModuleInfo(id: string): { importedIds: readonly string[] } | null };

const file = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const BOOT = ['../widgets/boot.ts', '../playground/page.ts'];
const ENGINE_ROOTS = ['../../engine/dist/explore.js', '../../engine/dist/core-scenario.js'];
const WIDGET = ['../widgets/widget.ts', '../widgets/search-worker.ts', ...ENGINE_ROOTS];
const ENGINE_INDEX = /[\\/]engine[\\/]dist[\\/](?:.*[\\/])?index\.js$/;
const ENGINE_DIST = file('../../engine/dist/');
const CASE_DIR = /[\\/]engine[\\/]dist[\\/]cases[\\/]([\w-]+)[\\/]/;
const CASE_COPY = /\?case=([\w-]+)$/;

/** The engine's modules that the widget's chunk holds: those its engine roots import, directly or not. */
function engineCore(): Set<string> {
  const seen = new Set(ENGINE_ROOTS.map(file));
  for (const m of seen) {
    for (const [, spec] of readFileSync(m, 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*'(\.[^']+)'/gm)) seen.add(resolve(dirname(m), spec!));
  }
  return seen;
}

function reach(roots: string[], ctx: ChunkingContext): Set<string> {
  const seen = new Set(roots.map(file));
  for (const m of seen) for (const d of ctx.getModuleInfo(m)?.importedIds ?? []) if (!ENGINE_INDEX.test(d)) seen.add(d);
  return seen;
}

export function clientChunks(): Plugin {
  let widget: Set<string> | undefined;
  const core = engineCore();
  const widgetChunk = (id: string, ctx: ChunkingContext) => {
    if (!widget) {
      const elsewhere = reach(BOOT, ctx);
      widget = new Set([...reach(WIDGET, ctx)].filter((m) => !elsewhere.has(m)));
    }
    if (CASE_COPY.test(id) && widget.has(id.replace(CASE_COPY, ''))) throw new Error(`${id}: a case's own copy of a module of the widget's chunk`);
    return widget.has(id) ? 'widget' : null;
  };
  return {
    name: 'interleave:client-chunks',
    enforce: 'pre',
    applyToEnvironment: (env) => env.name === 'client',
    /** A case's import of an engine module outside the core: the case's own copy. */
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.')) return null;
      const path = importer.replace(CASE_COPY, '');
      const caseId = CASE_COPY.exec(importer)?.[1] ?? CASE_DIR.exec(path)?.[1];
      if (!caseId) return null;
      const target = resolve(dirname(path), source);
      if (!target.startsWith(ENGINE_DIST) || core.has(target) || CASE_DIR.exec(target)?.[1] === caseId) return null;
      return `${target}?case=${caseId}`;
    },
    configEnvironment(name) {
      if (name !== 'client') return;
      return {
        build: {
          modulePreload: { polyfill: false, resolveDependencies: () => [] },
          // The group takes its modules alone, not their imports (the views stay with the playground's
          // page), which Rolldown allows when entry chunks may export more than their module does.
          rolldownOptions: { preserveEntrySignatures: 'allow-extension', output: { codeSplitting: { groups: [{ name: widgetChunk, includeDependenciesRecursively: false }] } } },
        },
      };
    },
  };
}
