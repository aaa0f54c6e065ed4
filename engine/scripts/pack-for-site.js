// Packs the engine (`npm pack`) into the built site, at the stable address /engine/interleave-engine.tgz.
// Run after `astro build` (which empties dist/): `npm run pack:site --workspace @interleave/engine`.
// An argument packs into that folder instead (the package test does).
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const engine = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? resolve(process.argv[2]) : resolve(engine, '..', 'dist', 'engine');
mkdirSync(out, { recursive: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const name = execFileSync(npm, ['pack', '--silent', '--pack-destination', out], { cwd: engine, encoding: 'utf8' }).trim().split('\n').at(-1);
renameSync(join(out, name), join(out, 'interleave-engine.tgz'));
console.log(`packed ${name} as ${join(out, 'interleave-engine.tgz')}`);
