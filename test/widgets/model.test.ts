/**
 * What CaseWidget computes at build time: the listings to highlight, the shown variant's run, and the
 * challenge with its answer and hint; and a case whose declared verdict the engine contradicts fails
 * the build.
 */
import { describe, expect, it } from 'vitest';
import { widgetListings, widgetModel } from '../../src/lib/widget.ts';
import { recursiveReadCase as c } from '../../src/demos/recursive-read-case.ts';
import type { WidgetCase } from '../../src/widgets/case-shape.ts';

describe('widgetModel', () => {
  it('computes the mini-case’s challenge, hint and static timeline', () => {
    const m = widgetModel(c, {});
    expect(m.variant).toBe('buggy');
    expect(m.params).toEqual({ policy: 'fifo' });
    expect(m.report.verdict).toBe('deadlock');
    expect(m.trace?.schedule).toBe('aba');
    expect(m.challenge).toEqual({
      variant: 'buggy',
      verdict: 'deadlock',
      answer: ['T1', 'T2', 'T1'],
      hint: expect.stringMatching(/^It can be done in 3 steps\. Aim for this end: T1 and T2 can never run again; /),
    });
    expect(widgetModel(c, { hint: 'Let T2 ask first.' }).challenge?.hint).toBe('Let T2 ask first.');
  });

  it('shows an ok variant without a timeline, and keeps the challenge on the failing one', () => {
    const m = widgetModel(c, { variant: 'fixed' });
    expect(m.report.verdict).toBe('ok');
    expect(m.trace).toBeNull();
    expect(m.challenge?.variant).toBe('buggy');
  });

  it('collects each distinct listing once', () => {
    const ls = widgetListings(c, { policy: 'fifo' });
    expect(ls.map((l) => l.listing.text).sort()).toEqual([c.listings.buggy!.text, c.listings.fixed!.text, c.listings.turns!.text].sort());
  });

  it('fails the build when a variant no longer ends as the case says', () => {
    const wrong: WidgetCase = { ...c, variants: [{ ...c.variants[0]!, expected: 'ok' }, c.variants[1]!] };
    expect(() => widgetModel(wrong, {})).toThrow(/expected to end in ok, but the engine says deadlock/);
  });
});
