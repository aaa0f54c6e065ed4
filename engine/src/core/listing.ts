/**
 * A case's listing: simplified C in our own words. A line may end in a marker `//@label` that
 * scenario code refers to with `at('label', ...)`, so steps carry listing lines without hard-coded
 * numbers. Markers are stripped from the text a reader sees.
 */
export interface Listing {
  /** The listing as shown, markers removed. */
  readonly text: string;
  /** Label → line (1-based). */
  readonly labels: ReadonlyMap<string, number>;
  /** Top-level functions and their line ranges (1-based, inclusive). */
  readonly functions: readonly ListingFunction[];
}

export interface ListingFunction {
  name: string;
  start: number;
  end: number;
}

const MARKER = /\s*\/\/@([\w.-]+)\s*$/;
const FUNCTION_START = /^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\(/;

export function listing(source: string): Listing {
  const raw = source.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const labels = new Map<string, number>();
  const lines = raw.map((line, i) => {
    const m = MARKER.exec(line);
    if (!m) return line;
    const label = m[1]!;
    if (labels.has(label)) throw new Error(`listing: the label '${label}' is used twice (lines ${labels.get(label)} and ${i + 1})`);
    labels.set(label, i + 1);
    return line.slice(0, m.index);
  });
  const functions: ListingFunction[] = [];
  let open: { name: string; start: number } | null = null;
  lines.forEach((line, i) => {
    const start = open === null ? FUNCTION_START.exec(line) : null;
    if (start) open = { name: start[1]!, start: i + 1 };
    else if (open !== null && line.startsWith('}')) {
      functions.push({ ...open, end: i + 1 });
      open = null;
    }
  });
  return { text: lines.join('\n'), labels, functions };
}

/** The line of `label` in `l`, or a clear error naming what is available. */
export function lineOf(l: Listing | undefined, label: string): number {
  const line = l?.labels.get(label);
  if (line === undefined) {
    const known = l ? [...l.labels.keys()].join(', ') : 'none (the scenario has no listing)';
    throw new Error(`at('${label}'): no such label in the listing; labels: ${known}`);
  }
  return line;
}

/**
 * Listings by name, each made when first read and kept: loading a case then costs nothing for the
 * listings it does not show (the command line loads every case to explore one).
 */
export function lazyListings<K extends string>(make: Readonly<Record<K, () => Listing>>): Readonly<Record<K, Listing>> {
  const out = {} as Record<K, Listing>;
  for (const name of Object.keys(make) as K[]) {
    let made: Listing | undefined;
    Object.defineProperty(out, name, { enumerable: true, get: () => (made ??= make[name]()) });
  }
  return Object.freeze(out);
}
