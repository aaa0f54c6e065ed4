import { main, type Io } from './cli/main.ts';

// The only file that runs on Node alone: the engine itself uses no Node API (the build has no Node
// types), so it runs in browsers too. The build bundles this file and all it imports into
// dist/interleave.cjs, which bin/interleave.js loads (bin/load.js) and runs: one file loads faster
// than a hundred modules.
// The cases load only when a command needs them. A user's file imports the package's entry
// (dist/index.js), another copy of the engine than the bundle's, so its scenarios run on that one.
declare const process: {
  stdout: { write(text: string): void };
  stderr: { write(text: string): void; isTTY?: boolean; columns?: number };
  getBuiltinModule(id: 'node:url'): { pathToFileURL(path: string): { href: string } };
};
const { pathToFileURL } = process.getBuiltinModule('node:url');

/**
 * Runs the command line on `argv` and returns its exit status. The bundle is loaded as a script
 * (bin/load.js), which cannot import: `importer` is the launcher's `import()`. `dist` is the URL of
 * the package's dist/ folder (ending in a slash), whose index.js is the engine a user's file imports.
 */
export function run(argv: string[], importer: (url: string) => Promise<unknown>, dist: string, io: Io = terminal()): Promise<number> {
  return main(argv, {
    cases: async () => (await import('./cases/index.ts')).cases,
    module: (path) => importer(pathToFileURL(path).href) as Promise<Readonly<Record<string, unknown>>>,
    engine: () => importer(`${dist}index.js`) as Promise<typeof import('./index.ts')>,
  }, io);
}

/** Output to the process's stdout and stderr, with a progress line where stderr is a terminal. */
function terminal(): Io {
  const err = process.stderr;
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => err.write(`${text}\n`),
    ...(err.isTTY ? { progress: (line: string | null) => err.write(line === null ? '\r\x1b[K' : `\r\x1b[K${line.slice(0, (err.columns || 80) - 1)}`) } : {}),
  };
}
