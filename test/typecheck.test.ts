/**
 * The site's own TypeScript type-checks (build-time helpers, demos, snippets, tests, the page
 * weight script). Astro strips types without checking them, so this is where a type error shows.
 * The .astro components are checked by rendering them (test/components/).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { requireDist, ROOT } from './support/dist.ts';

beforeAll(requireDist); // the build generates .astro/types.d.ts, which declares astro:content

it('type-checks', () => {
  const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'test', 'tsconfig.typecheck.json')], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});
