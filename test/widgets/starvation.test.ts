/**
 * The widget's search looks for starvation in a scenario whose threads run forever, and only there:
 * the recursive-read mini-case's `turns` variant (two readers in turn, forever, and a writer) starves
 * its writer under the reader-preferring rule, as a lasso that replays, and under the other two does not.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay } from '@interleave/engine';
import { recursiveReadCase as c } from '../../src/demos/recursive-read-case.ts';
import { hasForever } from '../../src/widgets/search-worker.ts';

const build = (variant: string, policy: string) => c.build({ variant, policy });

describe('the widget search and starvation', () => {
  it('checks liveness only where a thread runs forever', () => {
    expect(hasForever(build('turns', 'fifo'))).toBe(true);
    expect(hasForever(build('buggy', 'fifo'))).toBe(false);
    expect(hasForever(build('fixed', 'reader-preferring'))).toBe(false);
  });

  it('readers taking turns starve the writer under reader-preferring: a lasso whose prefix and one turn of its loop replay with the writer still waiting', () => {
    const s = build('turns', 'reader-preferring');
    const r = explore(s, { liveness: hasForever(s) });
    expect(r.verdict).toBe('starvation');
    expect(r.complete).toBe(true);
    const loop = r.counterexample!.loop!;
    expect(loop.thread).toBe('T2');
    expect(loop.length).toBeGreaterThan(0);
    expect(r.counterexample!.schedule).toMatch(/^[a-z0-9]*\([a-z0-9]+\)$/);
    // The lasso replays: the prefix, then the loop once (what the widget plays), with T2 waiting throughout the loop.
    const t = replay(s, r.counterexample!.schedule);
    expect(t.outcome).toBe('starvation');
    expect(t.steps.length).toBe(loop.start + loop.length);
    expect(t.steps.some((st) => st.thread === 'T2' && st.blocked)).toBe(true);
    expect(t.steps.slice(loop.start).every((st) => st.thread !== 'T2')).toBe(true);
  });

  it('under fifo and phase-fair the writer is not starved: the liveness check covers every state and finds nothing', () => {
    for (const policy of ['fifo', 'phase-fair']) {
      const s = build('turns', policy);
      const r = explore(s, { liveness: hasForever(s) });
      expect([r.verdict, r.complete], policy).toEqual(['ok', true]);
    }
  });
});
