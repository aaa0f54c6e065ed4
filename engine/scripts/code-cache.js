// Writes V8's code cache of the bundled command line (dist/interleave.cjs) into
// dist/interleave.cache, after running every variant of every case once in this process, so that
// the cache holds the functions a search runs, not only those a first load compiles
// (bin/load.js reads it). Run by the build, after the bundle.
import { writeFileSync } from 'node:fs';
import { codeCache, dist, load } from '../bin/load.js';

const { run, script } = load(false);
const importer = (url) => import(url);
const quiet = { out: () => {}, err: () => {} };
let listed = '';
await run(['list', '--json'], importer, dist.href, { ...quiet, out: (text) => (listed += text) });
for (const c of JSON.parse(listed)) {
  for (const v of c.variants) await run(['explore', c.id, '--variant', v.id], importer, dist.href, quiet);
}
await run(['list'], importer, dist.href, quiet);
writeFileSync(codeCache, script.createCachedData());
