/**
 * The widget's model without a browser: stepping, why a thread cannot step, undo, scrubbing, a new
 * branch from an earlier step, and moving a history to another variant or policy.
 */
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/widgets/session.ts';
import { Run } from '../../src/widgets/run.ts';
import { recursiveReadCase as c } from '../../src/demos/recursive-read-case.ts';
import { linesFor } from '../../src/widgets/view/code.ts';

const buggy = () => new Session(c, 'buggy', { policy: 'fifo' });

describe('Session', () => {
  it('steps into the deadlock and says why each thread waits', () => {
    const s = buggy();
    expect(s.frame.runnable).toEqual(['T1', 'T2']);
    s.step('T1');
    s.step('T2');
    expect(s.whyNot('T2')).toContain('held for read by T1');
    s.step('T1');
    expect(s.frame.outcome?.verdict).toBe('deadlock');
    expect(s.schedule()).toBe('aba');
    const sem = s.frame.objects.find((o) => o.name === 'mmap_sem')!;
    expect(sem.queue).toEqual([{ thread: 'T2', mode: 'write' }, { thread: 'T1', mode: 'read' }]);
    expect(s.frame.threads.find((t) => t.name === 'T1')?.waiting?.text).toBe("queued behind T2's down_write");
    expect(() => s.step('T2')).toThrow(/cannot step T2/);
  });

  it('undoes, scrubs, follows the history and branches', () => {
    const s = buggy();
    for (const t of ['T1', 'T2', 'T1']) s.step(t);
    expect(s.undo()).toBe(true);
    expect(s.schedule()).toBe('ab');
    expect(s.length).toBe(2);
    s.seek(0);
    expect(s.schedule()).toBe('');
    expect(s.length).toBe(2);
    s.step('T1'); // the same as the history: follows it
    expect(s.length).toBe(2);
    expect(s.cursor).toBe(1);
    s.step('T1'); // a different step: a new branch
    expect(s.schedule()).toBe('a2');
    expect(s.length).toBe(2);
    s.reset();
    expect(s.length).toBe(0);
    expect(s.undo()).toBe(false);
  });

  it('keeps the steps that still fit when the variant or the policy changes', () => {
    const s = buggy();
    for (const t of ['T1', 'T2', 'T1']) s.step(t);
    const toFixed = s.configure('fixed', { policy: 'fifo' });
    // In the fixed code T1 reads once: T1's read, T2 waits for it, T1 releases.
    expect(toFixed).toEqual({ kept: 3, total: 3, misfit: null });
    expect(s.frame.threads.find((t) => t.name === 'T1')?.holds).toEqual([]);
    const s2 = buggy();
    for (const t of ['T1', 'T2', 'T1']) s2.step(t);
    const r = s2.configure('buggy', { policy: 'reader-preferring' });
    expect(r.kept).toBe(3);
    expect(s2.frame.outcome).toBeNull(); // T1's second read got past the waiting writer
    const s3 = new Session(c, 'fixed', { policy: 'fifo' });
    for (const t of ['T1', 'T1', 'T2', 'T2']) s3.step(t);
    expect(s3.frame.outcome?.verdict).toBe('ok');
    const back = s3.configure('buggy', { policy: 'fifo' });
    expect(back.kept).toBe(3);
    expect(back.misfit?.thread).toBe('T2');
    expect(back.misfit?.reason).toContain('waits in down_write');
  });

  it('decodes and loads schedules, and refuses one that does not fit', () => {
    const s = buggy();
    expect(s.decode('aba')).toEqual(['T1', 'T2', 'T1']);
    expect(() => s.decode('abc')).toThrow();
    expect(s.load(['T1', 'T2', 'T2'])?.index).toBe(2);
    expect(s.length).toBe(0);
    expect(s.load(['T1', 'T2', 'T1'])).toBeNull();
    expect(s.frame.outcome?.verdict).toBe('deadlock');
  });
});

describe('Run', () => {
  it('keeps every frame and replays by thread name', () => {
    const { run, misfit } = Run.replay(c.build({ variant: 'buggy' }), ['T1', 'T2', 'T3']);
    expect(misfit).toEqual({ index: 2, thread: 'T3', reason: 'T3 is not a thread of this variant' });
    expect(run.frames).toHaveLength(3);
    expect(run.frames[1]!.step?.op).toBe('down_read');
  });
});

describe('the code a column shows', () => {
  it('is the thread’s functions, each with the comment above it', () => {
    const l = c.listings.buggy!;
    const text = l.text.split('\n');
    const lines = linesFor(text, l, ['sys_brk']);
    expect(text[lines[0]! - 1]).toMatch(/^\/\* T2/);
    expect(text[lines[lines.length - 1]! - 1]).toBe('}');
    expect(lines.some((n) => text[n - 1]!.includes('handle_fault'))).toBe(false);
    expect(linesFor(text, l, undefined)).toHaveLength(text.length);
  });
});
