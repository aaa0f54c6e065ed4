// Loads the bundled command line (dist/interleave.cjs) with V8's code cache of it
// (dist/interleave.cache), which the build writes after running every case once
// (scripts/code-cache.js): so the functions a search runs start compiled, where Node's own compile
// cache holds only what a module's first run compiles before it starts. A cache older than the
// bundle, or one this Node's V8 rejects, is not used: the bundle is compiled from its text.
// Built-in modules through process.getBuiltinModule, not import: an ESM import of node:fs loads all
// of its lazy parts (streams, promises) for the import's facade.
const { readFileSync, statSync } = process.getBuiltinModule('node:fs');
const { Script } = process.getBuiltinModule('node:vm');
const { fileURLToPath } = process.getBuiltinModule('node:url');

/** The URL of the engine's dist/ folder. */
export const dist = new URL('../dist/', import.meta.url);
export const bundle = new URL('interleave.cjs', dist);
export const codeCache = new URL('interleave.cache', dist);

/** The command line's `run` (src/cli.ts), and the script it came from (for its code cache). */
export function load(useCache = true) {
  const cachedData = useCache ? cacheFor(statSync(bundle).mtimeMs) : undefined;
  const script = new Script(`(function (module, exports) {${readFileSync(bundle, 'utf8')}\n})`, {
    filename: fileURLToPath(bundle),
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module, module.exports);
  return { run: module.exports.run, script };
}

function cacheFor(bundleTime) {
  try {
    return statSync(codeCache).mtimeMs >= bundleTime ? readFileSync(codeCache) : undefined;
  } catch {
    return undefined;
  }
}
