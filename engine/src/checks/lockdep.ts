import type { Listing } from '../core/listing.ts';
import type { LockEvent, WorldObserver } from '../core/world.ts';

/**
 * Lockdep in miniature (Documentation/locking/lockdep-design.rst): it works on lock classes, not
 * instances; every time a thread asks for a lock while holding others it records "held → new" in a
 * graph, and it warns as soon as the graph shows a possible deadlock, whether or not any execution
 * deadlocked:
 *
 * - asking for a class the thread already holds: "possible recursive locking detected" (an rwsem's
 *   `down_read` is a non-recursive read for lockdep, so a second `down_read` counts);
 * - an edge that closes a cycle: "possible circular locking dependency detected".
 *
 * Trylocks are recorded as held once taken, but asking for one is not checked, as in the kernel
 * (whose `validate_chain` skips the deadlock checks for a trylock).
 */
export interface LockdepEdge {
  from: string;
  to: string;
  /** How the thread held `from` and asked for `to`: `read`, `write` or `exclusive`. */
  fromMode: string;
  toMode: string;
  thread: string;
  /** Where `from` was taken and where `to` was asked for (listing lines and functions). */
  fromAt: string;
  toAt: string;
}

export interface LockdepWarning {
  kind: 'recursive' | 'circular';
  title: string;
  /** The classes involved; for a cycle, in order (each depends on the next, the last on the first). */
  classes: string[];
  /** The dependencies that make the cycle (for `recursive`, the one self-dependency). */
  chain: LockdepEdge[];
  /** The report in the kernel's shape. */
  text: string;
}

export interface LockdepReport {
  classes: string[];
  edges: LockdepEdge[];
  warnings: LockdepWarning[];
}

/** Where a lock was asked for: the listing's function and line, or just the operation. */
function where(op: string, line: number | undefined, listing: Listing | undefined): string {
  if (line === undefined) return op;
  const fn = listing?.functions.find((f) => f.start <= line && line <= f.end);
  return fn ? `${op} in ${fn.name}, line ${line}` : `${op}, line ${line}`;
}

function modeText(mode: string): string {
  return mode === 'exclusive' ? '' : ` for ${mode}`;
}

export class Lockdep implements WorldObserver {
  readonly #classes = new Set<string>();
  readonly #edges = new Map<string, LockdepEdge>();
  readonly #next = new Map<string, string[]>();
  readonly #warnings: LockdepWarning[] = [];
  readonly #warned = new Set<string>();

  lockEvent(e: LockEvent): void {
    if (e.type !== 'acquire') return;
    this.#classes.add(e.lockClass);
    if (e.trylock) return;
    const listing = e.thread.world.listing;
    const toAt = where(e.op, e.line, listing);
    for (const h of e.thread.held) {
      const from = h.lockClass ?? (h.lock as { lockClass?: string }).lockClass ?? h.lock.name;
      const edge: LockdepEdge = { from, to: e.lockClass, fromMode: h.mode, toMode: e.mode, thread: e.thread.name, fromAt: where(h.op, h.line, listing), toAt };
      if (from === e.lockClass) this.#recursive(edge);
      else this.#addEdge(edge);
    }
  }

  #recursive(edge: LockdepEdge): void {
    if (this.#warned.has(`recursive ${edge.to}`)) return;
    this.#warned.add(`recursive ${edge.to}`);
    const title = 'possible recursive locking detected';
    const text = [
      ...opening(title, edge),
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${edge.from});`,
      `  lock(${edge.to});`,
      '',
      ' *** DEADLOCK ***',
      '',
      ' May be due to missing lock nesting notation',
    ].join('\n');
    this.#warnings.push({ kind: 'recursive', title, classes: [edge.to], chain: [edge], text });
  }

  #addEdge(edge: LockdepEdge): void {
    const key = `${edge.from}\0${edge.to}`;
    if (this.#edges.has(key)) return;
    this.#edges.set(key, edge);
    const out = this.#next.get(edge.from) ?? [];
    out.push(edge.to);
    this.#next.set(edge.from, out);
    const back = this.#path(edge.to, edge.from);
    if (back) this.#circular(edge, back);
  }

  /** A path of classes from `a` to `b` in the graph, breadth first (so the shortest). */
  #path(a: string, b: string): string[] | null {
    const parent = new Map<string, string | null>([[a, null]]);
    const queue = [a];
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === b) {
        const p: string[] = [];
        for (let x: string | null = b; x !== null; x = parent.get(x)!) p.push(x);
        return p.reverse();
      }
      for (const n of this.#next.get(c) ?? []) {
        if (!parent.has(n)) {
          parent.set(n, c);
          queue.push(n);
        }
      }
    }
    return null;
  }

  #circular(edge: LockdepEdge, back: string[]): void {
    // The cycle: from → to → ... → from.
    const cycle = [edge.from, ...back.slice(0, -1)];
    const id = `circular ${[...cycle].sort().join(' ')}`;
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    const chain = [edge, ...back.slice(0, -1).map((c, i) => this.#edges.get(`${c}\0${back[i + 1]}`)!)];
    const title = 'possible circular locking dependency detected';
    const existing = chain.slice(1).reverse();
    // The kernel's scenario: CPU0 holds `from` and asks for `to`; CPU1 holds the lock before `from` in the
    // existing chain (for two locks, `to` itself) and asks for `from`.
    const parent = back[back.length - 2] ?? edge.to;
    const text = [
      ...opening(title, edge),
      'which lock already depends on the new lock.',
      '',
      'the existing dependency chain (in reverse order) is:',
      ...existing.flatMap((e, i) => [
        '',
        `-> #${existing.length - i} (${e.to}):`,
        `       ${e.thread} took ${e.to}${modeText(e.toMode)} at ${e.toAt}, holding ${e.from}${modeText(e.fromMode)} (taken at ${e.fromAt})`,
      ]),
      '',
      `-> #0 (${edge.to}):`,
      `       ${edge.thread} is taking ${edge.to}${modeText(edge.toMode)} at ${edge.toAt}, holding ${edge.from}${modeText(edge.fromMode)} (taken at ${edge.fromAt})`,
      '',
      `Chain exists of: ${[edge.to, ...back.slice(1)].join(' --> ')}`,
      '',
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      `  lock(${edge.from});`,
      `                               lock(${parent});`,
      `                               lock(${edge.from});`,
      `  lock(${edge.to});`,
      '',
      ' *** DEADLOCK ***',
    ].join('\n');
    this.#warnings.push({ kind: 'circular', title, classes: cycle, chain, text });
  }

  report(): LockdepReport {
    return { classes: [...this.#classes], edges: [...this.#edges.values()], warnings: [...this.#warnings] };
  }
}

/** The warning's first lines, as lockdep prints them: its title, the lock asked for and the one held. */
function opening(title: string, edge: LockdepEdge): string[] {
  return [
    banner(title),
    `${edge.thread} is trying to acquire lock:`,
    ` (${edge.to})${modeText(edge.toMode)}, at: ${edge.toAt}`,
    '',
    'but task is already holding lock:',
    ` (${edge.from})${modeText(edge.fromMode)}, at: ${edge.fromAt}`,
    '',
  ];
}

function banner(title: string): string {
  const rule = '='.repeat(title.length + 9);
  return `${rule}\nWARNING: ${title}\n${'-'.repeat(title.length + 9)}`;
}
