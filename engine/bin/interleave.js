#!/usr/bin/env node
// The `interleave` command. Committed (not built) so that npm can link it on install, before the
// engine is built; it runs the built command line, bundled into one file (dist/interleave.js) and
// compiled through Node's compile cache, or says how to build it.
// Built-in modules through process.getBuiltinModule, not import: an ESM import of node:fs loads all
// of its lazy parts (streams, promises) for the import's facade.
const { existsSync } = process.getBuiltinModule('node:fs');
process.getBuiltinModule('node:module').enableCompileCache?.();
const cli = new URL('../dist/interleave.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('interleave: the engine is not built yet: run `npm run build:engine` at the top of the repository (or `npm run build` in engine/)\n');
  process.exitCode = 2;
}
