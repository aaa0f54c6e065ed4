#!/usr/bin/env node
import { main } from './cli/main.ts';

// The only file that runs on Node alone: the engine itself uses no Node API (the build has no Node
// types), so it runs in browsers too. The build bundles this file and all it imports into
// dist/interleave.js, which bin/interleave.js runs: one file loads faster than a hundred modules.
// The cases load only when a command needs them. A user's file imports the package's entry
// (dist/index.js), another copy of the engine than the bundle's, so its scenarios run on that one.
declare const process: {
  argv: string[];
  exitCode: number | undefined;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void; isTTY?: boolean; columns?: number };
  getBuiltinModule(id: 'node:url'): { pathToFileURL(path: string): { href: string } };
};
const { pathToFileURL } = process.getBuiltinModule('node:url');

const err = process.stderr;
process.exitCode = await main(
  process.argv.slice(2),
  {
    cases: async () => (await import('./cases/index.ts')).cases,
    module: (path) => import(pathToFileURL(path).href),
    engine: () => import('./index.ts'),
  },
  {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => err.write(`${text}\n`),
    ...(err.isTTY ? { progress: (line: string | null) => err.write(line === null ? '\r\x1b[K' : `\r\x1b[K${line.slice(0, (err.columns || 80) - 1)}`) } : {}),
  },
);
