/**
 * The build-time helpers behind the components: the trace-to-lanes model of the timeline, the
 * wait-for graph and its cycle, the graph layout, and the wording helpers.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay, scenario, mutex_lock, mutex_unlock, down_read, up_read, down_write, up_write } from '@interleave/engine';
import { timeline } from '../src/lib/timeline.ts';
import { cycleOf, waitForGraph } from '../src/lib/waitfor.ts';
import { layoutGraph } from '../src/lib/graph-layout.ts';
import { keepWhole, list, plural, ranges } from '../src/lib/format.ts';
import { unifiedDiff } from '../src/lib/diff.ts';

const threeWay = scenario('three-way ring', (k) => {
  const m = [k.mutex('A'), k.mutex('B'), k.mutex('C')];
  for (let i = 0; i < 3; i++) {
    k.thread(`T${i + 1}`, function* () {
      yield* mutex_lock(m[i]!);
      yield* mutex_lock(m[(i + 1) % 3]!);
      yield* mutex_unlock(m[(i + 1) % 3]!);
      yield* mutex_unlock(m[i]!);
    });
  }
});

describe('timeline', () => {
  const report = explore(threeWay);
  const trace = replay(threeWay, report.counterexample!.schedule);
  const model = timeline(trace);

  it('has one lane per thread and one row per step', () => {
    expect(model.threads).toEqual(['T1', 'T2', 'T3']);
    expect(model.rows).toHaveLength(trace.steps.length);
    model.rows.forEach((r, i) => expect(model.threads[r.lane]).toBe(trace.steps[i]!.thread));
  });

  it('says what each thread holds and waits for after each step', () => {
    const last = model.rows.at(-1)!;
    for (const lane of last.lanes) {
      expect(lane.holds).toHaveLength(1);
      expect(lane.waits).toMatch(/^mutex_lock on [ABC]: held by T\d$/);
    }
    expect(model.outcome).toBe('deadlock');
  });

  it('marks a lane changed only when its state changed', () => {
    const first = model.rows[0]!;
    expect(first.lanes[first.lane]!.changed).toBe(true);
    expect(first.lanes.filter((_, k) => k !== first.lane).every((l) => !l.changed)).toBe(true);
  });
});

describe('wait-for graph', () => {
  it('finds the ring of a three-way deadlock', () => {
    const trace = replay(threeWay, explore(threeWay).counterexample!.schedule);
    const g = waitForGraph(trace.states.at(-1)!);
    expect(g.nodes.map((n) => n.id)).toEqual(['T1', 'T2', 'T3']);
    expect(g.edges).toHaveLength(3);
    expect(cycleOf(g)).toHaveLength(3);
  });

  it('has no edges when nobody waits', () => {
    const s = scenario('alone', (k) => {
      const sem = k.rwsem('sem');
      k.thread('T', function* () {
        yield* down_read(sem);
        yield* up_read(sem);
      });
    });
    const g = waitForGraph(replay(s, 'a2').states.at(-1)!);
    expect(g).toEqual({ nodes: [], edges: [] });
    expect(cycleOf(g)).toEqual([]);
  });

  it('finds no cycle in a chain', () => {
    expect(cycleOf({ nodes: ['a', 'b', 'c'].map((id) => ({ id, label: id })), edges: [{ from: 'a', to: 'b', label: '', text: '' }, { from: 'b', to: 'c', label: '', text: '' }] })).toEqual([]);
  });
});

describe('graph layout', () => {
  it('places every node inside the drawing, with finite coordinates', () => {
    const s = scenario('rw', (k) => {
      const sem = k.rwsem('sem');
      k.thread('R', function* () {
        yield* down_read(sem);
        yield* down_read(sem);
        yield* up_read(sem);
        yield* up_read(sem);
      });
      k.thread('W', function* () {
        yield* down_write(sem);
        yield* up_write(sem);
      });
    });
    const g = waitForGraph(replay(s, 'aba').states.at(-1)!);
    for (const shape of ['circle', 'row'] as const) {
      const l = layoutGraph(g, shape);
      for (const n of l.nodes) {
        expect(n.x - n.w / 2).toBeGreaterThanOrEqual(0);
        expect(n.x + n.w / 2).toBeLessThanOrEqual(l.width);
        expect(n.y - n.h / 2).toBeGreaterThanOrEqual(0);
        expect(n.y + n.h / 2).toBeLessThanOrEqual(l.height);
      }
      for (const e of l.edges) expect(e.d).not.toMatch(/NaN|Infinity/);
    }
  });

  it('keeps two opposite edges apart', () => {
    const l = layoutGraph({ nodes: [{ id: 'a', label: 'a' }, { id: 'b', label: 'b' }], edges: [{ from: 'a', to: 'b', label: 'x', text: '' }, { from: 'b', to: 'a', label: 'y', text: '' }] });
    expect(l.edges[0]!.ly).not.toBe(l.edges[1]!.ly);
  });
});

describe('wording', () => {
  it('writes ranges, plurals and lists', () => {
    expect(ranges([1, 2, 3, 7, 9, 10])).toBe('1–3, 7, 9–10');
    expect(plural(1, 'execution')).toBe('1 execution');
    expect(plural(1200, 'execution')).toBe('1,200 executions');
    expect(plural(2, 'switch', 'switches')).toBe('2 switches');
    expect(list(['a', 'b', 'c'])).toBe('a, b and c');
  });

  it('keeps arrows and leading minus signs whole, and no other hyphen', () => {
    const joined = (s: string) => s.replaceAll('\u2060', '|');
    expect(joined(keepWhole('mm->mmap_lock returns -EAGAIN (-1), not page-fault'))).toBe('mm-|>mmap_lock returns -|EAGAIN (-|1), not page-fault');
    expect(joined(keepWhole('-EAGAIN, a-b - c'))).toBe('-|EAGAIN, a-b - c');
  });

  it('writes a unified patch', () => {
    expect(unifiedDiff('a\nb\n', 'a\nc\n', { old: 'a/x', new: 'b/x' })).toBe('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  });
});
