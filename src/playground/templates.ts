/**
 * The playground's templates, with the verdict each must explore to (checked by the tests). Built
 * when the site is built and handed to the page as data: the guide's worked example is
 * engine/examples/fault-lock.ts itself, with its TypeScript types stripped by Node's own
 * `stripTypeScriptTypes` (which leaves every line where it was).
 */
import { stripTypeScriptTypes } from 'node:module';
import abba from './templates/abba.js?raw';
import cxl from './templates/cxl.js?raw';
import hmm from './templates/hmm.js?raw';
import intelSvm from './templates/intel-svm.js?raw';
import lostWakeup from './templates/lost-wakeup.js?raw';
import recursiveRead from './templates/recursive-read.js?raw';
import userfaultfd from './templates/userfaultfd.js?raw';
import vfioPci from './templates/vfio-pci.js?raw';
import faultLock from '../../engine/examples/fault-lock.ts?raw';

export interface Template {
  id: string;
  label: string;
  group: string;
  code: string;
  /** The verdict of the scenario explored by default (the first export, or `default`). */
  expected: 'ok' | 'deadlock' | 'violation' | 'leak';
}

/** Types stripped (each line kept), and the runs of blanks they leave before `)` or `,` closed up. */
const stripTypes = (ts: string) => stripTypeScriptTypes(ts).replace(/(\w) {2,}(?=[),])/g, '$1');

const policy = (p: string) => recursiveRead.replace(/^const policy = 'fifo';.*$/m, `const policy = '${p}';`);

export const templates: readonly Template[] = [
  { id: 'cxl', label: 'cxl: recursive mmap_lock', group: 'The five cases, in miniature', code: cxl, expected: 'deadlock' },
  { id: 'hmm', label: 'hmm: a count left raised', group: 'The five cases, in miniature', code: hmm, expected: 'deadlock' },
  { id: 'userfaultfd', label: 'userfaultfd: a fault waits for user space', group: 'The five cases, in miniature', code: userfaultfd, expected: 'deadlock' },
  { id: 'intel-svm', label: 'intel-svm: mm_users until ->release', group: 'The five cases, in miniature', code: intelSvm, expected: 'leak' },
  { id: 'vfio-pci', label: 'vfio-pci: a BAR read while disabled', group: 'The five cases, in miniature', code: vfioPci, expected: 'violation' },
  { id: 'fault-lock', label: 'The guide: a ->fault that takes a driver lock', group: 'Patterns', code: stripTypes(faultLock), expected: 'deadlock' },
  { id: 'abba', label: 'AB-BA', group: 'Patterns', code: abba, expected: 'deadlock' },
  { id: 'lost-wakeup', label: 'A lost wake-up', group: 'Patterns', code: lostWakeup, expected: 'deadlock' },
  { id: 'recursive-read-fifo', label: 'Recursive read, fifo (Linux)', group: 'Recursive read under each rwsem policy', code: recursiveRead, expected: 'deadlock' },
  { id: 'recursive-read-phase-fair', label: 'Recursive read, phase-fair', group: 'Recursive read under each rwsem policy', code: policy('phase-fair'), expected: 'deadlock' },
  { id: 'recursive-read-reader-preferring', label: 'Recursive read, reader-preferring', group: 'Recursive read under each rwsem policy', code: policy('reader-preferring'), expected: 'ok' },
];
