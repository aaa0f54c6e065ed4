import { describe, expect, it } from 'vitest';
import {
  ScenarioError, down_read, down_write, explore, mutex_lock, mutex_unlock, replay, scenario, up_read, up_write,
  type RwsemPolicy,
} from '../src/index.ts';
import { main } from '../src/cli/main.ts';
import { buildGraph } from '../src/core/liveness/graph.ts';

/** Two readers that take turns on the lock for ever, and a writer that wants it once. */
const turns = (policy: RwsemPolicy, writerForever = false) =>
  scenario(`two readers take turns (${policy})`, (k) => {
    const sem = k.rwsem('mmap_lock', { policy });
    for (const r of ['R1', 'R2']) {
      k.thread(r, function* () {
        yield* down_read(sem);
        yield* up_read(sem);
      }, { forever: true });
    }
    k.thread('W', function* () {
      yield* down_write(sem);
      yield* up_write(sem);
    }, { forever: writerForever });
  });

describe('starvation, found as a cycle', () => {
  it('finds the writer starving under reader-preferring: a lasso whose loop the readers go round', () => {
    const r = explore(turns('reader-preferring'), { liveness: true });
    expect(r.verdict).toBe('starvation');
    expect(r.complete).toBe(true);
    const ce = r.counterexample!;
    expect(ce.loop).toEqual({ start: 2, length: 4, thread: 'W' });
    expect(ce.schedule).toMatch(/^[a-c0-9]+\([a-c0-9]+\)$/);
    const loopSteps = ce.steps.slice(ce.loop!.start);
    expect(new Set(loopSteps.map((s) => s.thread))).toEqual(new Set(['R1', 'R2']));
    expect(r.message).toMatch(/^Starvation: W waits in down_write on mmap_lock forever/);
  });

  it('finds none under fifo and phase-fair, where a waiting writer stops new readers', () => {
    for (const policy of ['fifo', 'phase-fair'] as const) {
      for (const writerForever of [false, true]) {
        const r = explore(turns(policy, writerForever), { liveness: true });
        expect([policy, r.verdict, r.complete]).toEqual([policy, 'ok', true]);
        expect(r.stats.states).toBeGreaterThan(10);
        expect(r.message).toMatch(/no thread starves/);
      }
    }
  });

  it('replays the lasso: the prefix, the loop once, and where the loop starts', () => {
    const s = turns('reader-preferring');
    const r = explore(s, { liveness: true });
    const t = replay(s, r.counterexample!.schedule);
    expect(t.outcome).toBe('starvation');
    expect(t.loop).toEqual(r.counterexample!.loop);
    expect(t.steps.map((x) => x.op)).toEqual(r.counterexample!.steps.map((x) => x.op));
    // The loop ends in the state where it began, with the writer still queued.
    const { start, length } = t.loop!;
    expect(t.states[start + length]).toEqual(t.states[start]);
    for (let i = start; i <= start + length; i++) expect(t.states[i]!.threads[2]!.status).toBe('waiting');
  });

  it('refuses a lasso that is not one, with the reason', () => {
    const s = turns('reader-preferring');
    expect(() => replay(s, 'ac(b)')).toThrow(/does not come back to the state where it began/);
    expect(() => replay(s, 'acb(a2)')).toThrow(/not weakly fair: R2 could run in every state of it and never does/);
    expect(() => replay(s, 'a(a2)')).toThrow(/not weakly fair/);
    const readers = scenario('readers', (k) => {
      const sem = k.rwsem('mmap_lock', { policy: 'reader-preferring' });
      for (const r of ['R1', 'R2']) k.thread(r, function* () { yield* down_read(sem); yield* up_read(sem); }, { forever: true });
    });
    expect(() => replay(readers, '(a2b2)')).toThrow(/no thread waits throughout its loop/);
    expect(() => replay(s, 'ac(ba2b')).toThrow(/a lasso is a schedule, then its loop in parentheses/);
    expect(() => replay(turns('fifo'), 'ac(b2)')).toThrow(/step 4 picks R2, but R2 waits in down_read on mmap_lock/);
  });

  it('keeps plain schedules as they were', () => {
    const s = turns('reader-preferring');
    expect(() => replay(s, 'ab')).toThrow(/does not fit/);
    expect(replay(scenario('one', (k) => {
      const m = k.mutex('m');
      k.thread('T', function* () { yield* mutex_lock(m); yield* mutex_unlock(m); });
    }), 'a2').outcome).toBe('ok');
  });

  it('still finds the shortest deadlock first: fifo with a recursive read', () => {
    const s = scenario('recursive read', (k) => {
      const sem = k.rwsem('mmap_lock');
      k.thread('T1', function* () {
        yield* down_read(sem);
        yield* down_read(sem);
        yield* up_read(sem);
        yield* up_read(sem);
      }, { forever: true });
      k.thread('T2', function* () {
        yield* down_write(sem);
        yield* up_write(sem);
      });
    });
    const r = explore(s, { liveness: true });
    expect(r.verdict).toBe('deadlock');
    expect(r.counterexample!.steps).toHaveLength(3);
    expect(replay(s, r.counterexample!.schedule).outcome).toBe('deadlock');
  });

  it('a forever body: restarts, must not keep a lock across iterations, and must take a step', () => {
    const holds = scenario('holds', (k) => {
      const m = k.mutex('m');
      k.thread('T', function* () { yield* mutex_lock(m); }, { forever: true });
    });
    const r = explore(holds, { liveness: true });
    expect([r.verdict, r.counterexample?.rule]).toEqual(['violation', 'lock-held-at-exit']);
    expect(() => explore(scenario('empty', (k) => {
      const m = k.mutex('m');
      let first = true;
      k.thread('T', function* () {
        if (first) yield* mutex_lock(m), yield* mutex_unlock(m);
        first = false;
      }, { forever: true });
    }), { liveness: true })).toThrow(ScenarioError);
    // Without the liveness check, a forever thread runs into maxSteps.
    expect(explore(turns('fifo'), { maxSteps: 30, maxExecutions: 20 }).verdict).toBe('incomplete');
  });

  it('takes the first step from each state in the world that found it, and replays a path only for the others', () => {
    let steps = 0;
    const g = buildGraph(turns('fifo', true), () => [], { maxStates: 1_000, stopAtFailure: true, step: () => ++steps > 0 });
    const expanded = g.states.filter((s) => s.end === null);
    expect(expanded.length).toBeGreaterThan(5);
    // One world to start, then one per edge but each state's first.
    expect(g.replays).toBe(1 + expanded.reduce((n, s) => n + s.edges.length - 1, 0));
    // A step per edge, and the path to its state for each edge but the first.
    expect(g.steps).toBe(expanded.reduce((n, s) => n + s.edges.length + (s.edges.length - 1) * s.depth, 0));
    expect(steps).toBe(g.steps);
  });

  it('reports a bound on states as incomplete, and checks its options', () => {
    const r = explore(turns('fifo', true), { liveness: true, maxStates: 5 });
    expect([r.verdict, r.incomplete?.bound]).toEqual(['incomplete', 'maxStates']);
    expect(() => explore(turns('fifo'), { liveness: 'yes' as unknown as boolean })).toThrow(/liveness must be true or false/);
    expect(() => explore(turns('fifo'), { maxStates: 0 })).toThrow(/maxStates must be an integer ≥ 1/);
  });

  it('on the command line: --liveness, the loop marked, the lasso replayed, exit status 1', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    const sources = { cases: () => ({}), module: async () => ({ turns: turns('reader-preferring') }) };
    expect(await main(['explore', './turns.mjs', '--liveness'], sources, io)).toBe(1);
    expect(out[0]).toMatch(/: starvation\nStarvation: W waits/);
    expect(out[0]).toMatch(/loop \(repeats forever; W waits throughout\):\n  \|/);
    const schedule = /schedule: (\S+)/.exec(out[0]!)![1]!;
    expect(await main(['replay', './turns.mjs', schedule], sources, io)).toBe(1);
    expect(out[1]).toMatch(/back to the state before step 3/);
    expect(await main(['explore', './turns.mjs', '--liveness', '--max-states', '3'], sources, io)).toBe(3);
    expect(out[2]).toMatch(/--max-states/);
  });
});
