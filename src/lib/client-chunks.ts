/**
 * How the browser build splits the site's scripts, as a Vite plugin for the client environment.
 *
 * - No preloading of a dynamic import's chunks: the widget's search worker loads the same chunks as
 *   the page, and Vite's preload helper reads `document`, which a worker does not have. (Astro sets
 *   `build.modulePreload` itself, so this is done per environment.)
 * - One chunk for the widget: the widget, its search worker (src/widgets/search-worker.ts, whose URL
 *   is this chunk's) and what of the engine they run (the explorer, the simulation, `coreScenario`
 *   and the kernel objects under it, the cases' parameters), less what the page's boot script or the
 *   playground's page import too. Left to itself Rolldown puts the engine's core in a chunk of its
 *   own, since the case chunks import it as well; but a case page loads both, and one file gzips
 *   smaller. The modules are followed from these roots by their imports, except through the
 *   engine's index files, which re-export everything.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

type ChunkingContext = { getModuleInfo(id: string): { importedIds: readonly string[] } | null };

const file = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const BOOT = ['../widgets/boot.ts', '../playground/page.ts'];
const WIDGET = ['../widgets/widget.ts', '../widgets/search-worker.ts', '../../engine/dist/explore.js', '../../engine/dist/core-scenario.js', '../../engine/dist/cases/params.js'];
const ENGINE_INDEX = /[\\/]engine[\\/]dist[\\/](?:.*[\\/])?index\.js$/;

function reach(roots: string[], ctx: ChunkingContext): Set<string> {
  const seen = new Set(roots.map(file));
  for (const m of seen) for (const d of ctx.getModuleInfo(m)?.importedIds ?? []) if (!ENGINE_INDEX.test(d)) seen.add(d);
  return seen;
}

export function clientChunks(): Plugin {
  let widget: Set<string> | undefined;
  const widgetChunk = (id: string, ctx: ChunkingContext) => {
    if (!widget) {
      const elsewhere = reach(BOOT, ctx);
      widget = new Set([...reach(WIDGET, ctx)].filter((m) => !elsewhere.has(m)));
    }
    return widget.has(id) ? 'widget' : null;
  };
  return {
    name: 'interleave:client-chunks',
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
