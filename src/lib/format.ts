/** Small wording helpers shared by the components. */

/** `[1, 2, 3, 7, 9, 10]` → `"1–3, 7, 9–10"`. */
export function ranges(sorted: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** `plural(1, 'execution')` → "1 execution"; `plural(3, 'execution')` → "3 executions". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/**
 * Prose with `->` and a leading minus kept whole: a browser may break a line after a hyphen, which
 * turns `->release` into "-" and ">release", and "-EAGAIN" into "-" and "EAGAIN". A word joiner
 * after the hyphen forbids that break.
 */
export function keepWhole(text: string): string {
  return text.replace(/\B-\b|-(?=>)/g, '-\u2060');
}

/** "a", "a and b", "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A slug for ids: lower case, words joined by hyphens. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
