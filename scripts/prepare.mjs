#!/usr/bin/env node
/**
 * What `npm start` and `npm test` need before they run, installed where it is missing, in plain
 * JavaScript that any Node from 18 on can run (before `npm ci`, the project's own Node 24 is not
 * there yet):
 * - the dependencies, with `npm ci`, when node_modules is absent or older than package-lock.json;
 * - with --browser, Debian's Chromium (the browser tests drive /usr/bin/chromium): installed with
 *   apt-get where we are root, otherwise one line saying how, and exit status 1.
 * When nothing is missing it only compares two dates and looks for one file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : -Infinity);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// npm writes node_modules/.package-lock.json at the end of every install: its date is the install's.
const installed = mtime(join(root, 'node_modules', '.package-lock.json'));
if (installed < mtime(join(root, 'package-lock.json'))) {
  console.error(existsSync(join(root, 'node_modules')) ? 'package-lock.json is newer than node_modules: npm ci' : 'No node_modules yet: npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

if (process.argv.includes('--browser') && !existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) {
    console.error(`The browser tests need Debian's Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\`, then run npm test again.`);
    process.exit(1);
  }
  console.error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', 'chromium']);
}
