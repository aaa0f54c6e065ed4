/**
 * The engine's sources and its tests type-check together (engine/tsconfig.json). The build checks
 * only src/ (tsconfig.build.json), and Vitest strips types without checking them, so a test that
 * no longer matches the types it uses would otherwise go unnoticed.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const engine = resolve(import.meta.dirname, '..');

it('type-checks, tests included', () => {
  const tsc = spawnSync(resolve(engine, '..', 'node_modules', '.bin', 'tsc'), ['-p', resolve(engine, 'tsconfig.json')], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
});
