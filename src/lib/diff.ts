/**
 * A line diff of two short listings (a few hundred lines at most): the longest common subsequence
 * by dynamic programming, then unified hunks. Small enough to be our own code; the fix-diff
 * component highlights its result as C.
 */

export interface DiffLine {
  kind: 'same' | 'add' | 'remove';
  text: string;
  /** Line number in the old text (same, remove) and the new text (same, add). */
  oldLine?: number;
  newLine?: number;
}

function lines(text: string): string[] {
  const t = text.replace(/\r\n/g, '\n').replace(/\n$/, '');
  return t === '' ? [] : t.split('\n');
}

/** Every line of both texts in order, marked same, add or remove. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = lines(before);
  const b = lines(after);
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: 'add', text: b[j]!, newLine: j + 1 });
      j++;
    } else {
      out.push({ kind: 'remove', text: a[i]!, oldLine: i + 1 });
      i++;
    }
  }
  // Show removals before additions within a changed block, as patches do.
  for (let k = 0; k < out.length; ) {
    if (out[k]!.kind === 'same') {
      k++;
      continue;
    }
    let end = k;
    while (end < out.length && out[end]!.kind !== 'same') end++;
    const block = out.slice(k, end);
    out.splice(k, block.length, ...block.filter((l) => l.kind === 'remove'), ...block.filter((l) => l.kind === 'add'));
    k = end;
  }
  return out;
}

/** The diff as a unified patch (`@@ -a,b +c,d @@` hunks with `context` lines around each change). */
export function unifiedDiff(before: string, after: string, names: { old: string; new: string }, context = 3): string {
  const d = diffLines(before, after);
  const changed = d.map((l, k) => (l.kind === 'same' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into one hunk.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const lo = Math.max(0, k - context);
    const hi = Math.min(d.length - 1, k + context);
    const last = hunks[hunks.length - 1];
    if (last && lo <= last[1] + 1) last[1] = hi;
    else hunks.push([lo, hi]);
  }
  const out = [`--- ${names.old}`, `+++ ${names.new}`];
  for (const [lo, hi] of hunks) {
    const part = d.slice(lo, hi + 1);
    const oldLines = part.filter((l) => l.kind !== 'add');
    const newLines = part.filter((l) => l.kind !== 'remove');
    const oldStart = oldLines[0]?.oldLine ?? (d.slice(0, lo).filter((l) => l.kind !== 'add').length);
    const newStart = newLines[0]?.newLine ?? (d.slice(0, lo).filter((l) => l.kind !== 'remove').length);
    out.push(`@@ -${oldStart},${oldLines.length} +${newStart},${newLines.length} @@`);
    for (const l of part) out.push(`${l.kind === 'add' ? '+' : l.kind === 'remove' ? '-' : ' '}${l.text}`);
  }
  return out.join('\n') + '\n';
}
