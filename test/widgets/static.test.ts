/**
 * What the build writes for the widgets and their security: every page carries the
 * Content-Security-Policy (scripts and workers from this site only), no page has an inline script or
 * an inline event handler, and each widget's static form holds what the browser needs: its case,
 * variant and parameters, every listing its scenarios carry (highlighted by Shiki), the challenge's
 * answer as the engine finds it, and the failing timeline for readers without JavaScript.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { caseIds } from '@interleave/engine/cases';
import { explore } from '@interleave/engine';
import { pagePaths, requireDist } from '../support/dist.ts';
import { page, text } from '../support/html.ts';
import { widgetCaseIds, widgetPages } from '../support/widgets.ts';
import { contentSecurityPolicy } from '../../src/lib/csp.ts';
import { getWidgetCase, siteCases } from '../../src/lib/widget-cases.ts';
import { widgetListings } from '../../src/lib/widget.ts';
import { listingKey } from '../../src/widgets/listing-key.ts';
import { isLoadable, loadableCaseIds, loadCase } from '../../src/widgets/case-loaders.ts';

beforeAll(requireDist);

describe('the Content-Security-Policy', () => {
  it.each(pagePaths())('%s carries it, before anything it governs', (path) => {
    const head = page(path).querySelector('head')!;
    const metas = head.querySelectorAll('meta');
    expect(metas[0]?.getAttribute('charset')).toBe('utf-8');
    expect(metas[1]?.getAttribute('http-equiv')).toBe('content-security-policy');
    const policy = metas[1]!.getAttribute('content')!;
    expect(policy).toBe(contentSecurityPolicy({ wasm: path === '/search/' }));
    const scriptSrc = policy.split('; ').find((d) => d.startsWith('script-src '))!;
    expect(scriptSrc).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|https?:|\*|nonce-|sha256-/);
    expect(policy).toContain("worker-src 'self'");
    expect(policy).toContain("object-src 'none'");
  });

  it('has nothing to exempt: no inline script and no inline event handler on any page', () => {
    for (const path of pagePaths()) {
      const root = page(path);
      for (const s of root.querySelectorAll('script')) expect(s.getAttribute('src'), `${path}: an inline script`).toBeTruthy();
      const handlers = root.querySelectorAll('*').filter((el) => Object.keys(el.attributes).some((a) => /^on/i.test(a)));
      expect(handlers.map((el) => `${path}: <${el.tagName}>`)).toEqual([]);
    }
  });
});

describe('the cases a widget can load', () => {
  it('are the engine’s five and the site’s own', () => {
    expect([...loadableCaseIds].sort()).toEqual([...caseIds, ...Object.keys(siteCases)].sort());
    expect(isLoadable('toString')).toBe(false);
    expect(isLoadable('__proto__')).toBe(false);
  });

  it.each(widgetCaseIds())('%s loads, from its own module, as the case the build used', async (id) => {
    // The registry may wrap a case (e.g. to share scenarios between a page's components): the module
    // the browser loads must still be that case, building the same scenarios.
    const loaded = await loadCase(id);
    const built = getWidgetCase(id);
    expect(loaded.id).toBe(id);
    expect(loaded.variants).toEqual(built.variants);
    expect(loaded.params).toEqual(built.params);
    for (const v of built.variants) {
      const a = loaded.build({ variant: v.id });
      const b = built.build({ variant: v.id });
      expect([a.name, a.threads, a.listing?.text]).toEqual([b.name, b.threads, b.listing?.text]);
    }
  });

  it('refuses an unknown id', async () => {
    await expect(loadCase('constructor')).rejects.toThrow(/no case 'constructor'/);
  });
});

describe.each(widgetPages())('the static form of $caseId on $path', ({ path, caseId }) => {
  const host = () => page(path).querySelector(`interleave-widget[data-case="${caseId}"]`)!;
  const c = getWidgetCase(caseId);

  it('names its case, variant and parameters', () => {
    const el = host();
    expect(c.variants.map((v) => v.id)).toContain(el.getAttribute('data-variant'));
    const params = JSON.parse(el.getAttribute('data-params')!) as Record<string, unknown>;
    expect(Object.keys(params).sort()).toEqual(c.params.map((p) => p.name).sort());
    expect(el.getAttribute('id')).toBeTruthy();
  });

  it('carries every listing its scenarios may show, highlighted at build time', () => {
    const el = host();
    const params = JSON.parse(el.getAttribute('data-params')!) as Record<string, string | number>;
    const expected = widgetListings(c, params);
    const templates = el.querySelectorAll('template[data-listing]');
    expect(templates.map((t) => t.getAttribute('data-listing')).sort()).toEqual(expected.map((l) => l.key).sort());
    for (const { key, listing } of expected) {
      expect(key).toBe(listingKey(listing.text));
      const t = templates.find((x) => x.getAttribute('data-listing') === key)!;
      const lines = t.querySelectorAll('pre.astro-code code > span.line');
      expect(lines.map((l) => l.getAttribute('data-line'))).toEqual(listing.text.split('\n').map((_, i) => String(i + 1)));
      expect(t.querySelectorAll('span[style*="--shiki-dark"]').length).toBeGreaterThan(0);
    }
  });

  it('states the challenge the engine can meet, with its shortest answer', () => {
    const el = host();
    const variant = el.getAttribute('data-challenge-variant')!;
    const failing = c.variants.find((v) => v.expected !== 'ok' && v.expected !== 'incomplete')!;
    expect(variant).toBe(failing.id);
    const params = JSON.parse(el.getAttribute('data-params')!) as Record<string, string | number>;
    const s = c.build({ ...params, variant });
    const r = explore(s);
    expect(el.getAttribute('data-challenge-verdict')).toBe(r.verdict);
    const answer = JSON.parse(el.getAttribute('data-challenge-answer')!) as string[];
    expect(answer).toEqual(r.counterexample!.steps.map((st) => st.thread));
    // The page's own hint, or the default one (how long, and where the failure ends).
    const hint = el.getAttribute('data-challenge-hint') ?? '';
    expect(hint.length).toBeGreaterThan(20);
  });

  it('shows the failing timeline without JavaScript', () => {
    const el = host();
    const fig = el.querySelector('.iw-static figure.timeline');
    const variant = el.getAttribute('data-variant')!;
    const params = JSON.parse(el.getAttribute('data-params')!) as Record<string, string | number>;
    const expected = explore(c.build({ ...params, variant })).verdict;
    expect(el.querySelector('.iw-static .verdict')?.getAttribute('data-verdict')).toBe(expected);
    if (expected === 'ok') expect(fig).toBeNull();
    else {
      expect(fig?.querySelectorAll('tbody tr').length).toBeGreaterThan(0);
      expect(text(el.querySelector('.iw-static-note'))).toContain('With JavaScript on, this is a simulator');
    }
  });
});
