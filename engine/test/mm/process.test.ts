import { describe, expect, it } from 'vitest';
import {
  EBADF, act, assert, do_exit, explore, fput, get_file, get_task_mm, mmput, perform, READ, scenario, simulate, sys_close, sys_mmap,
  type File, type Op,
} from '../../src/index.ts';
import { check, objectState, runOut } from './support.ts';

/** A ->release that shows on the timeline as a step of its own. */
function* released(file: File): Op<void> {
  yield* perform(act('release', file, READ, () => file.world.note(`${file.name}'s ->release runs`)));
}

describe('processes and files', () => {
  it('exit runs exit_mm before exit_files, and the last fput of a mapped file (in exit_files) calls ->release', () => {
    const s = scenario('exit with a mapped file', (k) => {
      const P = k.process('P');
      const dev = P.open('dev0', { release: released });
      P.thread('T1', function* () {
        yield* sys_mmap(0x10000, 0x1000, { file: dev });
        yield* do_exit();
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    const ops = sim.steps.map((st) => `${st.op}${st.target === 'dev0.f_count' ? ' dev0' : ''}`);
    const at = (op: string) => ops.indexOf(op);
    expect(at('exit_mm')).toBeLessThan(at('exit_files'));
    expect(at('remove_vma')).toBeGreaterThan(at('fput dev0')); // remove_vma drops the file, then frees the VMA
    expect(sim.steps[at('fput dev0')]!.note).toBe('dev0.f_count = 1'); // the VMA's fput is not the last
    expect(at('release')).toBeGreaterThan(at('exit_files'));
    expect(ops.filter((op) => op === 'release')).toHaveLength(1);
    expect(ops[at('release') + 1]).toBe('file_free');
    expect(objectState(sim, 'dev0').freed).toBe(true);
    expect(objectState(sim, 'P.files').freed).toBe(true);
  });

  it('a file lives while anyone holds it: close drops the fd table, and the last holder releases it', () => {
    const s = scenario('close and fput', (k) => {
      const P = k.process('P');
      const f = P.open('f', { release: released });
      P.thread('T1', function* () {
        yield* get_file(f);
        assert((yield* sys_close(f)) === 0);
        assert((yield* sys_close(f)) === -EBADF, 'closing twice');
        yield* fput(f);
      });
    });
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.outcome?.verdict).toBe('ok');
    expect(sim.steps.map((st) => st.op)).toEqual(['get_file', 'close_fd', 'fput', 'close_fd', 'fput', 'release', 'file_free']);
  });

  it("a process's mm dies with its last thread; the others' exits only drop their users", () => {
    const s = scenario('two threads', (k) => {
      const P = k.process('P');
      P.mm.addVma(0x10000, 0x1000);
      P.thread('T1', function* () {
        yield* do_exit();
      });
      P.thread('T2', function* () {
        yield* do_exit();
      });
    });
    // Two whole exits interleave in about two million ways, too many to enumerate by brute force; the
    // same rule (only the last user tears down) is compared with brute force in mm_struct.test.ts.
    const r = explore(s);
    expect(r.complete).toBe(true);
    expect(r.verdict).toBe('ok');
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(objectState(sim, 'P')).toMatchObject({ live: 1, exited: false });
    expect(objectState(sim, 'P.mm')).toMatchObject({ mm_users: 1, freed: false });
    expect(objectState(sim, 'P.files').freed).toBe(false);
    runOut(sim, 'T2');
    expect(objectState(sim, 'P').exited).toBe(true);
    expect(objectState(sim, 'P.mm').freed).toBe(true);
    expect(sim.steps.filter((st) => st.op === 'exit_mmap').map((st) => st.thread)).toEqual(['T2']);
  });

  it('get_task_mm takes a user while the task has its mm, and returns null after exit_mm', () => {
    const s = scenario('get_task_mm', (k) => {
      const P = k.process('P');
      P.thread('T1', function* () {
        yield* do_exit();
      });
      k.thread('K', function* () {
        const mm = yield* get_task_mm(P.tasks[0]!);
        if (mm) yield* mmput(mm);
      });
    });
    expect(check(s).verdict).toBe('ok');
    const sim = simulate(s);
    runOut(sim, 'T1');
    expect(sim.step('K')).toMatchObject({ op: 'get_task_mm', note: 'T1.task has no mm' });
  });

  it('a thread that is not a process thread has no mm for a system call', () => {
    const s = scenario('kthread mmap', (k) => {
      k.thread('K', function* () {
        yield* sys_mmap(0x10000, 0x1000);
      });
    });
    expect(explore(s).message).toBe('K threw Error: sys_mmap: K is a kernel thread with no mm or files; make it with process.thread(name, body)');
  });
});
