#!/usr/bin/env node
import { cases } from './cases/index.ts';
import { main } from './cli/main.ts';

// The only file that runs on Node alone: the engine itself uses no Node API, so it runs in browsers too.
declare const process: {
  argv: string[];
  exitCode: number | undefined;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
};

process.exitCode = main(process.argv.slice(2), cases, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
