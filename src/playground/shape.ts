/**
 * The shape of what the sandbox sends, checked before the page draws any of it: the reader's code
 * (or a stranger's) can post anything, so a view or a search result is used only when every field
 * the workbench reads has the type it expects. (Everything is then drawn as text or attribute
 * values, never as markup.)
 */
import type { ExploreResult, View } from './protocol.ts';

type Check = (x: unknown) => boolean;

const str: Check = (x) => typeof x === 'string';
const num: Check = (x) => typeof x === 'number' && Number.isFinite(x);
const bool: Check = (x) => typeof x === 'boolean';
const arr = (item: Check): Check => (x) => Array.isArray(x) && x.every(item);
const opt = (c: Check): Check => (x) => x === undefined || c(x);
const nullable = (c: Check): Check => (x) => x === null || c(x);
const record = (value: Check): Check => (x) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every(value);
const oneOf = (...values: string[]): Check => (x) => values.includes(x as string);
const obj =
  (fields: Record<string, Check>): Check =>
  (x) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.entries(fields).every(([k, c]) => c((x as Record<string, unknown>)[k]));

/** More states than a page can draw in reasonable time (a reader's history is far shorter). */
const MAX_FRAMES = 10_000;

const VERDICTS = ['ok', 'deadlock', 'violation', 'leak', 'starvation', 'incomplete'];

const step = obj({ thread: str, op: str, blocked: bool, target: opt(str), line: opt(num), note: opt(str), violation: opt(str), stack: opt(arr(num)) });
const thread = obj({
  name: str,
  status: oneOf('ready', 'waiting', 'done', 'crashed'),
  role: opt(str),
  code: opt(arr(str)),
  line: opt(num),
  stack: arr(num),
  holds: arr(obj({ lock: str, mode: str })),
  waiting: opt(obj({ op: str, object: str, text: str, blockers: arr(str) })),
});
const object = obj({ name: str, kind: str, summary: str });
const leak = obj({ object: str, chain: arr(obj({ holder: str, held: str, kind: str, op: str, step: num })) });
const outcome = obj({ verdict: oneOf(...VERDICTS), message: str, detail: (x) => x === undefined || leak(x) });
const frame = obj({ step: nullable(step), threads: arr(thread), objects: arr(object), runnable: arr(str), why: record(nullable(str)), outcome: nullable(outcome) });
const fault = obj({ line: num, column: opt(num), message: str });

const view = obj({
  exports: arr(str),
  exportName: str,
  title: str,
  threads: arr(str),
  focus: arr(str),
  bodies: arr(obj({ name: str, start: num, end: num })),
  frames: (x) => Array.isArray(x) && x.length > 0 && x.length <= MAX_FRAMES && x.every(frame),
  schedules: arr(str),
  cursor: num,
  fault: opt(fault),
});

const result = obj({
  verdict: oneOf(...VERDICTS),
  message: str,
  schedule: opt(str),
  steps: opt(num),
  complete: bool,
  incomplete: opt(str),
  executions: num,
  ms: num,
  lockdep: arr(obj({ title: str, text: str })),
});

export function isView(x: unknown): x is View {
  if (!view(x)) return false;
  const v = x as View;
  return v.schedules.length === v.frames.length && Number.isInteger(v.cursor) && v.cursor >= 0 && v.cursor < v.frames.length;
}

export const isResult = (x: unknown): x is ExploreResult => result(x);
