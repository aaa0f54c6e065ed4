/**
 * The URL hash as a permalink to a widget's state, versioned:
 *
 *   #sim=1&case=recursive-read&variant=buggy&policy=fifo&steps=aba
 *
 * `sim=1` marks the hash as ours (any other hash is a plain anchor and left alone) and gives the
 * format's version; then the case, the variant, each of the case's parameters and the schedule token
 * of the steps taken. Parsing is strict and never decodes anything: every value must be a short run
 * of letters, digits, `.`, `_` or `-`, each key may appear once, and the whole hash is bounded. A
 * hash that fails is reported with a reason written here (never with the text of the hash).
 */
import type { WidgetCase } from './case-shape.ts';

export const VERSION = '1';
const MAX_HASH = 800;
const MAX_STEPS_TOKEN = 600;
const PAIR = /^([A-Za-z][A-Za-z0-9_-]{0,31})=([A-Za-z0-9._-]*)$/;
const VALUE = /^[A-Za-z0-9._-]{1,64}$/;
const STEPS = /^(?:[a-zA-Z](?:[1-9][0-9]{0,3})?)*$/;

export interface Link {
  caseId: string;
  variant?: string;
  /** Schedule token (may be empty). */
  steps: string;
  params: Record<string, string>;
}

export type Parsed = { ok: true; link: Link } | { ok: false; reason: string };

/** Whether a hash claims to be a widget permalink. */
export function isOurs(hash: string): boolean {
  return hash.startsWith('#sim=');
}

/** Parses the syntax of a permalink; null when the hash is not one. */
export function parseHash(hash: string): Parsed | null {
  if (!isOurs(hash)) return null;
  const fail = (reason: string): Parsed => ({ ok: false, reason });
  if (hash.length > MAX_HASH) return fail('it is longer than any link made here');
  const pairs = hash.slice(1).split('&');
  const seen = new Map<string, string>();
  for (const pair of pairs) {
    const m = PAIR.exec(pair);
    if (!m) return fail('it has characters or parts that a link made here never has');
    const [, key, value] = m as unknown as [string, string, string];
    if (seen.has(key)) return fail(`it gives ${key} twice`);
    if (key === 'steps' ? value.length > MAX_STEPS_TOKEN || !STEPS.test(value) : !VALUE.test(value)) return fail(`its ${key} is not a valid value`);
    seen.set(key, value);
  }
  const version = seen.get('sim');
  if (version !== VERSION) return fail(/^\d+$/.test(version ?? '') ? 'it was made by another version of this site' : 'its version is not a number');
  const caseId = seen.get('case');
  if (caseId === undefined) return fail('it names no case');
  // No prototype: a key such as __proto__ is then just an unknown parameter, refused later.
  const link: Link = { caseId, steps: seen.get('steps') ?? '', params: Object.create(null) as Record<string, string> };
  const variant = seen.get('variant');
  if (variant !== undefined) link.variant = variant;
  for (const [k, v] of seen) if (k !== 'sim' && k !== 'case' && k !== 'variant' && k !== 'steps') link.params[k] = v;
  return { ok: true, link };
}

export type Checked = { ok: true; variant: string; params: Record<string, string | number>; steps: string } | { ok: false; reason: string };

/** Checks a parsed link against the case: a known variant, and every parameter known and in range. */
export function checkLink(link: Link, c: WidgetCase): Checked {
  const fail = (reason: string): Checked => ({ ok: false, reason });
  const variant = link.variant ?? c.variants[0]!.id;
  if (!c.variants.some((v) => v.id === variant)) return fail(`its variant is not one of ${c.variants.map((v) => v.id).join(', ')}`);
  const params: Record<string, string | number> = {};
  for (const p of c.params) params[p.name] = p.default;
  for (const [name, raw] of Object.entries(link.params)) {
    const p = c.params.find((x) => x.name === name);
    if (!p) return fail(`it sets ${name}, which is not a parameter of this case`);
    if (typeof p.default === 'number') {
      const n = /^-?\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n) || (p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) return fail(`its ${name} is not a whole number from ${p.min} to ${p.max}`);
      params[name] = n;
    } else {
      if (p.values && !p.values.includes(raw)) return fail(`its ${name} is not one of ${p.values.join(', ')}`);
      params[name] = raw;
    }
  }
  return { ok: true, variant, params, steps: link.steps };
}

/** The hash for a state. Every value written here passes `parseHash`. */
export function formatHash(caseId: string, variant: string, params: Record<string, string | number>, steps: string): string {
  const parts = [`sim=${VERSION}`, `case=${caseId}`, `variant=${variant}`];
  for (const [k, v] of Object.entries(params)) parts.push(`${k}=${v}`);
  parts.push(`steps=${steps}`);
  return `#${parts.join('&')}`;
}
