/**
 * A schedule is the sequence of threads chosen at each step. Its token is printable and short:
 * threads are letters in creation order (`a` is the first thread, `A` the 27th), each followed by a
 * repeat count when it runs more than one step in a row. `a3b2a` runs the first thread three steps,
 * the second two, then the first one more.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The most threads a schedule token can name. */
export const MAX_THREADS = LETTERS.length;

export function encodeSchedule(tids: readonly number[]): string {
  let out = '';
  for (let i = 0; i < tids.length; ) {
    const tid = tids[i]!;
    let run = 1;
    while (tids[i + run] === tid) run++;
    const letter = LETTERS[tid];
    if (letter === undefined) throw new Error(`schedule: thread index ${tid} cannot be encoded (at most ${MAX_THREADS} threads)`);
    out += run === 1 ? letter : letter + run;
    i += run;
  }
  return out;
}

/** The most steps a schedule token may stand for (the largest `maxSteps`). */
export const MAX_SCHEDULE_STEPS = 1_000_000;

/**
 * Decodes a token for a scenario with `threadCount` threads; a malformed token, or one that stands
 * for more than MAX_SCHEDULE_STEPS steps, is a clear Error (checked before anything is expanded).
 */
export function decodeSchedule(token: string, threadCount: number): number[] {
  if (typeof token !== 'string') throw new Error(`schedule: expected a string token, got ${typeof token}`);
  let total = 0;
  for (const m of token.matchAll(/[a-zA-Z](\d*)/g)) {
    const n = m[1] === '' ? 1 : Number(m[1]);
    if (n <= MAX_SCHEDULE_STEPS) total += n; // a larger count is refused below, with its position
  }
  if (total > MAX_SCHEDULE_STEPS) {
    throw new Error(`schedule '${token.length > 40 ? `${token.slice(0, 40)}…` : token}': stands for ${total} steps, more than the ${MAX_SCHEDULE_STEPS} a schedule may have`);
  }
  const tids: number[] = [];
  const re = /([a-zA-Z])(\d*)/y;
  let pos = 0;
  while (pos < token.length) {
    re.lastIndex = pos;
    const m = re.exec(token);
    if (!m) throw new Error(`schedule '${token}': unexpected '${token[pos]}' at position ${pos + 1} (a token is letters, each optionally followed by a count, e.g. 'a3b2a')`);
    const tid = LETTERS.indexOf(m[1]!);
    if (tid >= threadCount) {
      throw new Error(`schedule '${token}': '${m[1]}' names thread ${tid + 1}, but the scenario has ${threadCount} thread${threadCount === 1 ? '' : 's'}`);
    }
    const count = m[2] === '' ? 1 : Number(m[2]);
    if (!Number.isSafeInteger(count) || count < 1 || count > 1_000_000) {
      throw new Error(`schedule '${token}': bad repeat count '${m[2]}' at position ${pos + 2}`);
    }
    for (let k = 0; k < count; k++) tids.push(tid);
    pos = re.lastIndex;
  }
  return tids;
}

/** How many times consecutive steps belong to different threads. */
export function countSwitches(tids: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < tids.length; i++) if (tids[i] !== tids[i - 1]) n++;
  return n;
}
