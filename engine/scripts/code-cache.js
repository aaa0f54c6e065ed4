// Writes V8's code cache of the bundled command line (dist/interleave.cjs) into
// dist/interleave.cache, after running every variant of every case once in this process, so that
// the cache holds the functions a search runs, not only those a first load compiles
// (bin/load.js reads it). Run by the build, after the bundle.
import { writeFileSync } from 'node:fs';
import { codeCache, dist, load } from '../bin/load.js';

const { run, script } = load(false);
const quiet = { out: () => {}, err: () => {} };
const { cases } = await import(new URL('cases/index.js', dist).href);
for (const [id, c] of Object.entries(cases)) {
  for (const v of c.variants) await run(['explore', id, '--variant', v.id], (url) => import(url), dist.href, quiet);
}
await run(['list'], (url) => import(url), dist.href, quiet);
writeFileSync(codeCache, script.createCachedData());
