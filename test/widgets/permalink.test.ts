/**
 * The permalink format: what the widget writes it reads back, and anything else (a hash of another
 * version, a malformed one, a hostile one) is refused with a reason of our own, never echoed.
 */
import { describe, expect, it } from 'vitest';
import { checkLink, formatHash, isOurs, parseHash } from '../../src/widgets/permalink.ts';
import { getWidgetCase } from '../../src/lib/widget-cases.ts';
import { widgetCaseIds } from '../support/widgets.ts';

const mini = getWidgetCase('recursive-read');

describe('parseHash', () => {
  it('leaves plain anchors alone', () => {
    expect(parseHash('#fifo-run')).toBeNull();
    expect(parseHash('')).toBeNull();
    expect(isOurs('#simulator')).toBe(false);
  });

  it('reads a link the widget wrote', () => {
    const hash = formatHash('recursive-read', 'fixed', { policy: 'reader-preferring' }, 'a2b');
    expect(hash).toBe('#sim=1&case=recursive-read&variant=fixed&policy=reader-preferring&steps=a2b');
    const parsed = parseHash(hash);
    expect(parsed).toEqual({ ok: true, link: { caseId: 'recursive-read', variant: 'fixed', steps: 'a2b', params: { policy: 'reader-preferring' } } });
  });

  it.each([
    ['#sim=2&case=recursive-read', 'another version'],
    ['#sim=x&case=recursive-read', 'version is not a number'],
    ['#sim=1', 'names no case'],
    ['#sim=1&case=recursive-read&case=cxl', 'twice'],
    ['#sim=1&case=<img src=x onerror=alert(1)>', 'never has'],
    ['#sim=1&case=%3Cimg%20src%3Dx%3E', 'never has'],
    ['#sim=1&case=recursive-read&steps=a0', 'steps is not a valid value'],
    ['#sim=1&case=recursive-read&steps=a99999', 'steps is not a valid value'],
    ['#sim=1&case=recursive-read&policy=' + 'f'.repeat(65), 'policy is not a valid value'],
    ['#sim=1&case=recursive-read&steps=' + 'ab'.repeat(400), 'longer than any link'],
    ['#sim=1&case=recursive-read&&steps=a', 'never has'],
    ['#sim=1&case=recursive-read&javascript:alert(1)=1', 'never has'],
  ])('refuses %s', (hash, reason) => {
    const parsed = parseHash(hash);
    expect(parsed?.ok).toBe(false);
    if (parsed && !parsed.ok) {
      expect(parsed.reason).toContain(reason);
      expect(parsed.reason).not.toMatch(/[<>%]|img|alert/);
    }
  });
});

describe('checkLink', () => {
  const link = (hash: string) => {
    const p = parseHash(hash);
    if (!p?.ok) throw new Error(`not a link: ${hash}`);
    return p.link;
  };

  it('fills in the defaults', () => {
    expect(checkLink(link('#sim=1&case=recursive-read'), mini)).toEqual({ ok: true, variant: 'buggy', params: { policy: 'fifo' }, steps: '' });
  });

  it('refuses an unknown variant, parameter or value', () => {
    expect(checkLink(link('#sim=1&case=recursive-read&variant=patched'), mini)).toMatchObject({ ok: false, reason: expect.stringContaining('variant is not one of buggy, fixed') });
    expect(checkLink(link('#sim=1&case=recursive-read&pages=3'), mini)).toMatchObject({ ok: false, reason: expect.stringContaining('not a parameter') });
    expect(checkLink(link('#sim=1&case=recursive-read&policy=lifo'), mini)).toMatchObject({ ok: false, reason: expect.stringContaining('policy is not one of') });
    expect(checkLink(link('#sim=1&case=recursive-read&constructor=1'), mini)).toMatchObject({ ok: false });
    expect(checkLink(link('#sim=1&case=recursive-read&hasOwnProperty=1'), mini)).toMatchObject({ ok: false });
    expect(parseHash('#sim=1&case=recursive-read&__proto__=1')?.ok).toBe(false);
  });
});

describe.each(widgetCaseIds())('the links of %s', (id) => {
  const c = getWidgetCase(id);
  it('round-trip for every variant and every named parameter value', () => {
    for (const v of c.variants) {
      const params = Object.fromEntries(c.params.map((p) => [p.name, p.default]));
      for (const p of c.params) {
        for (const value of p.values ?? [p.default, p.min ?? p.default, p.max ?? p.default]) {
          const given = { ...params, [p.name]: value };
          const hash = formatHash(c.id, v.id, given, 'ab');
          const parsed = parseHash(hash);
          expect(parsed?.ok, hash).toBe(true);
          if (parsed?.ok) expect(checkLink(parsed.link, c)).toEqual({ ok: true, variant: v.id, params: given, steps: 'ab' });
        }
      }
    }
  });
});
