#!/usr/bin/env node
// The `interleave` command. Committed (not built) so that npm can link it on install, before the
// engine is built; it runs the built command line, bundled into one file (dist/interleave.cjs) and
// loaded with V8's code cache of it (load.js), or says how to build it.
const { existsSync } = process.getBuiltinModule('node:fs');
const { bundle, dist, load } = await import('./load.js');
if (existsSync(bundle)) {
  process.exitCode = await load().run(process.argv.slice(2), (url) => import(url), dist.href);
} else {
  process.stderr.write('interleave: the engine is not built yet: run `npm run build:engine` at the top of the repository (or `npm run build` in engine/)\n');
  process.exitCode = 2;
}
