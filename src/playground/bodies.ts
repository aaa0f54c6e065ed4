/**
 * Where each thread's body is in the reader's code, so its column shows those lines: the body's
 * source text (recorded by instrument.ts) found in the code. A body written once and given to
 * several threads is found for each; a body the code does not hold as written is left out (its
 * column then shows the whole code).
 */
import { lineAt } from './compile.ts';
import type { Body } from './protocol.ts';

export function threadBodies(source: string, threads: readonly string[], texts: ReadonlyMap<string, string>): Body[] {
  return threads.flatMap((name) => {
    const text = texts.get(name);
    const at = text ? source.indexOf(text) : -1;
    if (at < 0) return [];
    const start = lineAt(source, at);
    return [{ name, start, end: start + lineAt(text!, text!.length) - 1 }];
  });
}
