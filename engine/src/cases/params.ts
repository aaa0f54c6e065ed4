import type { Case, CaseParam } from './types.ts';

export type ParamValues = Record<string, string | number>;

/**
 * A case's parameters, with defaults filled in and every value checked: an unknown name, a value of
 * the wrong type or out of range, or an unknown variant is a clear Error naming what is allowed.
 */
export function resolveParams(c: { id: string } & Pick<Case, 'variants' | 'params'>, given: ParamValues = {}): ParamValues & { variant: string } {
  const known = new Map<string, CaseParam>(c.params.map((p) => [p.name, p]));
  const out: ParamValues = { variant: c.variants[0]!.id };
  for (const p of c.params) out[p.name] = p.default;
  for (const [name, raw] of Object.entries(given)) {
    if (name === 'variant') {
      const ids = c.variants.map((v) => v.id);
      if (!ids.includes(String(raw))) throw new Error(`${c.id}: unknown variant '${raw}' (variants: ${ids.join(', ')})`);
      out.variant = String(raw);
      continue;
    }
    const p = known.get(name);
    if (!p) {
      const names = c.params.map((x) => x.name);
      throw new Error(`${c.id}: unknown parameter '${name}' (parameters: ${names.length ? names.join(', ') : 'none'})`);
    }
    out[name] = typeof p.default === 'number' ? numberParam(c.id, p, raw) : stringParam(c.id, p, raw);
  }
  return out as ParamValues & { variant: string };
}

function numberParam(id: string, p: CaseParam, raw: string | number): number {
  const v = typeof raw === 'number' ? raw : /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  const min = p.min ?? -Infinity;
  const max = p.max ?? Infinity;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${id}: parameter '${p.name}' must be an integer from ${p.min} to ${p.max}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

function stringParam(id: string, p: CaseParam, raw: string | number): string {
  const v = String(raw);
  if (p.values && !p.values.includes(v)) throw new Error(`${id}: parameter '${p.name}' must be one of ${p.values.join(', ')}, got '${v}'`);
  return v;
}

/**
 * Every combination of a variant and parameter values that `c` accepts (each `values` entry, each
 * integer from `min` to `max`), variants first: a grid to sweep a case over. A case's build may
 * still refuse a combination that makes no sense (cxl: fewer pages than VMAs).
 */
export function paramGrid(c: Pick<Case, 'variants' | 'params'>): (ParamValues & { variant: string })[] {
  let grid: (ParamValues & { variant: string })[] = c.variants.map((v) => ({ variant: v.id }));
  for (const p of c.params) {
    const values: (string | number)[] = p.values ? [...p.values] : Array.from({ length: p.max! - p.min! + 1 }, (_, i) => p.min! + i);
    grid = grid.flatMap((combo) => values.map((v) => ({ ...combo, [p.name]: v })));
  }
  return grid;
}
